"""What planning an order's follow-ups reads besides the order: the buyer's other review
requests and later orders, the order's stored mails, the shop's learned intervals. The
buyers' part is read once for the orders planned together (`read_buyers`; one order is a
group of one)."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.followups.mail_kinds import KINDS
from app.domain.followups.planner_input import OrderInput
from app.domain.followups.rules import LIVE_STATES, REVIEW_KINDS, History, product_key
from app.domain.shop.modules import module_enabled
from app.models import LearnedIntervals, MessageState, Order, OrderLine, ScheduledMessage


def stored_messages(session: Session, order: OrderInput) -> list[ScheduledMessage]:
    return list(session.scalars(select(ScheduledMessage).where(ScheduledMessage.order_id == order.id)))


def load_history(session: Session, order: OrderInput, stored: list[ScheduledMessage] | None = None,
                 buyers: BuyersRead | None = None) -> History:
    """The buyer's other mails and orders that planning for `order` depends on.

    `stored`: the order's own messages, `buyers`: what `read_buyers` read for the orders
    planned with this one; each read for this order alone when not given. `order`: a mapped
    row or a view (app/domain/followups/planner_input.py).
    """
    if stored is None:
        stored = stored_messages(session, order)
    own = [m for m in stored if m.kind in REVIEW_KINDS]
    request = next((m for m in own if m.kind == "review_request"), None)
    review_sent_at = request.sent_at if request is not None and request.state == MessageState.SENT else None
    reviewed = any(m.clicked_at is not None for m in own)
    if order.customer_id is None:
        return History(review_sent_at=review_sent_at, reviewed=reviewed)
    if buyers is None:
        buyers = read_buyers(session, [order])
    others = [(m.order_id, m.send_at, m.sent_at) for m in buyers.requests.get(order.customer_id, ())
              if m.order_id != order.id and m.state in LIVE_STATES]
    asked_at = {order_id: sent_at or send_at for order_id, send_at, sent_at in others}
    asked = tuple((product_key(line), asked_at[line.order_id]) for line in session.scalars(
        select(OrderLine).where(OrderLine.order_id.in_(asked_at)))) if asked_at else ()
    newer_products: set[str] = set()
    newer = False
    if order.placed_at is not None:
        for line in buyers.later.get(order.customer_id, ()):
            if line.order_id == order.id or line.placed_at <= order.placed_at:
                continue
            newer = True
            if line.id is not None:
                newer_products.add(product_key(line))
    return History(review_sent_at=review_sent_at, reviewed=reviewed, products_asked=asked,
                   newer_order=newer, newer_products=frozenset(newer_products),
                   learned_intervals=_learned_intervals(session, order))


def _later_lines_query():
    """The lines of a buyer's orders (an order without lines as one row with id None)."""
    return (select(Order.id.label("order_id"), Order.customer_id, Order.placed_at, OrderLine.id,
                   OrderLine.product_id,
                   OrderLine.variant_id, OrderLine.sku, OrderLine.title)
            .select_from(Order).outerjoin(OrderLine, OrderLine.order_id == Order.id)
            .where(Order.cancelled_at.is_(None)))


@dataclass
class BuyersRead:
    """What planning reads about the buyers of a batch of orders, read once for the batch:
    their review requests as rows (so a state changed or a request planned during the batch
    shows) and the lines of their orders placed after the batch's earliest order."""
    requests: dict[int, list[ScheduledMessage]]
    later: dict[int, list]


def read_buyers(session: Session, orders: Sequence[OrderInput]) -> BuyersRead:
    """Read after the batch's facts were flushed; good for planning these orders only."""
    customers = {order.customer_id for order in orders if order.customer_id is not None}
    read = BuyersRead({customer: [] for customer in customers}, {customer: [] for customer in customers})
    if not customers:
        return read
    for message in session.scalars(select(ScheduledMessage).where(
            ScheduledMessage.customer_id.in_(customers), ScheduledMessage.kind == "review_request")):
        if message.customer_id is not None:  # always: the query asked for these customers
            read.requests[message.customer_id].append(message)
    placed = [order.placed_at for order in orders if order.customer_id is not None
              and order.placed_at is not None]
    if placed:
        for row in session.execute(_later_lines_query().where(
                Order.customer_id.in_(customers), Order.placed_at > min(placed))):
            read.later[row.customer_id].append(row)
    return read


def _learned_intervals(session: Session, order: OrderInput) -> Mapping[str, int]:
    if not module_enabled(order.shop, KINDS["replenishment"].module):
        return {}
    learned = session.get(LearnedIntervals, order.shop_id)
    return learned.intervals if learned is not None else {}
