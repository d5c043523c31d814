"""What the app earned a shop in a period: views and clicks per module, revenue of the orders
credited to each module (net of refunds and cancellations), and the holdout's incremental
repeat revenue (app/domain/analytics/uplift.py).

Counted by the database (GROUP BY), so a page costs what the period holds, not the shop's
whole history: the engagement counts per surface and module, the credited orders per module
and day (or week) of the shop's calendar, the most common currency, and per order of the
uplift's cohort its customer's net revenue of the following REPEAT_WINDOW (one row per
cohort order: the holdout is a hash of the order id, app/domain/analytics/holdout.py, so the
split into treated and held out, and the interval, are done here). Reads use the index on
(shop_id, coalesce(placed_at, created_at)) (migration 0025).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import ColumnElement, Numeric, and_, case, func, literal, or_, select, type_coerce
from sqlalchemy.orm import Session, aliased

from app.db.time_spans import within_seconds
from app.domain.analytics.holdout import in_holdout
from app.domain.analytics.uplift import Uplift, welch_uplift
from app.domain.analytics.week_buckets import local_buckets
from app.domain.arrival.edd import zone
from app.domain.orders.placed_times import placed_at
from app.models import EngagementCount, Order, OrderAttribution, Refund, Shop

REPEAT_WINDOW = timedelta(days=30)
DAILY_UP_TO = 30  # longer periods are charted by week
NO_REVENUE_STATES = ("refunded", "voided")
MONEY = Numeric(14, 4)
CENT = Decimal("0.0001")


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
    start: date  # the period's first day in the shop's time zone
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


def net_revenue(total: Decimal | None, refunded: Decimal | None, cancelled_at: datetime | None,
                financial_status: str | None) -> Decimal:
    """What the order is worth after cancellations and refunds (never below zero)."""
    if cancelled_at is not None or financial_status in NO_REVENUE_STATES:
        return Decimal(0)
    return max(Decimal(total or 0) - Decimal(refunded or 0), Decimal(0))


def net_revenue_sql(order: type[Order] = Order) -> ColumnElement[Decimal]:
    """net_revenue as SQL: the refunds summed per order (their index on order_id)."""
    refunded = (select(func.coalesce(func.sum(Refund.amount), 0)).where(Refund.order_id == order.id)
                .correlate(order).scalar_subquery())
    left = func.coalesce(order.total_price, 0) - refunded
    return type_coerce(case((or_(order.cancelled_at.is_not(None),
                                 order.financial_status.in_(NO_REVENUE_STATES)),
                             literal(0, MONEY)),
                            (left > 0, left), else_=literal(0, MONEY)), MONEY)


def _money(value: object) -> Decimal:
    return Decimal(str(value or 0)).quantize(CENT)


def _engagement(session: Session, shop_id: int,
                start: date) -> tuple[Counter[str], Counter[str], Counter[str]]:
    views: Counter[str] = Counter()
    clicks: Counter[str] = Counter()
    page_views: Counter[str] = Counter()
    for surface, module, v, c in session.execute(
            select(EngagementCount.surface, EngagementCount.module, func.sum(EngagementCount.views),
                   func.sum(EngagementCount.clicks))
            .where(EngagementCount.shop_id == shop_id, EngagementCount.day >= start)
            .group_by(EngagementCount.surface, EngagementCount.module)).all():
        if module == "page":
            page_views[surface] += int(v or 0)
        else:
            views[module] += int(v or 0)
            clicks[module] += int(c or 0)
    return views, clicks, page_views


def repeat_revenues(session: Session, shop_id: int, cohort_from: datetime,
                    cohort_to: datetime) -> dict[int, Decimal]:
    """Per order placed in [cohort_from, cohort_to]: the net revenue of its customer's later
    orders within REPEAT_WINDOW (0 for a guest order: nothing links it to a later one)."""
    first, later = aliased(Order), aliased(Order)
    first_at, later_at = placed_at(first), placed_at(later)
    rows = session.execute(
        select(first.id, func.coalesce(func.sum(net_revenue_sql(later)), 0))
        .outerjoin(later, and_(later.shop_id == first.shop_id, later.customer_id == first.customer_id,
                               later_at > first_at,
                               within_seconds(later_at, first_at, int(REPEAT_WINDOW.total_seconds()))))
        .where(first.shop_id == shop_id, first_at >= cohort_from, first_at <= cohort_to)
        .group_by(first.id))
    return {order_id: _money(value) for order_id, value in rows}


def _currency(session: Session, shop_id: int, since: datetime) -> str | None:
    """The currency most of the orders since `since` were placed in."""
    count = func.count()
    return session.scalar(
        select(Order.currency)
        .where(Order.shop_id == shop_id, placed_at() >= since, Order.currency.is_not(None),
               Order.currency != "")
        .group_by(Order.currency).order_by(count.desc(), Order.currency).limit(1))


def earnings_report(session: Session, shop: Shop, days: int, now: datetime) -> EarningsReport:
    tz = zone(shop.timezone)
    start = now.astimezone(tz).date() - timedelta(days=days - 1)
    bucket_days = 1 if days <= DAILY_UP_TO else 7
    buckets = local_buckets(start, len(range(0, days, bucket_days)), bucket_days, shop.timezone)
    since = buckets.bounds[0]
    views, clicks, page_views = _engagement(session, shop.id, start)
    credited_orders: Counter[str] = Counter()
    revenue: dict[str, Decimal] = {}
    series: dict[str, list[float]] = {}
    net, at = net_revenue_sql(), placed_at()
    bucket = buckets.index(at, clip=True)
    for module, n, orders, value in session.execute(
            select(OrderAttribution.module, bucket, func.count(), func.sum(net))
            .join(Order, Order.id == OrderAttribution.order_id)
            .where(OrderAttribution.shop_id == shop.id, Order.shop_id == shop.id, at >= since, net > 0)
            .group_by(OrderAttribution.module, bucket)):
        credited_orders[module] += orders
        revenue[module] = revenue.get(module, Decimal(0)) + _money(value)
        series.setdefault(module, [0.0] * len(buckets.mondays))[n] += float(_money(value))
    modules = sorted(set(views) | set(clicks) | set(revenue),
                     key=lambda m: (-revenue.get(m, 0), -clicks[m], m))
    lines = [ModuleLine(m, views[m], clicks[m], credited_orders[m], revenue.get(m, Decimal(0)))
             for m in modules]
    cohort_to = now - REPEAT_WINDOW
    cohort_from = cohort_to - timedelta(days=days)
    repeat = repeat_revenues(session, shop.id, cohort_from, cohort_to)
    treated = [float(v) for k, v in repeat.items() if not in_holdout(shop, k)]
    held = [float(v) for k, v in repeat.items() if in_holdout(shop, k)]
    currency = _currency(session, shop.id, min(since, cohort_from))
    return EarningsReport(days, start, currency, lines, dict(page_views), bucket_days, series,
                          welch_uplift(treated, held), cohort_from, cohort_to)
