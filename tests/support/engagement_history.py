"""A seeded synthetic history of what buyers did after their orders: a few thousand orders,
clicks on the block's modules and in mails, repeat orders, refunds and cancellations, with a
KNOWN true uplift: a treated first order is followed by a repeat order within 30 days with
probability P_TREATED, a held-out one with P_HELD, so the treated group's extra net repeat
revenue per order is TRUE_UPLIFT.

Held-out first orders (the app's own hash, app/domain/analytics/holdout.py: that is the treatment the
buyers saw) bring no clicks: their block shows no marketing module and no marketing mail
reaches them. Treated buyers click one to three times before some of their later orders, at
lags that fall both inside and outside the attribution windows, and now and then after an
order (no credit then); some click and never order again.

The records keep what was drawn, so a test works out what the app should report without the
app's code.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import insert

from app.domain.analytics.holdout import holdout_position
from app.extensions import db
from app.models import Customer, ModuleClick, Order, Refund

P_TREATED, P_HELD = 0.30, 0.20
CANCEL_SHARE, FULL_REFUND_SHARE, PARTIAL_REFUND_SHARE = 0.05, 0.08, 0.10
PARTIAL_REFUND = Decimal("10.00")
LOW_CENTS, HIGH_CENTS = 2000, 8000  # an order's total, uniform in cents
# A repeat order's expected net revenue: not cancelled, then not fully refunded, less the
# partial refunds; the mean total is (LOW + HIGH) / 2.
MEAN_TOTAL = Decimal(LOW_CENTS + HIGH_CENTS) / 200
KEPT_WHOLE = 1 - FULL_REFUND_SHARE - PARTIAL_REFUND_SHARE
EXPECTED_NET = (1 - CANCEL_SHARE) * (PARTIAL_REFUND_SHARE * float(MEAN_TOTAL - PARTIAL_REFUND)
                                     + KEPT_WHOLE * float(MEAN_TOTAL))
TRUE_UPLIFT = (P_TREATED - P_HELD) * EXPECTED_NET
# review_prompt: counted, earns no credit
ON_PAGE = ("reorder", "recommendations", "banner", "review_prompt")
FROM_MAIL = ("mail_thank_you", "mail_win_back", "mail_review_request")
FIRST_ID = 500_000


@dataclass
class SyntheticOrder:
    id: int
    customer: int
    placed_at: datetime
    total: Decimal
    cancelled: bool = False
    refunded: Decimal = Decimal(0)
    first: bool = False  # the customer's first order: the unit the holdout is drawn for
    held_out: bool = False

    @property
    def net(self) -> Decimal:
        return Decimal(0) if self.cancelled else max(self.total - self.refunded, Decimal(0))


@dataclass
class SyntheticClick:
    customer: int
    source: int  # the order whose block or mail showed the link
    module: str
    at: datetime

    @property
    def from_mail(self) -> bool:
        return self.module.startswith("mail_")


@dataclass
class EngagementHistory:
    orders: list[SyntheticOrder] = field(default_factory=list)
    clicks: list[SyntheticClick] = field(default_factory=list)


def _order(rng: random.Random, history: EngagementHistory, customer: int, placed_at: datetime,
           **flags) -> SyntheticOrder:
    order = SyntheticOrder(FIRST_ID + len(history.orders), customer, placed_at,
                           Decimal(rng.randint(LOW_CENTS, HIGH_CENTS)) / 100, **flags)
    roll = rng.random()
    if roll < CANCEL_SHARE:
        order.cancelled = True
    else:
        roll = rng.random()
        if roll < FULL_REFUND_SHARE:
            order.refunded = order.total
        elif roll < FULL_REFUND_SHARE + PARTIAL_REFUND_SHARE:
            order.refunded = PARTIAL_REFUND
    history.orders.append(order)
    return order


def _clicks_before(rng: random.Random, history: EngagementHistory, source: SyntheticOrder,
                   at: datetime) -> None:
    """One to three clicks on the source order's links in the eight days before `at`."""
    for _ in range(rng.randint(1, 3)):
        module = rng.choice(ON_PAGE + FROM_MAIL)
        when = at - timedelta(seconds=rng.randint(60, 8 * 86400))
        if when > source.placed_at:  # a link is shown once its order exists
            history.clicks.append(SyntheticClick(source.customer, source.id, module, when))


def generate(now: datetime, salt: str, share: float, customers: int = 2500, seed: int = 20,
             first_from_days: int = 120, first_to_days: int = 31) -> EngagementHistory:
    """Each customer's first order, maybe a repeat within 30 days (the uplift), maybe a later
    order beyond them (attribution only), with the clicks treated buyers made."""
    rng = random.Random(seed)
    history = EngagementHistory()
    for customer in range(customers):
        start = now - timedelta(days=first_from_days)
        span = (first_from_days - first_to_days) * 86400
        placed = start + timedelta(seconds=rng.randrange(span))
        first = _order(rng, history, customer, placed, first=True)
        first.held_out = holdout_position(salt, first.id) < share
        if rng.random() < (P_HELD if first.held_out else P_TREATED):
            at = first.placed_at + timedelta(seconds=rng.randint(3600, 29 * 86400))
            if not first.held_out and rng.random() < 0.6:
                _clicks_before(rng, history, first, at)
            second = _order(rng, history, customer, at)
        else:
            second = None
            if not first.held_out and rng.random() < 0.3:  # clicked, never came back
                _clicks_before(rng, history, first, first.placed_at + timedelta(days=9))
        if rng.random() < 0.2:  # much later, after a click on either earlier order
            at = first.placed_at + timedelta(days=31, seconds=rng.randrange(14 * 86400))
            source = second or first
            if not first.held_out and rng.random() < 0.7:
                _clicks_before(rng, history, source, at)
            _order(rng, history, customer, min(at, now - timedelta(minutes=5)))
        if not first.held_out and rng.random() < 0.05:  # a click after the order: earns nothing
            history.clicks.append(SyntheticClick(customer, first.id, rng.choice(ON_PAGE),
                                                 first.placed_at + timedelta(minutes=5)))
    history.clicks = [c for c in history.clicks if c.at <= now]
    return history


def seed_history(shop, history: EngagementHistory) -> None:
    """Insert customers, orders, refunds and click rows (Core: thousands in a second)."""
    customer_ids = {n: FIRST_ID + n for n in {o.customer for o in history.orders}}
    db.session.execute(insert(Customer.__table__), [
        {"id": ident, "shop_id": shop.id, "platform_customer_id": f"c{ident}",
         "email": f"b{ident}@example.com"}
        for ident in customer_ids.values()])
    db.session.execute(insert(Order.__table__), [
        {"id": o.id, "shop_id": shop.id, "customer_id": customer_ids[o.customer],
         "platform_order_id": str(o.id),
         "name": f"#{o.id}", "currency": "EUR", "total_price": o.total,
         "financial_status": "refunded" if o.refunded and o.refunded == o.total else "paid",
         "status": "cancelled" if o.cancelled else "delivered", "placed_at": o.placed_at,
         "cancelled_at": o.placed_at + timedelta(hours=2) if o.cancelled else None}
        for o in history.orders])
    refunds = [{"order_id": o.id, "platform_refund_id": f"r{o.id}",
                "created_at": o.placed_at + timedelta(days=3), "amount": o.refunded}
               for o in history.orders if o.refunded]
    if refunds:
        db.session.execute(insert(Refund.__table__), refunds)
    if history.clicks:
        db.session.execute(insert(ModuleClick.__table__), [
            {"shop_id": shop.id, "customer_id": customer_ids[c.customer],
             "source_order_id": c.source, "module": c.module, "from_mail": c.from_mail,
             "clicked_at": c.at} for c in history.clicks])
    db.session.commit()
