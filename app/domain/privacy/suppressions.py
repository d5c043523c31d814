"""Suppression list and marketing permission: who may get marketing mail at all."""
from __future__ import annotations

import hashlib
import logging
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.domain.followups.mail_kinds import MARKETING
from app.domain.followups.planner_input import CustomerInput, ShopInput
from app.models import Customer, MessageState, ScheduledMessage, Shop, Suppression
from app.models.states import MESSAGE_PENDING
from app.observability.privacy_scrub import scrub_addresses

log = logging.getLogger(__name__)

# Listed for these reasons, an address gets no mail at all, not even about its parcels.
ALL_MAIL_REASONS = ("bounced", "redacted")
# Consent states kept on Customer.marketing_consent.
GRANTED, PENDING, DENIED, WITHDRAWN, UNKNOWN = "granted", "pending", "denied", "withdrawn", "unknown"
# Consent the buyer confirmed through the block's newsletter sign-up (double opt-in).
DOUBLE_OPT_IN = "block_double_opt_in"
# Where a withdrawal came from when it was our list that recorded it (unsubscribe, complaint).
OBJECTION_SOURCES = ("unsubscribe_link", "complaint")


def email_hash(email: str) -> str:
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()


def suppress(session: Session, shop_id: int, hashed: str, reason: str, now: datetime) -> None:
    """Put an address hash on the shop's list; a second entry keeps the first reason, unless
    the new one stops all mail (a bounce after an unsubscribe)."""
    listed = session.scalar(select(Suppression).where(
        Suppression.shop_id == shop_id, Suppression.email_hash == hashed))
    if listed is not None:
        if reason in ALL_MAIL_REASONS and listed.reason not in ALL_MAIL_REASONS:
            listed.reason = reason
        return
    try:
        with session.begin_nested():
            session.add(Suppression(shop_id=shop_id, email_hash=hashed, reason=reason, created_at=now))
    except IntegrityError:
        pass  # listed a moment ago by another request


def suppression_reason(session: Session, shop_id: int, email: str | None) -> str | None:
    if not email:
        return None
    return session.scalar(select(Suppression.reason).where(
        Suppression.shop_id == shop_id, Suppression.email_hash == email_hash(email)))


def unsubscribe(session: Session, shop: Shop, hashed: str, customer: Customer | None, now: datetime) -> None:
    """One-click unsubscribe: list the address, record the objection, skip pending marketing."""
    object_to_marketing(session, shop.id, hashed, customer, now, "unsubscribed", "unsubscribe_link")


def object_to_marketing(session: Session, shop_id: int, hashed: str, customer: Customer | None, now: datetime,
                        reason: str, source: str) -> None:
    """An objection to advertising (unsubscribe, spam complaint): listed, consent withdrawn,
    pending marketing skipped; mail about the buyer's orders still goes out."""
    suppress(session, shop_id, hashed, reason, now)
    if customer is None or customer.shop_id != shop_id:
        return
    if customer.marketing_consent != WITHDRAWN:
        customer.marketing_consent = WITHDRAWN
        customer.consent_source = source
        customer.consent_at = now
    _skip_pending(session, customer, f"suppressed: {reason}", now, stream=MARKETING)


def stop_all_mail(session: Session, shop_id: int, hashed: str, customer: Customer | None, now: datetime,
                  reason: str = "bounced") -> None:
    """An address that does not take mail: listed, and nothing more goes to it, of any stream."""
    suppress(session, shop_id, hashed, reason, now)
    if customer is None or customer.shop_id != shop_id:
        return
    if not customer.suppressed_reason:
        customer.suppressed_reason, customer.suppressed_at = reason, now
    _skip_pending(session, customer, f"suppressed: {reason}", now)


def _skip_pending(session: Session, customer: Customer, reason: str, now: datetime,
                  stream: str | None = None) -> None:
    condition = [ScheduledMessage.customer_id == customer.id,
                 ScheduledMessage.state.in_(MESSAGE_PENDING)]
    if stream is not None:
        condition.append(ScheduledMessage.stream == stream)
    session.execute(update(ScheduledMessage).where(*condition)
                    .values(state=MessageState.SKIPPED, reason=reason, updated_at=now))


def lift_suppression(session: Session, shop_id: int, email: str) -> str | None:
    """Take an address off the shop's list (a mistaken unsubscribe, a mailbox that works
    again); the reason it was listed for, or None when it was not listed.

    A bounce's mark on the buyer goes with it. A withdrawal of consent that our list
    recorded (unsubscribe link, complaint) goes back to unknown, so the platform's consent
    counts again (or the buyer's double opt-in): lifting never grants consent by itself.
    Mails skipped while the address was listed stay skipped.
    """
    listed = session.scalar(select(Suppression).where(
        Suppression.shop_id == shop_id, Suppression.email_hash == email_hash(email)))
    if listed is None:
        return None
    session.delete(listed)
    customer = session.scalar(select(Customer).where(
        Customer.shop_id == shop_id, Customer.email == email.strip().lower()))
    if customer is not None:
        if customer.suppressed_reason == listed.reason:
            customer.suppressed_reason = customer.suppressed_at = None
        if customer.marketing_consent == WITHDRAWN and customer.consent_source in OBJECTION_SOURCES:
            customer.marketing_consent, customer.consent_source, customer.consent_at = UNKNOWN, None, None
    return listed.reason


def log_lift(shop_id: int, was: str | None, lifted_by: str, reason: str) -> None:
    """The audit line of a lift, the same from the CLI and the admin: at WARNING so that a
    quieter LOG_LEVEL keeps it; no address in it (not even one typed into the reason).
    `was`: the reason it was listed for (None: another lift took it off first)."""
    def clean(text: str) -> str:
        return scrub_addresses(" ".join(text.split()))[:300]

    log.warning("suppression lifted: shop %s, listed as %s, by %s: %s", shop_id, was, clean(lifted_by),
                clean(reason))


def marketing_permitted(customer: CustomerInput | None, shop: ShopInput) -> bool:
    """Opt-in, or (if the merchant turned it on) §7(3) UWG for a buyer who has not objected."""
    if customer is None or not customer.email:
        return False
    if customer.marketing_consent == GRANTED:
        return True
    return shop.existing_customer_exemption and customer.marketing_consent in (UNKNOWN, DENIED, PENDING)
