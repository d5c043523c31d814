"""Reconciliation: poll each shop for orders updated since its cursor and heal gaps.

Webhooks are hints: missing, duplicated or late. This job applies what the platform
says now through the same domain path, so a missed webhook heals within one interval.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from app.clients.platforms import shopify_admin
from app.domain.followups.sync import sync_followups
from app.domain.orders.order_events import apply_order_event
from app.extensions import db
from app.jobs.runtime import job
from app.models import Shop
from connectors.shopify.client import ReauthorizeRequired

log = logging.getLogger(__name__)
# Shopify's search index can lag a little behind writes: look back over the seam.
OVERLAP = timedelta(minutes=5)
COMMIT_EVERY = 50


def reconcile_job_id(shop_id: int) -> str:
    return f"reconcile-{shop_id}"


@job
def reconcile_shop(shop_id: int, since: datetime | None = None,
                   progress: Callable[[int], None] | None = None,
                   on_page: Callable[[int], None] | None = None) -> dict:
    """Apply every order updated since the shop's cursor (or `since`); advance the cursor.
    `progress(1)` after each order and `on_page(n)` before each page, for the command line."""
    now = datetime.now(timezone.utc)
    shop = db.session.get(Shop, shop_id)
    if shop is None or not shop.active or shop.platform != "shopify":
        return {"skipped": "shop gone, uninstalled or not reconcilable here"}
    start = since or (shop.reconciled_through or shop.installed_at) - OVERLAP
    try:
        admin = shopify_admin(shop, now)
    except ReauthorizeRequired as exc:
        return {"skipped": str(exc)}
    newest, applied = shop.reconciled_through, 0
    for event in admin.orders_updated_since(start, on_page):
        order = apply_order_event(db.session, shop, event, now)
        sync_followups(db.session, order, shop, now)
        if event.updated_at and (newest is None or event.updated_at > newest):
            newest = event.updated_at
        applied += 1
        if applied % COMMIT_EVERY == 0:
            shop.reconciled_through = newest
            db.session.commit()
        if progress:
            progress(1)
    shop.reconciled_through = newest
    db.session.commit()
    log.info("reconciled shop %s: %s order(s) since %s", shop_id, applied, start.isoformat())
    return {"applied": applied, "since": start.isoformat()}


def reconcilable_shops() -> list[int]:
    """The Shopify shops to reconcile: installed, authorised, with a token (the periodic
    table, app/jobs/periodic.py, enqueues `reconcile_shop` for each once per interval)."""
    return list(db.session.scalars(select(Shop.id).where(
        Shop.platform == "shopify", Shop.uninstalled_at.is_(None), Shop.needs_reauth_at.is_(None),
        Shop.access_token.is_not(None))))
