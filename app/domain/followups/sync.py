"""Keep orders' stored follow-up mails in step with their plans: add new plans, move changed
ones, cancel those no longer wanted. A new order also re-plans the buyer's earlier orders.

`sync_followups` is the one planner entry, for one order or a drain's batch of them alike.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.domain.followups.history import BuyersRead, load_history, read_buyers
from app.domain.followups.rules import Plan, on_request, plan_followups
from app.models import MessageState, Order, ScheduledMessage
from app.models.states import MessageReason

# Wraps the work done for one of the orders given (its own plan, or its buyer's earlier
# orders): the caller's way to tell whose an exception is.
PlanGuard = Callable[[Order], AbstractContextManager[object]]
# A new plan waiting for its row: the order it is for and the plan.
NewPlan = tuple[Order, Plan]


@contextmanager
def _unguarded(_order: Order) -> Iterator[None]:
    yield


def sync_followups(session: Session, orders: Sequence[Order], now: datetime,
                   kinds: tuple[str, ...] | None = None, each: PlanGuard = _unguarded) -> None:
    """Add new plans, move changed ones, cancel planned rows no longer wanted (only of `kinds`,
    when given), for each of these orders; a batch of one order is the one-order case.

    First each order's own mails, their stored rows and their buyers' history read once for
    all; then the buyers' earlier orders that wait with a win-back or replenishment mail
    (which a later order makes unwanted), each re-planned once, read once for all of them.
    `each(order)` wraps the work done because of `order`.
    """
    session.flush()  # new shipments and refunds need their ids: they are plan sequences
    _sync_group(session, [(order, order) for order in orders], now, kinds, each)
    by_id = {order.id: order for order in orders}
    earlier: dict[int, tuple[Order, Order]] = {}  # older order's id: (it, the order that made it due)
    for order_id, olders in earlier_orders_of(session, orders).items():
        for older in olders:
            earlier.setdefault(older.id, (older, by_id[order_id]))
    _sync_group(session, list(earlier.values()), now, kinds, each)


def _sync_group(session: Session, group: list[tuple[Order, Order]], now: datetime,
                kinds: tuple[str, ...] | None, each: PlanGuard) -> None:
    """Sync each (order, cause) of the group, their stored mails and history read at once."""
    if not group:
        return
    orders = [order for order, _cause in group]
    stored, buyers = stored_messages_of(session, orders), read_buyers(session, orders)
    new: list[NewPlan] = []
    for order, cause in group:
        with each(cause):
            sync_own(session, order, now, stored[order.id], buyers, kinds, new)
            session.flush()
    _insert_rows(session, new)


def stored_messages_of(session: Session, orders: list[Order]) -> dict[int, list[ScheduledMessage]]:
    """The stored mails of many orders in one query."""
    stored: dict[int, list[ScheduledMessage]] = {order.id: [] for order in orders}
    for message in session.scalars(select(ScheduledMessage)
                                   .where(ScheduledMessage.order_id.in_(list(stored)))):
        stored[message.order_id].append(message)
    return stored


def earlier_orders_of(session: Session, orders: Sequence[Order]) -> dict[int, list[Order]]:
    """For each order, the buyer's earlier orders that wait with a win-back or replenishment
    mail (which a later order makes unwanted), read in one query for all of them."""
    earlier: dict[int, list[Order]] = {order.id: [] for order in orders}
    buyers = {order.customer_id for order in orders if order.customer_id is not None
              and order.placed_at is not None}
    if not buyers:
        return earlier
    waiting: dict[int, dict[int, Order]] = {}
    for older, customer_id in session.execute(
            select(Order, ScheduledMessage.customer_id)
            .join(ScheduledMessage, ScheduledMessage.order_id == Order.id)
            .where(ScheduledMessage.customer_id.in_(buyers),
                   ScheduledMessage.kind.in_(("win_back", "replenishment")),
                   ScheduledMessage.state == MessageState.PLANNED)):
        if customer_id is not None:  # always: the query asked for these buyers
            waiting.setdefault(customer_id, {})[older.id] = older
    for order in orders:
        if order.customer_id is None or order.placed_at is None:
            continue
        earlier[order.id] = [older for older in waiting.get(order.customer_id, {}).values()
                             if older.id != order.id and older.placed_at is not None
                             and older.placed_at < order.placed_at]
    return earlier


def sync_own(session: Session, order: Order, now: datetime, stored: list[ScheduledMessage],
             buyers: BuyersRead,
             kinds: tuple[str, ...] | None = None, new: list[NewPlan] | None = None) -> None:
    """Diff the order's own plans against its stored mails (`stored`, `buyers`: read for the
    orders planned together, see `read_buyers`). New plans are inserted at once, or, given
    `new`, appended to it for the caller to insert with the group's (`_insert_rows`)."""
    history = load_history(session, order, stored, buyers)
    wanted = {plan.key: plan for plan in plan_followups(order, order.shop, now, history)
              if kinds is None or plan.kind in kinds}
    stored_by_key = {(m.kind, m.sequence): m for m in stored if kinds is None or m.kind in kinds}
    plans: list[NewPlan] = []
    for key, plan in wanted.items():
        row = stored_by_key.get(key)
        if row is None:
            plans.append((order, plan))
        elif row.state == MessageState.PLANNED and row.send_at != plan.send_at:
            if row.reason == MessageReason.DEFERRED and row.send_at > plan.send_at:
                continue  # caps or quiet hours moved it later: that deferral stands
            row.send_at = plan.send_at
    for key, row in stored_by_key.items():
        if key not in wanted and row.state == MessageState.PLANNED and not on_request(row.kind):
            row.state = MessageState.CANCELLED
            row.reason = MessageReason.NO_LONGER_PLANNED
    for _order, plan in plans:  # the next orders' history sees it (as a row of another worker's would)
        if plan.kind == "review_request" and order.customer_id is not None:
            buyers.requests.setdefault(order.customer_id, []).append(_row(order, plan))
    if new is None:
        _insert_rows(session, plans)
    else:
        new.extend(plans)


def _insert_rows(session: Session, plans: list[NewPlan]) -> None:
    """New plans in one savepoint (one INSERT for all of them); when another worker planned
    one of them a moment ago (the unique key), each again in its own, and that one skipped
    (a row rolled back with its savepoint is not added again: each try builds its own)."""
    if not plans:
        return
    try:
        with session.begin_nested():
            session.add_all([_row(order, plan) for order, plan in plans])
    except IntegrityError:
        for order, plan in plans:
            try:
                with session.begin_nested():
                    session.add(_row(order, plan))
            except IntegrityError:
                continue  # another worker planned the same mail a moment ago


def _row(order: Order, plan: Plan) -> ScheduledMessage:
    return ScheduledMessage(
        shop_id=order.shop_id, order_id=order.id, customer_id=order.customer_id,
        kind=plan.kind, sequence=plan.sequence, stream=plan.stream,
        send_at=plan.send_at, state=MessageState.PLANNED,
        stale_after_seconds=int(plan.stale_after.total_seconds()) if plan.stale_after else None,
    )
