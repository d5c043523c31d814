"""Where is my order? Per ISO week (in the shop's time zone) since the app was installed:
the orders delivered that week, how many of them had their status checked on our block or
tracking page before delivery (order_status_views), the average of those views per delivered
order, and the successful find-my-order lookups (engagement_counts, surface "lookup").

A view is not proof that a question to the shop was avoided: what is counted is that the
buyer checked the status here. An order's delivery moment is its last parcel's delivered_at;
an order marked delivered without one has no week and is left out, and so is one placed more
than PARCEL_ORDER_AGE (a year) before the first week. The delivery moments are read from the
stored parcel facts (shop, delivered_at): a range of the shop's own rows, not its parcels.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone

from sqlalchemy import case, func, select

from app.domain.analytics.engagement_counts import LOOKUP, PAGE
from app.domain.analytics.week_buckets import complete_weeks
from app.domain.arrival.carrier_performance import week_start
from app.domain.arrival.edd import zone
from app.domain.orders.placed_times import parcel_orders_since
from app.models import EngagementCount, Order, OrderStatusView, ParcelFact, Shop

MAX_WEEKS = 26


@dataclass(frozen=True)
class WismoWeek:
    monday: date
    since_install: int  # 0: the week the app was installed in
    delivered: int
    checked: int  # of the delivered, those whose status was viewed at least once before
    views: int  # views before delivery of the delivered orders, all together
    lookups: int

    @property
    def share(self) -> float | None:
        return self.checked / self.delivered if self.delivered else None

    @property
    def average_views(self) -> float | None:
        return self.views / self.delivered if self.delivered else None


@dataclass(frozen=True)
class WismoReport:
    installed_on: date  # in the shop's time zone
    weeks: list[WismoWeek]  # oldest first, complete weeks only


def wismo_report(session, shop: Shop, now: datetime) -> WismoReport:
    tz = zone(shop.timezone)
    installed_at = shop.installed_at
    if installed_at.tzinfo is None:  # SQLite gives it back naive; it is stored in UTC
        installed_at = installed_at.replace(tzinfo=timezone.utc)
    installed_on = installed_at.astimezone(tz).date()
    install_monday = week_start(installed_on)
    this_monday = week_start(now.astimezone(tz).date())
    count = min(MAX_WEEKS, (this_monday - install_monday).days // 7)
    if count <= 0:
        return WismoReport(installed_on, [])
    weeks = complete_weeks(now, shop.timezone, count)
    # Each parcel's delivery moment is on its stored facts (app/models/parcel_fact.py), indexed by
    # shop and moment: only the parcels delivered since the first week are read. An order's
    # latest delivery is among them exactly when it falls in the weeks or after. The orders are
    # named by shop too, so that their index by shop and time placed can serve the join.
    delivered_at = (select(ParcelFact.order_id, func.max(ParcelFact.delivered_at).label("at"))
                    .join(Order, Order.id == ParcelFact.order_id)
                    .where(ParcelFact.shop_id == shop.id, ParcelFact.delivered_at >= weeks.bounds[0],
                           Order.shop_id == shop.id, Order.status == "delivered",
                           parcel_orders_since(weeks.bounds[0]))
                    .group_by(ParcelFact.order_id).subquery())
    week = weeks.index(delivered_at.c.at).label("week")
    views = func.coalesce(OrderStatusView.views, 0)
    orders = {row.week: row for row in session.execute(
        select(week, func.count().label("delivered"),
               func.sum(case((views > 0, 1), else_=0)).label("checked"),
               func.sum(views).label("views"))
        .select_from(delivered_at)
        .outerjoin(OrderStatusView, OrderStatusView.order_id == delivered_at.c.order_id)
        .where(delivered_at.c.at >= weeks.bounds[0], delivered_at.c.at < weeks.bounds[-1])
        .group_by(week))}
    ends = (*weeks.mondays[1:], this_monday)
    lookup_week = case(*((EngagementCount.day < end, n) for n, end in enumerate(ends)),
                       else_=None).label("week")
    lookups = dict(session.execute(
        select(lookup_week, func.sum(EngagementCount.views))
        .where(EngagementCount.shop_id == shop.id, EngagementCount.surface == LOOKUP,
               EngagementCount.module == PAGE, EngagementCount.day >= weeks.mondays[0],
               EngagementCount.day < this_monday)
        .group_by(lookup_week)).all())
    result = []
    for n, monday in enumerate(weeks.mondays):
        row = orders.get(n)
        result.append(WismoWeek(
            monday, (monday - install_monday).days // 7,
            int(row.delivered) if row else 0, int(row.checked or 0) if row else 0,
            int(row.views or 0) if row else 0, int(lookups.get(n) or 0)))
    return WismoReport(installed_on, result)

