"""The timing brain: which follow-up mails an order should get, and when.

`plan_followups` is pure (reads the order and a `History` of the buyer's earlier mails and
orders, returns plans), and every guard lives here once. Around it: the history it reads
(app/domain/followups/history.py), `sync_followups`, which diffs the plans against stored
rows: add, move, cancel (app/domain/followups/sync.py), and the send job's re-check, which
asks `plan_followups` again just before sending (app/domain/followups/send_checks.py).
It reads an order and its shop as the ingest path's mapped rows or as read-model views alike:
what it reads of them is app/domain/followups/planner_input.py.

Anchors (app/domain/arrival/anchors.py): parcel notices count from their own tracking events;
after-arrival kinds from the delivery time, else shipped time + expected transit, else the
order time + processing + transit; win-back from the buyer's latest order. Nothing that
needs arrival (and no voucher) is planned before the goods arrived.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from app.domain.arrival.anchors import after, arrival, destination, dispatch_overdue_at, status_since
from app.domain.arrival.stalls import stalled_at
from app.domain.followups.mail_kinds import KINDS, MARKETING, TRANSACTIONAL, MailKind
from app.domain.followups.planner_input import LineInput, LineProduct, OrderInput, ParcelInput, ShopInput
from app.domain.orders.statuses import derive_order_status
from app.domain.privacy.suppressions import marketing_permitted
from app.domain.shop.modules import module_enabled, module_settings
from app.models import MessageState
from connectors.base import ShipmentStatus as S

__all__ = ["MARKETING", "TRANSACTIONAL", "History", "Plan", "on_request", "plan_followups"]
# An order in one of these states gets no marketing mail about it.
UNHAPPY_ORDER_STATES = ("cancelled", "refunded", "returned")
LIVE_STATES = (MessageState.PLANNED, MessageState.QUEUED, MessageState.SENDING, MessageState.SENT)
REVIEW_KINDS = ("review_request", "review_reminder")
# The kinds whose rules read the History; every other kind is planned from the order alone
# (the send-time re-check reads no history for them).
HISTORY_KINDS = (*REVIEW_KINDS, "replenishment", "win_back")
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
    # {product key: days} the shop's repeat purchases taught (app/domain/orders/repeat_purchases.py).
    learned_intervals: Mapping[str, int] = field(default_factory=dict)


# One rule of the table: the plans of one concern for an order.
Rule = Callable[[OrderInput, ShopInput, datetime, History], list[Plan]]


def product_key(line: LineProduct) -> str:
    return str(line.product_id or line.variant_id or line.sku or line.title)


def _plan(kind: MailKind, sequence: int, send_at: datetime) -> Plan:
    return Plan(kind=kind.key, sequence=sequence, stream=kind.stream, send_at=send_at,
                stale_after=kind.stale_after)


def _delay(shop: ShopInput, kind: MailKind, international: bool = False) -> timedelta:
    return kind.configured_delay(module_settings(shop, kind.module), international)


def _after(order: OrderInput, shop: ShopInput, kind: MailKind, anchor: datetime,
           international: bool = False) -> datetime:
    return after(anchor, _delay(shop, kind, international), kind.business_days,
                 destination(order, shop), shop.timezone)


def _international(order: OrderInput, shop: ShopInput) -> bool:
    return bool(order.shipping_country and order.shipping_country.upper() != (shop.country or "DE").upper())


# ---- transactional: one notice per parcel or refund event ----------------------------


def _parcel_notices(key: str, states: tuple[str, ...],
                    anchor: Callable[[ParcelInput, datetime], datetime | None]) -> Rule:
    def rule(order: OrderInput, shop: ShopInput, now: datetime, history: History) -> list[Plan]:
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
    "ready_for_pickup", (S.AVAILABLE_FOR_PICKUP,), lambda parcel,
    now: status_since(parcel, S.AVAILABLE_FOR_PICKUP))
_delivered_notices = _parcel_notices(
    "delivered", (S.DELIVERED,), lambda parcel, now: parcel.delivered_at or status_since(parcel, S.DELIVERED))


def _delay_notices(order: OrderInput, shop: ShopInput, now: datetime, history: History) -> list[Plan]:
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


def _not_shipped_notice(order: OrderInput, shop: ShopInput, now: datetime, history: History) -> list[Plan]:
    """A paid order still in the warehouse after the merchant's business days: told once, honestly."""
    kind = KINDS["not_shipped"]
    if not module_enabled(shop, kind.module):
        return []
    overdue = dispatch_overdue_at(order, shop)
    return [_plan(kind, 0, overdue)] if overdue is not None else []


def _refund_notices(order: OrderInput, shop: ShopInput, now: datetime, history: History) -> list[Plan]:
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


def _marketing_allowed(order: OrderInput, shop: ShopInput, kind: MailKind) -> bool:
    if not module_enabled(shop, kind.module) or not marketing_permitted(order.customer, shop):
        return False
    if order.refunded_at is not None or any(r.returned for r in order.refunds):
        return False
    return derive_order_status(order).value not in UNHAPPY_ORDER_STATES


def _after_arrival(key: str, condition: Callable[[OrderInput, ShopInput], bool] | None = None) -> Rule:
    """One mail a delay after the goods arrived (never before: no discount before arrival)."""
    def rule(order: OrderInput, shop: ShopInput, now: datetime, history: History) -> list[Plan]:
        kind = KINDS[key]
        if not _marketing_allowed(order, shop, kind) or (condition and not condition(order, shop)):
            return []
        arrived = arrival(order, shop)
        return [_plan(kind, 0, _after(order, shop, kind, arrived[0]))] if arrived else []
    rule.__name__ = f"_{key}"
    return rule


def _has_how_to_content(order: OrderInput, shop: ShopInput) -> bool:
    content = module_settings(shop, "mail_how_to").get("content")
    return bool(content and (any(str(v).strip() for v in content.values()) if isinstance(content, dict)
                             else str(content).strip()))


_thank_you = _after_arrival("thank_you")
_how_to = _after_arrival("how_to", _has_how_to_content)
_nps = _after_arrival("nps")  # the merchant's survey page, else ours
_anniversary = _after_arrival("anniversary")
_referral = _after_arrival("referral")


def _review_request(order: OrderInput, shop: ShopInput, now: datetime, history: History) -> list[Plan]:
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


def _review_reminder(order: OrderInput, shop: ShopInput, now: datetime, history: History) -> list[Plan]:
    """At most one reminder, only when the request went out and its link was not followed."""
    kind = KINDS["review_reminder"]
    if history.review_sent_at is None or history.reviewed or not _marketing_allowed(order, shop, kind):
        return []
    return [_plan(kind, 0, _after(order, shop, kind, history.review_sent_at))]


def _replenishment(order: OrderInput, shop: ShopInput, now: datetime, history: History) -> list[Plan]:
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
        sequence = line.id if line.id is not None else 0  # a sample's line is no row: no id
        plans.append(_plan(kind, sequence, arrived[0] + timedelta(days=int(days))))
    return plans


def replenishment_interval(line: LineInput, merchant: Mapping, learned: Mapping[str, int]) -> int | None:
    """The merchant's interval (by product id, variant id or SKU), else the learned one."""
    own = next((merchant[k] for k in (line.product_id, line.variant_id, line.sku) if k and k in merchant),
               None)
    return own if own is not None else learned.get(product_key(line))


def _win_back(order: OrderInput, shop: ShopInput, now: datetime, history: History) -> list[Plan]:
    """No order for N days: counted from the buyer's latest order, gone once they order again.
    Its voucher is a discount: it too waits until the goods arrived."""
    kind = KINDS["win_back"]
    if history.newer_order or order.placed_at is None or not _marketing_allowed(order, shop, kind):
        return []
    if arrival(order, shop) is None:
        return []
    return [_plan(kind, 0, _after(order, shop, kind, order.placed_at))]


RULES: tuple[Rule, ...] = (
    _shipped_notices, _out_for_delivery_notices, _ready_for_pickup_notices, _delivered_notices,
    _delay_notices, _not_shipped_notice, _refund_notices, _review_request, _review_reminder, _thank_you,
    _how_to, _nps, _replenishment, _anniversary, _win_back, _referral)
# A cancelled order still hears about its money.
CANCELLED_RULES: tuple[Rule, ...] = (_refund_notices,)


def plan_followups(order: OrderInput, shop: ShopInput, now: datetime,
                   history: History | None = None) -> list[Plan]:
    """Every mail this order should get, given what we know now. `order` and `shop`: mapped
    rows or read-model views alike (app/domain/followups/planner_input.py)."""
    if not shop.active or order.customer is None or order.customer.suppressed_reason:
        return []
    history = history or History()
    rules = CANCELLED_RULES if order.cancelled_at is not None else RULES
    return [plan for rule in rules for plan in rule(order, shop, now, history)]


# ---- the database side: history, diffing, the send-time re-check ---------------------


def on_request(kind_key: str) -> bool:
    """A kind the buyer asked for (newsletter confirmation): sent when due, never re-planned."""
    kind = KINDS.get(kind_key)
    return kind is not None and kind.on_request
