"""Learn each shop's replenishment intervals from its repeat purchases, once a day.

Only shops with the replenishment mail switched on are read. When a product's interval is
new or changed, recent orders with that product are planned again (replenishment only), so
an order that arrived before the shop had enough data still gets its reminder; "recent"
means placed within the interval, so a new plan never lies in the past.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from app.domain.followups.mail_kinds import KINDS
from app.domain.followups.rules import product_key
from app.domain.followups.sync import sync_followups
from app.domain.orders.repeat_purchases import GAP_BOUNDS, Purchase, learn_intervals
from app.domain.shop.modules import module_enabled
from app.extensions import db
from app.jobs.runtime import job
from app.models import LearnedIntervals, Order, OrderLine, Shop

log = logging.getLogger(__name__)
MODULE = KINDS["replenishment"].module
REPLAN_LIMIT = 2000


def learn_job_id(shop_id: int) -> str:
    return f"learn-intervals-{shop_id}"


@job
def learn_replenishment_intervals(shop_id: int, now: datetime | None = None) -> dict:
    """Store the shop's learned intervals; re-plan recent orders whose product's interval changed."""
    now = now or datetime.now(timezone.utc)
    shop = db.session.get(Shop, shop_id)
    if shop is None or not shop.active:
        return {"skipped": "shop gone or uninstalled"}
    learned = learn_intervals(_purchases(shop_id, now - GAP_BOUNDS[1]))
    row = db.session.get(LearnedIntervals, shop_id) or LearnedIntervals(shop_id=shop_id, intervals={})
    changed = {product: days for product, days in learned.items() if row.intervals.get(product) != days}
    row.intervals, row.computed_at = learned, now
    db.session.add(row)
    db.session.commit()
    replanned = _replan(shop, changed, now) if changed and module_enabled(shop, MODULE) else 0
    log.info("shop %s: %s learned interval(s), %s changed, %s order(s) re-planned",
             shop_id, len(learned), len(changed), replanned)
    return {"products": len(learned), "changed": len(changed), "replanned": replanned}


def _purchases(shop_id: int, since: datetime) -> list[Purchase]:
    """Every line of the orders of buyers with two or more orders since `since`."""
    kept = (Order.shop_id == shop_id, Order.customer_id.is_not(None), Order.placed_at >= since,
            Order.cancelled_at.is_(None), Order.refunded_at.is_(None))
    repeat_buyers = (select(Order.customer_id).where(*kept).group_by(Order.customer_id)
                     .having(func.count() >= 2))
    rows = db.session.execute(
        select(Order.customer_id, Order.id, Order.placed_at, OrderLine.product_id, OrderLine.variant_id,
               OrderLine.sku, OrderLine.title)
        .join(OrderLine, OrderLine.order_id == Order.id)
        .where(*kept, Order.customer_id.in_(repeat_buyers)))
    return [Purchase(row.customer_id, row.id, product_key(row), row.placed_at) for row in rows]


def _replan(shop: Shop, changed: dict[str, int], now: datetime) -> int:
    """Plan the replenishment mail again for orders placed within their product's new interval."""
    orders = db.session.scalars(
        select(Order)
        .where(Order.shop_id == shop.id, Order.customer_id.is_not(None), Order.cancelled_at.is_(None),
                            Order.placed_at >= now - timedelta(days=max(changed.values())))
        .order_by(Order.placed_at.desc()).limit(REPLAN_LIMIT)).all()
    replanned = 0
    for order in orders:
        placed = order.placed_at  # the query asks for orders placed since a day
        if placed is not None and any(now - placed <= timedelta(days=changed.get(product_key(line), -1))
                                      for line in order.lines):
            sync_followups(db.session(), [order], now, kinds=("replenishment",))
            replanned += 1
            if replanned % 50 == 0:
                db.session.commit()
    db.session.commit()
    return replanned
