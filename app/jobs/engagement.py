"""Once a minute, enqueued from the periodic table: fold the view and click counts from Redis
into engagement_counts (and the views before delivery into order_status_views), credit new
orders to the modules clicked before them, and delete the click rows no order can be
credited to any more."""
from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from datetime import date, datetime, timezone

from sqlalchemy import select

from app.db.base import insert_for
from app.domain.analytics.attribution import attribute_orders, purge_clicks
from app.domain.analytics.engagement_counts import CLICKS, VIEWS, buffer, local_day, take_all
from app.extensions import db, queues
from app.jobs.runtime import job
from app.models import EngagementCount, Order, OrderStatusView, Shop
from app.read_model.loads import load_modules

log = logging.getLogger(__name__)


def fold_counts() -> int:
    """Add the counts taken from Redis to the tables; the rows touched."""
    buffer.flush()  # this process's own counts first (a worker counts nothing, a test may)
    taken, order_views = take_all()
    if not taken and not order_views:
        return 0
    insert = insert_for(db.session.get_bind().dialect.name)
    shops = {key[1] for key in taken} | {key[0] for key in order_views}
    zones = dict(db.session.execute(select(Shop.id, Shop.timezone).where(Shop.id.in_(shops))).all())
    live = set(zones)
    rows = _count_rows(taken, zones)
    if rows:
        statement = insert(EngagementCount.__table__)
        statement = statement.on_conflict_do_update(
            index_elements=["shop_id", "day", "surface", "module"],
            set_={"views": EngagementCount.__table__.c.views + statement.excluded.views,
                  "clicks": EngagementCount.__table__.c.clicks + statement.excluded.clicks})
        db.session.execute(statement, rows)
    order_rows = _order_view_rows(order_views, live)
    if order_rows:
        table = OrderStatusView.__table__
        statement = insert(table)
        statement = statement.on_conflict_do_update(
            index_elements=["order_id"], set_={"views": table.c.views + statement.excluded.views})
        db.session.execute(statement, order_rows)
    db.session.commit()
    return len(rows) + len(order_rows)


def _count_rows(taken: dict[tuple[date, int, str, str], dict[str, int]],
                zones: Mapping[int, str | None]) -> list[dict]:
    """One row per shop, local day, surface and module (quarter hours of one day added up);
    shops no longer there are left out."""
    found: dict[tuple[int, date, str, str], dict[str, int]] = {}
    for (when, shop_id, surface, module), measures in taken.items():
        if shop_id not in zones:
            continue
        row = found.setdefault((shop_id, local_day(when, zones[shop_id]), surface, module),
                               {VIEWS: 0, CLICKS: 0})
        for measure, count in measures.items():
            row[measure] = row.get(measure, 0) + count
    return [{"shop_id": shop_id, "day": day, "surface": surface, "module": module, **measures}
            for (shop_id, day, surface, module), measures in found.items()]


def _order_view_rows(order_views: dict[tuple[int, int], int], live: set[int]) -> list[dict]:
    """The counted orders that still exist in their (installed) shop; a purged or redacted
    order's views are dropped with it."""
    if not order_views:
        return []
    existing = set(db.session.execute(
        select(Order.shop_id, Order.id).where(Order.id.in_({key[1] for key in order_views}))
    ).all())
    return [{"order_id": order_id, "shop_id": shop_id, "views": views}
            for (shop_id, order_id), views in order_views.items()
            if shop_id in live and (shop_id, order_id) in existing]


def attribute_and_purge(now: datetime | None = None) -> dict:
    """Credit and purge for every active shop, one commit per shop."""
    now = now or datetime.now(timezone.utc)
    credited = purged = 0
    for shop in db.session.scalars(select(Shop).where(Shop.uninstalled_at.is_(None))).all():
        load_modules(db.session(), shop)
        credited += attribute_orders(db.session, shop, now)
        purged += purge_clicks(db.session, shop, now)
        db.session.commit()
    return {"credited": credited, "purged_clicks": purged}


@job
def measure_engagement() -> dict:
    return {"folded": fold_counts(), **attribute_and_purge()}


def enqueue_engagement_pass() -> int:
    """Enqueue a pass (the periodic table, app/jobs/periodic.py, calls this once a minute)."""
    queues.enqueue("periodic", measure_engagement, job_id=f"engagement-{int(time.time()) // 60}", retries=0)
    return 1
