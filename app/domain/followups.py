"""The timing brain: which follow-up mails an order should get, and when.

`plan_followups` is pure (reads the order, returns plans); `sync_followups` diffs the
plans against stored rows, and the send job asks `plan_followups` again just before
sending, so every guard lives here once.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, object_session

from app.domain.mail_kinds import KINDS, MARKETING, TRANSACTIONAL
from app.domain.modules import module_enabled
from app.domain.statuses import derive_order_status
from app.domain.suppressions import marketing_permitted, suppression_reason
from app.models import Order, ScheduledMessage, Shop
from connectors.base import ShipmentStatus as S

__all__ = ["MARKETING", "TRANSACTIONAL", "Plan", "plan_followups", "send_time_verdict", "sync_followups"]
# An order in one of these states gets no marketing mail about it.
UNHAPPY_ORDER_STATES = ("cancelled", "refunded", "returned")


@dataclass(frozen=True)
class Plan:
    kind: str
    sequence: int
    stream: str
    send_at: datetime
    stale_after: timedelta | None = None

    @property
    def key(self) -> tuple[str, int]:
        return (self.kind, self.sequence)


def _shipped_notices(order: Order, shop: Shop, now: datetime) -> list[Plan]:
    """One notice per parcel once it has a tracking number and is on its way."""
    kind = KINDS["shipped"]
    if not module_enabled(shop, kind.module):
        return []
    plans = []
    for shipment in order.shipments:
        if not shipment.tracking_number or shipment.status in (S.PENDING, S.CANCELLED, S.DELIVERED):
            continue
        plans.append(Plan(
            kind=kind.key, sequence=shipment.id, stream=kind.stream,
            send_at=(shipment.shipped_at or now) + kind.delay,
            # News of a dispatch three days old is no news: skip rather than confuse.
            stale_after=timedelta(days=3),
        ))
    return plans


def _review_request(order: Order, shop: Shop, now: datetime) -> list[Plan]:
    """One prompt, the same for every buyer, once everything arrived and could be tried."""
    kind = KINDS["review_request"]
    if not module_enabled(shop, kind.module) or not marketing_permitted(order.customer, shop):
        return []
    if derive_order_status(order).value != "delivered" or order.refunded_at is not None:
        return []
    delivered = [s.delivered_at for s in order.shipments if s.status == S.DELIVERED and s.delivered_at]
    if not delivered:
        return []
    international = bool(order.shipping_country) and order.shipping_country.upper() != (shop.country or "DE").upper()
    return [Plan(kind=kind.key, sequence=0, stream=kind.stream,
                 send_at=max(delivered) + kind.delay_for(international))]


RULES = (_shipped_notices, _review_request)


def plan_followups(order: Order, shop: Shop, now: datetime) -> list[Plan]:
    """Every mail this order should get, given what we know now."""
    if not shop.active or order.cancelled_at is not None or order.customer is None:
        return []
    if order.customer.suppressed_reason:
        return []
    return [plan for rule in RULES for plan in rule(order, shop, now)]


def sync_followups(session: Session, order: Order, shop: Shop, now: datetime) -> None:
    """Add new plans, move changed ones, cancel planned rows that are no longer wanted."""
    session.flush()  # new shipments need their ids: they are plan sequences
    wanted = {plan.key: plan for plan in plan_followups(order, shop, now)}
    stored = {
        (m.kind, m.sequence): m
        for m in session.scalars(select(ScheduledMessage).where(ScheduledMessage.order_id == order.id))
    }
    for key, plan in wanted.items():
        row = stored.get(key)
        if row is None:
            _insert_plan(session, order, plan)
        elif row.state == "planned" and row.send_at != plan.send_at:
            row.send_at = plan.send_at
    for key, row in stored.items():
        if key not in wanted and row.state == "planned":
            row.state = "cancelled"
            row.reason = "no longer planned"


def _insert_plan(session: Session, order: Order, plan: Plan) -> None:
    try:
        with session.begin_nested():
            session.add(ScheduledMessage(
                shop_id=order.shop_id, order_id=order.id, customer_id=order.customer_id,
                kind=plan.kind, sequence=plan.sequence, stream=plan.stream,
                send_at=plan.send_at, state="planned",
                stale_after_seconds=int(plan.stale_after.total_seconds()) if plan.stale_after else None,
            ))
    except IntegrityError:
        pass  # another worker planned the same mail a moment ago


def send_time_verdict(message: ScheduledMessage, shop: Shop, now: datetime) -> str | None:
    """Re-check a due mail just before it goes out; return a skip reason or None."""
    order = message.order
    if not shop.active:
        return "shop uninstalled"
    if message.customer is None or not message.customer.email:
        return "no recipient"
    if message.customer.suppressed_reason:
        return f"suppressed: {message.customer.suppressed_reason}"
    if message.stream == MARKETING:
        status = derive_order_status(order).value
        if status in UNHAPPY_ORDER_STATES:
            return f"order {status}"
        if not marketing_permitted(message.customer, shop):
            return "no marketing consent"
        listed = suppression_reason(object_session(message), shop.id, message.customer.email)
        if listed:
            return f"suppressed: {listed}"
    if (message.kind, message.sequence) not in {p.key for p in plan_followups(order, shop, now)}:
        return "no longer planned"
    if message.stale_after_seconds is not None:
        if now - message.send_at > timedelta(seconds=message.stale_after_seconds):
            return "stale: its moment has passed"
    return None
