"""Keep an order's stored follow-up mails in step with its plan: add new plans, move changed
ones, cancel those no longer wanted. A new order also re-plans the buyer's earlier orders."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.domain.followups.history import BuyersRead, load_history, stored_messages
from app.domain.followups.rules import Plan, on_request, plan_followups
from app.models import MessageState, Order, ScheduledMessage, Shop
from app.models.states import MessageReason


def sync_followups(session: Session, order: Order, shop: Shop, now: datetime,
                   kinds: tuple[str, ...] | None = None) -> None:
    """Add new plans, move changed ones, cancel planned rows that are no longer wanted
    (only of `kinds`, when given).

    A new order also re-plans the buyer's earlier orders: their win-back (and replenishment
    of what was bought again) is no longer wanted.
    """
    session.flush()  # new shipments and refunds need their ids: they are plan sequences
    sync_own(session, order, shop, now, kinds=kinds)
    replan_earlier(session, order, shop, now, kinds)


def stored_messages_of(session: Session, orders: list[Order]) -> dict[int, list[ScheduledMessage]]:
    """The stored mails of many orders in one query (a drain's batch re-plans them together:
    first each order's own with `sync_own`, then `replan_earlier` for each)."""
    stored: dict[int, list[ScheduledMessage]] = {order.id: [] for order in orders}
    for message in session.scalars(select(ScheduledMessage).where(ScheduledMessage.order_id.in_(list(stored)))):
        stored[message.order_id].append(message)
    return stored


def replan_earlier(session: Session, order: Order, shop: Shop, now: datetime,
                   kinds: tuple[str, ...] | None = None) -> None:
    """Re-plan the buyer's earlier orders that wait with a win-back or replenishment mail."""
    if order.customer_id is None or order.placed_at is None:
        return
    for older in earlier_orders_of(session, [order])[order.id]:
        sync_own(session, older, shop, now, kinds=kinds)


def earlier_orders_of(session: Session, orders: list[Order]) -> dict[int, list[Order]]:
    """For each order, the buyer's earlier orders that wait with a win-back or replenishment
    mail (which a later order makes unwanted), read in one query for all of them."""
    earlier: dict[int, list[Order]] = {order.id: [] for order in orders}
    buyers = {order.customer_id for order in orders if order.customer_id is not None and order.placed_at is not None}
    if not buyers:
        return earlier
    waiting: dict[int, dict[int, Order]] = {}
    for older, customer_id in session.execute(
            select(Order, ScheduledMessage.customer_id).join(ScheduledMessage, ScheduledMessage.order_id == Order.id)
            .where(ScheduledMessage.customer_id.in_(buyers), ScheduledMessage.kind.in_(("win_back", "replenishment")),
                   ScheduledMessage.state == MessageState.PLANNED)):
        waiting.setdefault(customer_id, {})[older.id] = older
    for order in orders:
        if order.customer_id is None or order.placed_at is None:
            continue
        earlier[order.id] = [older for older in waiting.get(order.customer_id, {}).values()
                             if older.id != order.id and older.placed_at is not None
                             and older.placed_at < order.placed_at]
    return earlier


def sync_own(session: Session, order: Order, shop: Shop, now: datetime,
             stored: list[ScheduledMessage] | None = None, kinds: tuple[str, ...] | None = None,
             buyers: BuyersRead | None = None) -> None:
    """Diff the order's own plans against its stored mails (`stored`, `buyers`: when read
    already, see `load_history`)."""
    rows = stored_messages(session, order) if stored is None else stored
    history = load_history(session, order, rows, buyers)
    wanted = {plan.key: plan for plan in plan_followups(order, shop, now, history)
              if kinds is None or plan.kind in kinds}
    stored_by_key = {(m.kind, m.sequence): m for m in rows if kinds is None or m.kind in kinds}
    for key, plan in wanted.items():
        row = stored_by_key.get(key)
        if row is None:
            _insert_plan(session, order, plan, buyers)
        elif row.state == MessageState.PLANNED and row.send_at != plan.send_at:
            if row.reason == MessageReason.DEFERRED and row.send_at > plan.send_at:
                continue  # caps or quiet hours moved it later: that deferral stands
            row.send_at = plan.send_at
    for key, row in stored_by_key.items():
        if key not in wanted and row.state == MessageState.PLANNED and not on_request(row.kind):
            row.state = MessageState.CANCELLED
            row.reason = MessageReason.NO_LONGER_PLANNED


def _insert_plan(session: Session, order: Order, plan: Plan, buyers: BuyersRead | None = None) -> None:
    row = ScheduledMessage(
        shop_id=order.shop_id, order_id=order.id, customer_id=order.customer_id,
        kind=plan.kind, sequence=plan.sequence, stream=plan.stream,
        send_at=plan.send_at, state=MessageState.PLANNED,
        stale_after_seconds=int(plan.stale_after.total_seconds()) if plan.stale_after else None,
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return  # another worker planned the same mail a moment ago
    if buyers is not None and plan.kind == "review_request" and order.customer_id is not None:
        buyers.requests.setdefault(order.customer_id, []).append(row)
