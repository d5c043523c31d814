"""The addresses a shop may send test mails to: the merchant adds one, we mail a link to it,
and only once that link is opened does a test send go there.

A test send renders a real mail for a sample order under the shop's sender name and sends
it at once. To any typed address, unlimited, that made the admin a relay for phishing; now
the address's owner has said yes, and the sends are counted (the limits below, checked by
the admin with app/rate_limits.py). Addresses are kept lowercased and trimmed.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.domain.privacy.suppressions import email_hash
from app.i18n import N_, TextError
from app.links.test_address import MAX_AGE_SECONDS, ConfirmTarget, mailed_at_mark
from app.models import Shop, TestRecipient

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_ADDRESS_LENGTH = 254
# Per shop: addresses kept, and of them waiting for their link to be opened.
MAX_ADDRESSES = 10
MAX_PENDING = 3
# Fixed windows (app/rate_limits.py): test sends and confirmation mails per shop and hour;
# confirmation mails to one address per day, whichever shops ask.
TEST_SENDS_PER_HOUR = 10
CONFIRMATIONS_PER_HOUR = 5
CONFIRMATIONS_PER_ADDRESS_PER_DAY = 3
LINK_LIFETIME = timedelta(seconds=MAX_AGE_SECONDS)
CONFIRMED, PENDING, EXPIRED = "confirmed", "pending", "expired"


class Refused(TextError):
    """The address cannot be added now; `text(lang)` tells the merchant why."""


def normalise(address: str | None) -> str | None:
    """The address as stored, or None when it is no plausible mailbox."""
    address = (address or "").strip().lower()
    if len(address) > MAX_ADDRESS_LENGTH or not address.isprintable() or not EMAIL.match(address):
        return None
    return address


def state(recipient: TestRecipient, now: datetime) -> str:
    if recipient.confirmed_at is not None:
        return CONFIRMED
    return PENDING if recipient.created_at > now - LINK_LIFETIME else EXPIRED


def recipients(session: Session, shop_id: int) -> list[TestRecipient]:
    return list(session.scalars(select(TestRecipient).where(TestRecipient.shop_id == shop_id)
                                .order_by(TestRecipient.address)))


def find(session: Session, shop_id: int, address: str) -> TestRecipient | None:
    return session.scalar(select(TestRecipient).where(TestRecipient.shop_id == shop_id,
                                                      TestRecipient.address == address))


def is_confirmed(session: Session, shop_id: int, address: str) -> bool:
    found = find(session, shop_id, address)
    return found is not None and found.confirmed_at is not None


def add_or_renew(session: Session, shop_id: int, address: str, now: datetime) -> TestRecipient:
    """The pending row to mail a new link for: a new one, or an unconfirmed one renewed (which
    voids its earlier links). Raises Refused past the shop's limits; the caller commits.
    An address already confirmed is the caller's to answer (it needs no link)."""
    found = find(session, shop_id, address)
    if found is None and session.execute(select(func.count()).where(TestRecipient.shop_id == shop_id)) \
            .scalar_one() >= MAX_ADDRESSES:
        raise Refused(N_("admin.previews.too_many_addresses"), most=MAX_ADDRESSES)
    if found is None or state(found, now) == EXPIRED:
        waiting = session.execute(select(func.count()).where(
            TestRecipient.shop_id == shop_id, TestRecipient.confirmed_at.is_(None),
            TestRecipient.created_at > now - LINK_LIFETIME)).scalar_one()
        if waiting >= MAX_PENDING:
            raise Refused(N_("admin.previews.too_many_waiting"), count=waiting)
    if found is None:
        found = TestRecipient(shop_id=shop_id, address=address)
        session.add(found)
    found.created_at = now
    session.flush()
    return found


def confirmable(session: Session, target: ConfirmTarget) -> tuple[Shop, TestRecipient] | None:
    """The shop and row a valid link names, or None when the row is gone, renewed since,
    another shop's, for another address, or the shop left the app."""
    recipient = session.get(TestRecipient, target.recipient_id)
    if recipient is None or recipient.shop_id != target.shop_id \
            or email_hash(recipient.address) != target.email_hash \
            or mailed_at_mark(recipient.created_at) != target.mailed_at:
        return None
    shop = session.get(Shop, recipient.shop_id)
    return (shop, recipient) if shop is not None and shop.active else None


def confirm(recipient: TestRecipient, now: datetime) -> None:
    if recipient.confirmed_at is None:
        recipient.confirmed_at = now
