"""The timing brain: which follow-up mails an order should get, and when.

`plan_followups` is pure (reads the order and a `History` of the buyer's earlier mails and
orders, returns plans); `sync_followups` loads that history, diffs the plans against stored
rows (add, move, cancel), and the send job asks `plan_followups` again just before sending,
so every guard lives here once.

Anchors (app/domain/anchors.py): parcel notices count from their own tracking events;
after-arrival kinds from the delivery time, else shipped time + expected transit, else the
order time + processing + transit; win-back from the buyer's latest order. Nothing that
needs arrival (and no voucher) is planned before the goods arrived.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, object_session

from app.domain.anchors import after, arrival, destination, status_since
from app.domain.mail_kinds import KINDS, MARKETING, TRANSACTIONAL, MailKind
from app.domain.modules import module_enabled, module_settings
from app.domain.stalls import stalled_at
from app.domain.statuses import derive_order_status
from app.domain.suppressions import ALL_MAIL_REASONS, marketing_permitted, suppression_reason
from app.models import LearnedIntervals, Order, OrderLine, ScheduledMessage, Shop
from connectors.base import ShipmentStatus as S

__all__ = ["MARKETING", "TRANSACTIONAL", "History", "Plan", "load_history", "plan_followups",
           "send_time_verdict", "sync_followups"]
# An order in one of these states gets no marketing mail about it.
UNHAPPY_ORDER_STATES = ("cancelled", "refunded", "returned")
LIVE_STATES = ("planned", "queued", "sending", "sent")
REVIEW_KINDS = ("review_request", "review_reminder")
# The same product is asked for a review at most once in this span per buyer.
REVIEW_PRODUCT_SPAN = timedelta(days=365)
TROUBLE_STATES = (S.EXCEPTION, S.ATTEMPT_FAILED, S.DELAYED)


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


@dataclass(frozen=True)
class History:
    """What planning needs beyond the order: the buyer's other mails and orders."""
    review_sent_at: datetime | None = None  # this order's review request went out then
    reviewed: bool = False  # the buyer followed this order's review link
    # (product key, when asked) from review requests of the buyer's other orders.
    products_asked: tuple[tuple[str, datetime], ...] = ()
    newer_order: bool = False  # the buyer ordered again after this order
    newer_products: frozenset[str] = field(default_factory=frozenset)
    # {product key: days} the shop's repeat purchases taught (app/domain/repeat_purchases.py).
    learned_intervals: Mapping[str, int] = field(default_factory=dict)


def product_key(line: OrderLine) -> str:
    return str(line.product_id or line.variant_id or line.sku or line.title)


def _plan(kind: MailKind, sequence: int, send_at: datetime) -> Plan:
    return Plan(kind=kind.key, sequence=sequence, stream=kind.stream, send_at=send_at,
                stale_after=kind.stale_after)


def _delay(shop: Shop, kind: MailKind, international: bool = False) -> timedelta:
    return kind.configured_delay(module_settings(shop, kind.module), international)


def _after(order: Order, shop: Shop, kind: MailKind, anchor: datetime, international: bool = False) -> datetime:
    return after(anchor, _delay(shop, kind, international), kind.business_days,
                 destination(order, shop), shop.timezone)


def _international(order: Order, shop: Shop) -> bool:
    return bool(order.shipping_country) and order.shipping_country.upper() != (shop.country or "DE").upper()


# ---- transactional: one notice per parcel or refund event ----------------------------


def _parcel_notices(key: str, states: tuple[str, ...], anchor: Callable) -> Callable:
    def rule(order: Order, shop: Shop, now: datetime, history: History) -> list[Plan]:
        kind = KINDS[key]
        if not module_enabled(shop, kind.module):
            return []
        return [_plan(kind, parcel.id, anchor(parcel, now) or now)
                for parcel in order.shipments if parcel.tracking_number and parcel.status in states]
    rule.__name__ = f"_{key}_notices"
    return rule


_shipped_notices = _parcel_notices(
    "shipped", (S.INFO_RECEIVED, S.IN_TRANSIT, S.OUT_FOR_DELIVERY, S.AVAILABLE_FOR_PICKUP, S.ATTEMPT_FAILED,
                S.DELAYED, S.EXCEPTION, S.UNKNOWN),
    lambda parcel, now: parcel.shipped_at)
_out_for_delivery_notices = _parcel_notices(
    "out_for_delivery", (S.OUT_FOR_DELIVERY,), lambda parcel, now: status_since(parcel, S.OUT_FOR_DELIVERY))
_ready_for_pickup_notices = _parcel_notices(
    "ready_for_pickup", (S.AVAILABLE_FOR_PICKUP,), lambda parcel, now: status_since(parcel, S.AVAILABLE_FOR_PICKUP))
_delivered_notices = _parcel_notices(
    "delivered", (S.DELIVERED,), lambda parcel, now: parcel.delivered_at or status_since(parcel, S.DELIVERED))


def _delay_notices(order: Order, shop: Shop, now: datetime, history: History) -> list[Plan]:
    """A parcel in trouble (exception, failed attempt, carrier delay) at once; a stalled one
    (no tracking event for `delay` business days) when the stall is reached. Once per parcel."""
    kind = KINDS["delayed"]
    if not module_enabled(shop, kind.module):
        return []
    plans = []
    for parcel in order.shipments:
        if not parcel.tracking_number:
            continue
        if parcel.status in TROUBLE_STATES:
            plans.append(_plan(kind, parcel.id, status_since(parcel, parcel.status) or now))
        elif (reached := stalled_at(order, shop, parcel)) is not None:
            plans.append(_plan(kind, parcel.id, reached))
    return plans


def _refund_notices(order: Order, shop: Shop, now: datetime, history: History) -> list[Plan]:
    """A returned refund: "your return arrived" (it names the refund); money only: "refund issued"."""
    plans = []
    for refund in order.refunds:
        kind = KINDS["return_received" if refund.returned else "refund_issued"]
        if refund.id is None or not module_enabled(shop, kind.module):
            continue
        if not refund.returned and refund.amount is not None and refund.amount <= 0:
            continue  # nothing went back to the buyer
        plans.append(_plan(kind, refund.id, refund.created_at))
    return plans


# ---- marketing: consent, a happy order, and arrival before anything else -------------


def _marketing_allowed(order: Order, shop: Shop, kind: MailKind) -> bool:
    if not module_enabled(shop, kind.module) or not marketing_permitted(order.customer, shop):
        return False
    if order.refunded_at is not None or any(r.returned for r in order.refunds):
        return False
    return derive_order_status(order).value not in UNHAPPY_ORDER_STATES


def _after_arrival(key: str, condition: Callable[[Order, Shop], bool] | None = None) -> Callable:
    """One mail a delay after the goods arrived (never before: no discount before arrival)."""
    def rule(order: Order, shop: Shop, now: datetime, history: History) -> list[Plan]:
        kind = KINDS[key]
        if not _marketing_allowed(order, shop, kind) or (condition and not condition(order, shop)):
            return []
        arrived = arrival(order, shop)
        return [_plan(kind, 0, _after(order, shop, kind, arrived[0]))] if arrived else []
    rule.__name__ = f"_{key}"
    return rule


def _has_how_to_content(order: Order, shop: Shop) -> bool:
    content = module_settings(shop, "mail_how_to").get("content")
    return bool(content and (any(str(v).strip() for v in content.values()) if isinstance(content, dict)
                             else str(content).strip()))


_thank_you = _after_arrival("thank_you")
_how_to = _after_arrival("how_to", _has_how_to_content)
_nps = _after_arrival("nps")  # the merchant's survey page, else ours
_anniversary = _after_arrival("anniversary")
_referral = _after_arrival("referral")


def _review_request(order: Order, shop: Shop, now: datetime, history: History) -> list[Plan]:
    """One prompt, the same for every buyer, once everything arrived and could be tried;
    not when every product of the order was asked about within 12 months."""
    kind = KINDS["review_request"]
    if not _marketing_allowed(order, shop, kind):
        return []
    arrived = arrival(order, shop)
    if arrived is None:
        return []
    send_at = _after(order, shop, kind, arrived[0], _international(order, shop))
    products = {product_key(line) for line in order.lines}
    asked = {key for key, at in history.products_asked if abs(at - send_at) < REVIEW_PRODUCT_SPAN}
    if products and products <= asked:
        return []
    return [_plan(kind, 0, send_at)]


def _review_reminder(order: Order, shop: Shop, now: datetime, history: History) -> list[Plan]:
    """At most one reminder, only when the request went out and its link was not followed."""
    kind = KINDS["review_reminder"]
    if history.review_sent_at is None or history.reviewed or not _marketing_allowed(order, shop, kind):
        return []
    return [_plan(kind, 0, _after(order, shop, kind, history.review_sent_at))]


def _replenishment(order: Order, shop: Shop, now: datetime, history: History) -> list[Plan]:
    """Per product with an interval: interval days after arrival, unless the buyer ordered
    that product again since. The merchant's interval first, else the one learned from the
    shop's repeat purchases, else none."""
    kind = KINDS["replenishment"]
    intervals = module_settings(shop, kind.module).get("intervals") or {}
    if not (intervals or history.learned_intervals) or not _marketing_allowed(order, shop, kind):
        return []
    arrived = arrival(order, shop)
    if arrived is None:
        return []
    plans = []
    for line in order.lines:
        days = replenishment_interval(line, intervals, history.learned_intervals)
        if days is None or product_key(line) in history.newer_products:
            continue
        plans.append(_plan(kind, line.id, arrived[0] + timedelta(days=int(days))))
    return plans


def replenishment_interval(line: OrderLine, merchant: Mapping, learned: Mapping[str, int]) -> int | None:
    """The merchant's interval (by product id, variant id or SKU), else the learned one."""
    own = next((merchant[k] for k in (line.product_id, line.variant_id, line.sku) if k and k in merchant), None)
    return own if own is not None else learned.get(product_key(line))


def _win_back(order: Order, shop: Shop, now: datetime, history: History) -> list[Plan]:
    """No order for N days: counted from the buyer's latest order, gone once they order again.
    Its voucher is a discount: it too waits until the goods arrived."""
    kind = KINDS["win_back"]
    if history.newer_order or order.placed_at is None or not _marketing_allowed(order, shop, kind):
        return []
    if arrival(order, shop) is None:
        return []
    return [_plan(kind, 0, _after(order, shop, kind, order.placed_at))]


RULES = (_shipped_notices, _out_for_delivery_notices, _ready_for_pickup_notices, _delivered_notices,
         _delay_notices, _refund_notices, _review_request, _review_reminder, _thank_you, _how_to, _nps,
         _replenishment, _anniversary, _win_back, _referral)
# A cancelled order still hears about its money.
CANCELLED_RULES = (_refund_notices,)


def plan_followups(order: Order, shop: Shop, now: datetime, history: History | None = None) -> list[Plan]:
    """Every mail this order should get, given what we know now."""
    if not shop.active or order.customer is None or order.customer.suppressed_reason:
        return []
    history = history or History()
    rules = CANCELLED_RULES if order.cancelled_at is not None else RULES
    return [plan for rule in rules for plan in rule(order, shop, now, history)]


# ---- the database side: history, diffing, the send-time re-check ---------------------


def load_history(session: Session, order: Order, stored: list[ScheduledMessage] | None = None,
                 buyers: BuyersRead | None = None) -> History:
    """The buyer's other mails and orders that planning for `order` depends on.

    `stored`: the order's own messages when the caller loaded them already; `buyers`: what
    `read_buyers` read for a batch of orders this one belongs to.
    """
    if stored is None:
        stored = _stored_messages(session, order)
    own = [m for m in stored if m.kind in REVIEW_KINDS]
    request = next((m for m in own if m.kind == "review_request"), None)
    review_sent_at = request.sent_at if request is not None and request.state == "sent" else None
    reviewed = any(m.clicked_at is not None for m in own)
    if order.customer_id is None:
        return History(review_sent_at=review_sent_at, reviewed=reviewed)
    if buyers is None:
        others = session.execute(select(ScheduledMessage.order_id, ScheduledMessage.send_at, ScheduledMessage.sent_at)
                                 .where(ScheduledMessage.customer_id == order.customer_id,
                                        ScheduledMessage.kind == "review_request",
                                        ScheduledMessage.order_id != order.id,
                                        ScheduledMessage.state.in_(LIVE_STATES))).all()
    else:
        others = [(m.order_id, m.send_at, m.sent_at) for m in buyers.requests.get(order.customer_id, ())
                  if m.order_id != order.id and m.state in LIVE_STATES]
    asked_at = {order_id: sent_at or send_at for order_id, send_at, sent_at in others}
    asked = tuple((product_key(line), asked_at[line.order_id]) for line in session.scalars(
        select(OrderLine).where(OrderLine.order_id.in_(asked_at)))) if asked_at else ()
    newer_products: set[str] = set()
    newer = False
    if order.placed_at is not None:
        for line in _later_lines(session, order, buyers):
            newer = True
            if line.id is not None:
                newer_products.add(product_key(line))
    return History(review_sent_at=review_sent_at, reviewed=reviewed, products_asked=asked,
                   newer_order=newer, newer_products=frozenset(newer_products),
                   learned_intervals=_learned_intervals(session, order))


def _later_lines_query():
    """The lines of a buyer's orders (an order without lines as one row with id None)."""
    return (select(Order.id.label("order_id"), Order.customer_id, Order.placed_at, OrderLine.id, OrderLine.product_id,
                   OrderLine.variant_id, OrderLine.sku, OrderLine.title)
            .select_from(Order).outerjoin(OrderLine, OrderLine.order_id == Order.id)
            .where(Order.cancelled_at.is_(None)))


def _later_lines(session: Session, order: Order, buyers: BuyersRead | None) -> list:
    """The lines of the buyer's orders placed after this one (not cancelled)."""
    if buyers is None:
        return session.execute(_later_lines_query().where(
            Order.customer_id == order.customer_id, Order.id != order.id, Order.placed_at > order.placed_at)).all()
    return [row for row in buyers.later.get(order.customer_id, ())
            if row.order_id != order.id and row.placed_at > order.placed_at]


@dataclass
class BuyersRead:
    """What planning reads about the buyers of a batch of orders, read once for the batch:
    their review requests as rows (so a state changed or a request planned during the batch
    shows) and the lines of their orders placed after the batch's earliest order."""
    requests: dict[int, list[ScheduledMessage]]
    later: dict[int, list]


def read_buyers(session: Session, orders: list[Order]) -> BuyersRead:
    """Read after the batch's facts were flushed; good for planning these orders only."""
    customers = {order.customer_id for order in orders if order.customer_id is not None}
    read = BuyersRead({customer: [] for customer in customers}, {customer: [] for customer in customers})
    if not customers:
        return read
    for message in session.scalars(select(ScheduledMessage).where(
            ScheduledMessage.customer_id.in_(customers), ScheduledMessage.kind == "review_request")):
        read.requests[message.customer_id].append(message)
    placed = [order.placed_at for order in orders if order.customer_id is not None and order.placed_at is not None]
    if placed:
        for row in session.execute(_later_lines_query().where(
                Order.customer_id.in_(customers), Order.placed_at > min(placed))):
            read.later[row.customer_id].append(row)
    return read


def _learned_intervals(session: Session, order: Order) -> Mapping[str, int]:
    if not module_enabled(order.shop, KINDS["replenishment"].module):
        return {}
    learned = session.get(LearnedIntervals, order.shop_id)
    return learned.intervals if learned is not None else {}


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
                   ScheduledMessage.state == "planned")):
        waiting.setdefault(customer_id, {})[older.id] = older
    for order in orders:
        if order.customer_id is None or order.placed_at is None:
            continue
        earlier[order.id] = [older for older in waiting.get(order.customer_id, {}).values()
                             if older.id != order.id and older.placed_at is not None
                             and older.placed_at < order.placed_at]
    return earlier


def _stored_messages(session: Session, order: Order) -> list[ScheduledMessage]:
    return list(session.scalars(select(ScheduledMessage).where(ScheduledMessage.order_id == order.id)))


def sync_own(session: Session, order: Order, shop: Shop, now: datetime,
             stored: list[ScheduledMessage] | None = None, kinds: tuple[str, ...] | None = None,
             buyers: BuyersRead | None = None) -> None:
    """Diff the order's own plans against its stored mails (`stored`, `buyers`: when read
    already, see `load_history`)."""
    rows = _stored_messages(session, order) if stored is None else stored
    history = load_history(session, order, rows, buyers)
    wanted = {plan.key: plan for plan in plan_followups(order, shop, now, history)
              if kinds is None or plan.kind in kinds}
    stored_by_key = {(m.kind, m.sequence): m for m in rows if kinds is None or m.kind in kinds}
    for key, plan in wanted.items():
        row = stored_by_key.get(key)
        if row is None:
            _insert_plan(session, order, plan, buyers)
        elif row.state == "planned" and row.send_at != plan.send_at:
            if (row.reason or "").startswith("deferred") and row.send_at > plan.send_at:
                continue  # caps or quiet hours moved it later: that deferral stands
            row.send_at = plan.send_at
    for key, row in stored_by_key.items():
        if key not in wanted and row.state == "planned" and not _on_request(row.kind):
            row.state = "cancelled"
            row.reason = "no longer planned"


def _insert_plan(session: Session, order: Order, plan: Plan, buyers: BuyersRead | None = None) -> None:
    row = ScheduledMessage(
        shop_id=order.shop_id, order_id=order.id, customer_id=order.customer_id,
        kind=plan.kind, sequence=plan.sequence, stream=plan.stream,
        send_at=plan.send_at, state="planned",
        stale_after_seconds=int(plan.stale_after.total_seconds()) if plan.stale_after else None,
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return  # another worker planned the same mail a moment ago
    if buyers is not None and plan.kind == "review_request" and order.customer_id is not None:
        buyers.requests.setdefault(order.customer_id, []).append(row)


def _on_request(kind_key: str) -> bool:
    kind = KINDS.get(kind_key)
    return kind is not None and kind.on_request


def send_time_verdict(message: ScheduledMessage, shop: Shop, now: datetime) -> str | None:
    """Re-check a due mail just before it goes out; return a skip reason or None."""
    order = message.order
    session = object_session(message)
    if not shop.active:
        return "shop uninstalled"
    if message.customer is None or not message.customer.email:
        return "no recipient"
    if message.customer.suppressed_reason:
        return f"suppressed: {message.customer.suppressed_reason}"
    listed = suppression_reason(session, shop.id, message.customer.email)
    if listed in ALL_MAIL_REASONS:
        return f"suppressed: {listed}"
    if message.stream == MARKETING:
        status = derive_order_status(order).value
        if status in UNHAPPY_ORDER_STATES:
            return f"order {status}"
        if not marketing_permitted(message.customer, shop):
            return "no marketing consent"
        if listed:
            return f"suppressed: {listed}"
    if _on_request(message.kind):
        if not module_enabled(shop, KINDS[message.kind].module):
            return f"{KINDS[message.kind].module} switched off"
    elif (message.kind, message.sequence) not in {
            p.key for p in plan_followups(order, shop, now, load_history(session, order))}:
        return "no longer planned"
    if message.stale_after_seconds is not None:
        if now - message.send_at > timedelta(seconds=message.stale_after_seconds):
            return "stale: its moment has passed"
    return None
