"""Refresh each shop's recommendation table from its own order history, hourly.

The table lands on the recommendations module row (`derived`), so a block view reads it
with the module switches and stays at two queries. Which products can still be shown (and
their links) comes from the platform's catalogue when it answers; otherwise from what the
order lines say (Shopify marks deleted products, the handle comes with reconciled lines).
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

import httpx
from sqlalchemy import select

from app.clients.platforms import client_for
from app.domain.followups.recommendations import (
    MAX_PRODUCTS,
    Recommendable,
    count_baskets,
    derived_table,
    product_link,
    web_link,
)
from app.domain.shop.module_changes import save_derived
from app.domain.shop.modules import module_enabled
from app.extensions import db
from app.jobs.runtime import job
from app.models import Order, OrderLine, Shop
from connectors.base import ConnectorError

log = logging.getLogger(__name__)
HISTORY = timedelta(days=365)
MAX_ORDERS = 5000
# Removed products drop out after the lookup: ask about a few more than can be kept.
LOOKUP = MAX_PRODUCTS + 100


def recommendations_job_id(shop_id: int) -> str:
    return f"recommendations-{shop_id}"


@job
def refresh_recommendations(shop_id: int) -> dict:
    """Count what the shop's buyers bought together and store the table for the block."""
    now = datetime.now(timezone.utc)
    shop = db.session.get(Shop, shop_id)
    if shop is None or not shop.active or not module_enabled(shop, "recommendations"):
        return {"skipped": "shop gone, uninstalled or recommendations off"}
    baskets, lines = _order_history(shop, now)
    orders, pairs = count_baskets(baskets.values())
    candidates = sorted(orders, key=lambda product_id: (-orders[product_id], product_id))[:LOOKUP]
    catalogue, source = _platform_catalogue(shop, candidates, now), "platform"
    if catalogue is None:
        catalogue, source = _catalogue_from_lines(shop, candidates, lines), "order_lines"
    table = derived_table(orders, pairs, catalogue, now, source)
    save_derived(shop, "recommendations", table)
    db.session.commit()
    return {"orders": len(baskets), "products": len(table["products"]), "source": source}


def _order_history(shop: Shop, now: datetime) -> tuple[dict[int, list[str]], dict[str, OrderLine]]:
    """Products per order of the last year's newest orders (cancelled ones left out), and
    each product's newest line."""
    recent = (select(Order.id).where(Order.shop_id == shop.id, Order.cancelled_at.is_(None),
                                     Order.created_at >= now - HISTORY)
              .order_by(Order.id.desc()).limit(MAX_ORDERS).scalar_subquery())
    rows = db.session.scalars(select(OrderLine)
                              .where(OrderLine.order_id.in_(recent), OrderLine.product_id.is_not(None))
                              .order_by(OrderLine.order_id.desc(), OrderLine.id)).all()
    baskets: dict[int, list[str]] = {}
    newest: dict[str, OrderLine] = {}
    for line in rows:
        if line.product_id is None:  # the query leaves them out
            continue
        baskets.setdefault(line.order_id, []).append(line.product_id)
        newest.setdefault(line.product_id, line)
    return baskets, newest


def _platform_catalogue(shop: Shop, product_ids: list[str], now: datetime) -> dict[str, Recommendable] | None:
    """The products still on sale with their shop links, or None when the platform cannot say."""
    try:
        with client_for(shop, now) as client:
            products = client.catalogue(product_ids)
    except (ConnectorError, httpx.HTTPError) as exc:
        log.info("recommendations for shop %s fall back to order lines: %s", shop.id, exc)
        return None
    return {p.platform_product_id: Recommendable(p.title, url) for p in products
            if p.available and p.title and (url := web_link(p.url))}


def _catalogue_from_lines(shop: Shop, product_ids: list[str],
                          lines: dict[str, OrderLine]) -> dict[str, Recommendable]:
    """Without the platform: every product its newest line does not mark as deleted."""
    found = {}
    for product_id in product_ids:
        line = lines[product_id]
        url = product_link(shop.platform, shop.domain, product_id, line.product_handle, line.variant_id)
        if line.product_exists is not False and line.title and url:
            found[product_id] = Recommendable(line.title, url)
    return found
