"""Newsletter sign-up with double opt-in: "subscribe" asks, only the confirmation link decides.

The buyer's address is known from the order. Subscribing queues a confirmation mail (a
transactional kind: it asks and advertises nothing); marketing consent is stored when the
link in it is confirmed, with the time and the source. A request alone changes no consent,
so an earlier objection stays in force until the buyer confirms.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.domain.followups.mail_kinds import KINDS
from app.domain.followups.sync import sync_followups
from app.domain.privacy.suppressions import DOUBLE_OPT_IN, GRANTED, email_hash
from app.models import Customer, MessageState, Order, ScheduledMessage, Shop, Suppression

CONFIRM_KIND = "newsletter_confirm"
# One confirmation mail at a time; another only after this pause, at most a few per order.
RESEND_AFTER = timedelta(minutes=10)
MAX_REQUESTS = 3
ON_THE_WAY = (MessageState.PLANNED, MessageState.QUEUED, MessageState.SENDING)
# Orders whose plans a new consent may change (marketing kinds become possible).
REPLAN_WINDOW = timedelta(days=45)


def request_confirmation(session: Session, order: Order, now: datetime) -> tuple[str, int | None]:
    """("subscribed" | "sent" | "pending" | "no_address", the message to send now or None)."""
    customer = order.customer
    if customer is None or not customer.email or customer.suppressed_reason:
        return "no_address", None
    if customer.marketing_consent == GRANTED:
        return "subscribed", None
    asked = session.scalars(select(ScheduledMessage).where(
        ScheduledMessage.order_id == order.id, ScheduledMessage.kind == CONFIRM_KIND)
        .order_by(ScheduledMessage.sequence)).all()
    latest = asked[-1] if asked else None
    just_sent = latest is not None and latest.state == MessageState.SENT and latest.sent_at \
        and latest.sent_at > now - RESEND_AFTER
    if latest is not None and (latest.state in ON_THE_WAY or len(asked) >= MAX_REQUESTS or just_sent):
        return "pending", None
    try:
        with session.begin_nested():
            message = ScheduledMessage(
                shop_id=order.shop_id, order_id=order.id, customer_id=customer.id, kind=CONFIRM_KIND,
                sequence=len(asked), stream=KINDS[CONFIRM_KIND].stream, send_at=now,
                state=MessageState.QUEUED,
                queued_at=now, stale_after_seconds=_stale_after_seconds())
            session.add(message)
    except IntegrityError:  # the same click twice at once: the other one sends it
        return "pending", None
    return "sent", message.id


def _stale_after_seconds() -> int | None:
    stale = KINDS[CONFIRM_KIND].stale_after
    return None if stale is None else int(stale.total_seconds())


def confirm_subscription(session: Session, shop: Shop, customer: Customer, now: datetime) -> bool:
    """Store the confirmed consent; False when it was already confirmed this way."""
    if customer.marketing_consent == GRANTED and customer.consent_source == DOUBLE_OPT_IN:
        return False
    customer.marketing_consent, customer.consent_source, customer.consent_at = GRANTED, DOUBLE_OPT_IN, now
    # The buyer's own confirmed request outranks their earlier unsubscribe (the link's check
    # made sure the customer has an address).
    if customer.email:
        session.execute(delete(Suppression).where(
            Suppression.shop_id == shop.id, Suppression.email_hash == email_hash(customer.email),
            Suppression.reason == "unsubscribed"))
    sync_followups(session, session.scalars(select(Order).where(
        Order.customer_id == customer.id, Order.created_at >= now - REPLAN_WINDOW)).all(), now)
    return True
