"""What the app earned a shop in a period: views and clicks per module, revenue of the orders
credited to each module (net of refunds and cancellations), and the holdout's incremental
repeat revenue (app/domain/analytics/uplift.py)."""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from app.domain.analytics.holdout import in_holdout
from app.domain.analytics.uplift import Uplift, welch_uplift
from app.models import EngagementCount, Order, OrderAttribution, Refund, Shop

REPEAT_WINDOW = timedelta(days=30)
DAILY_UP_TO = 30  # longer periods are charted by week
NO_REVENUE_STATES = ("refunded", "voided")


@dataclass(frozen=True)
class ModuleLine:
    module: str
    views: int
    clicks: int
    orders: int  # credited orders with revenue left after refunds
    revenue: Decimal


@dataclass(frozen=True)
class EarningsReport:
    days: int
    start: date
    currency: str | None
    lines: list[ModuleLine]
    page_views: dict[str, int]  # surface → views of the block or page as a whole
    bucket_days: int  # 1 (a day) or 7 (a week, for long periods)
    series: dict[str, list[float]]  # module → credited revenue per bucket from `start`
    uplift: Uplift
    cohort_from: datetime
    cohort_to: datetime

    @property
    def buckets(self) -> list[date]:
        """The first day of every bucket in the period."""
        return [self.start + timedelta(days=n) for n in range(0, self.days, self.bucket_days)]


def net_revenue(total: Decimal | None, refunded: Decimal | None, cancelled_at,
                financial_status: str | None) -> Decimal:
    """What the order is worth after cancellations and refunds (never below zero)."""
    if cancelled_at is not None or financial_status in NO_REVENUE_STATES:
        return Decimal(0)
    return max(Decimal(total or 0) - Decimal(refunded or 0), Decimal(0))


def _orders(session, shop_id: int, since: datetime):
    """(id, customer id, placed at, net revenue, currency) of the shop's orders placed since."""
    refunded = (select(Refund.order_id, func.sum(Refund.amount).label("amount"))
                .group_by(Refund.order_id).subquery())
    placed_at = func.coalesce(Order.placed_at, Order.created_at)
    rows = session.execute(
        select(Order.id, Order.customer_id, placed_at, Order.total_price, refunded.c.amount,
               Order.cancelled_at, Order.financial_status, Order.currency)
        .outerjoin(refunded, refunded.c.order_id == Order.id)
        .where(Order.shop_id == shop_id, placed_at >= since)).all()
    return [(r[0], r[1], r[2], net_revenue(r[3], r[4], r[5], r[6]), r[7]) for r in rows]


def repeat_revenues(orders, cohort_from: datetime, cohort_to: datetime) -> dict[int, Decimal]:
    """Per order placed in [cohort_from, cohort_to]: the net revenue of its customer's later
    orders within REPEAT_WINDOW (0 for a guest order: nothing links it to a later one)."""
    by_customer: dict[int, list] = {}
    for order in orders:
        if order[1] is not None:
            by_customer.setdefault(order[1], []).append(order)
    result = {}
    for order_id, customer_id, placed, _net, _currency in orders:
        if not cohort_from <= placed <= cohort_to:
            continue
        later = by_customer.get(customer_id, ()) if customer_id is not None else ()
        result[order_id] = sum((o[3] for o in later if placed < o[2] <= placed + REPEAT_WINDOW),
                               Decimal(0))
    return result


def earnings_report(session, shop: Shop, days: int, now: datetime) -> EarningsReport:
    start = (now - timedelta(days=days - 1)).date()
    since = datetime.combine(start, datetime.min.time(), tzinfo=now.tzinfo)
    views, clicks, page_views = Counter[str](), Counter[str](), Counter[str]()
    for surface, module, v, c in session.execute(
            select(EngagementCount.surface, EngagementCount.module, func.sum(EngagementCount.views),
                   func.sum(EngagementCount.clicks))
            .where(EngagementCount.shop_id == shop.id, EngagementCount.day >= start)
            .group_by(EngagementCount.surface, EngagementCount.module)).all():
        if module == "page":
            page_views[surface] += int(v or 0)
        else:
            views[module] += int(v or 0)
            clicks[module] += int(c or 0)
    cohort_to = now - REPEAT_WINDOW
    cohort_from = cohort_to - timedelta(days=days)
    orders = _orders(session, shop.id, min(since, cohort_from))
    net = {order[0]: (order[2], order[3]) for order in orders}
    credited_orders, revenue = Counter[str](), defaultdict[str, Decimal](Decimal)
    bucket_days = 1 if days <= DAILY_UP_TO else 7
    buckets = len(range(0, days, bucket_days))
    series: dict[str, list[float]] = {}
    placed_at = func.coalesce(Order.placed_at, Order.created_at)
    for order_id, module in session.execute(
            select(OrderAttribution.order_id, OrderAttribution.module)
            .join(Order, Order.id == OrderAttribution.order_id)
            .where(OrderAttribution.shop_id == shop.id, placed_at >= since)).all():
        if order_id not in net:
            continue
        placed, value = net[order_id]
        if value > 0:
            credited_orders[module] += 1
            revenue[module] += value
            values = series.setdefault(module, [0.0] * buckets)
            values[min((placed.date() - start).days // bucket_days, buckets - 1)] += float(value)
    modules = sorted(set(views) | set(clicks) | set(revenue),
                     key=lambda m: (-revenue[m], -clicks[m], m))
    lines = [ModuleLine(m, views[m], clicks[m], credited_orders[m], revenue[m] or Decimal(0))
             for m in modules]
    repeat = repeat_revenues(orders, cohort_from, cohort_to)
    treated = [float(v) for k, v in repeat.items() if not in_holdout(shop, k)]
    held = [float(v) for k, v in repeat.items() if in_holdout(shop, k)]
    currencies = Counter(order[4] for order in orders if order[4])
    currency = currencies.most_common(1)[0][0] if currencies else None
    return EarningsReport(days, start, currency, lines, dict(page_views), bucket_days, series,
                          welch_uplift(treated, held), cohort_from, cohort_to)
