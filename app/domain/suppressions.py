"""Suppression list and marketing permission: who may get marketing mail at all."""
from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.domain.mail_kinds import MARKETING
from app.models import Customer, ScheduledMessage, Shop, Suppression

PENDING_STATES = ("planned", "queued")
# Consent states kept on Customer.marketing_consent.
GRANTED, PENDING, DENIED, WITHDRAWN, UNKNOWN = "granted", "pending", "denied", "withdrawn", "unknown"
# Consent the buyer confirmed through the block's newsletter sign-up (double opt-in).
DOUBLE_OPT_IN = "block_double_opt_in"


def email_hash(email: str) -> str:
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()


def suppress(session: Session, shop_id: int, hashed: str, reason: str, now: datetime) -> None:
    """Put an address hash on the shop's list; a second entry keeps the first reason."""
    if session.scalar(select(Suppression.id).where(
            Suppression.shop_id == shop_id, Suppression.email_hash == hashed)) is not None:
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
    suppress(session, shop.id, hashed, "unsubscribed", now)
    if customer is None or customer.shop_id != shop.id:
        return
    if customer.marketing_consent != WITHDRAWN:
        customer.marketing_consent = WITHDRAWN
        customer.consent_source = "unsubscribe_link"
        customer.consent_at = now
    session.execute(
        update(ScheduledMessage)
        .where(ScheduledMessage.customer_id == customer.id, ScheduledMessage.stream == MARKETING,
               ScheduledMessage.state.in_(PENDING_STATES))
        .values(state="skipped", reason="suppressed: unsubscribed", updated_at=now)
    )


def marketing_permitted(customer: Customer | None, shop: Shop) -> bool:
    """Opt-in, or (if the merchant turned it on) §7(3) UWG for a buyer who has not objected."""
    if customer is None or not customer.email:
        return False
    if customer.marketing_consent == GRANTED:
        return True
    return shop.existing_customer_exemption and customer.marketing_consent in (UNKNOWN, DENIED, PENDING)
