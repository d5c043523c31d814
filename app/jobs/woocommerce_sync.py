"""WooCommerce self-healing: webhook setup, and the periodic poll + webhook health check.

WooCommerce never retries a delivery and disables a webhook after more than 5 failures;
tracking plugins save their meta without any webhook. So per shop, every interval:
poll `GET /orders?modified_after=<cursor>` through the same mapping and domain path as
the webhooks, re-read recent orders that still have no parcel (meta-only saves need not
move `date_modified`), re-enable or recreate our webhooks, and record the shop's health.
"""
from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

from flask import current_app
from sqlalchemy import select

from app.clients.platforms import woocommerce_client, woocommerce_delivery_url
from app.domain.orders.events import apply_event
from app.domain.privacy.lifecycle import uninstall_shop
from app.extensions import db
from app.jobs.runtime import job
from app.models import Order, Shop
from connectors.base import MalformedPayload
from connectors.woocommerce.client import KeysRefused, StoreAddressRefused, WooClient, WooCommerceApiError
from connectors.woocommerce.mapping import parse_webhook
from connectors.woocommerce.webhook_setup import ensure_webhooks

log = logging.getLogger(__name__)
# Webhook-less saves and clock skew between the store and us: look back over the seam.
OVERLAP = timedelta(minutes=10)
# Orders without a parcel are re-read for this long after they were placed…
OPEN_ORDER_WINDOW = timedelta(days=30)
# …at most this many per pass (newest first).
OPEN_ORDER_LIMIT = 500
COMMIT_EVERY = 50


def sync_job_id(shop_id: int) -> str:
    return f"wc-sync-{shop_id}"


def webhook_setup_job_id(shop_id: int) -> str:
    return f"wc-webhooks-{shop_id}"


def _syncable(shop: Shop | None) -> bool:
    return (shop is not None and shop.platform == "woocommerce" and shop.active
            and shop.needs_reauth_at is None and bool(shop.api_key and shop.api_secret))


SKIPPED = {"skipped": "shop gone, disconnected or without keys"}


@job
def setup_woocommerce_webhooks(shop_id: int) -> dict:
    """Create (or repair) the shop's order webhooks; runs right after the key handshake."""
    now = datetime.now(timezone.utc)
    shop = db.session.get(Shop, shop_id)
    if not _syncable(shop):
        return dict(SKIPPED)
    try:
        with woocommerce_client(shop) as client:
            repair = _ensure(client, shop)
    except KeysRefused as exc:
        return _keys_refused(shop, exc, now)
    shop.sync_health = f"ok: webhooks {repair.summary()}"[:255]
    db.session.commit()
    return {"created": repair.created, "reenabled": repair.reenabled, "healthy": repair.healthy}


@job
def sync_woocommerce_shop(shop_id: int, progress: Callable[[int], None] | None = None,
                          on_page: Callable[[int], None] | None = None) -> dict:
    """Poll, heal and check one WooCommerce shop; the outcome is recorded on the shop.
    `progress(1)` after each polled order and `on_page(n)` before each page, for the command line."""
    now = datetime.now(timezone.utc)
    shop = db.session.get(Shop, shop_id)
    if not _syncable(shop):
        return dict(SKIPPED)
    try:
        with woocommerce_client(shop) as client:
            polled, seen = _poll_modified(client, shop, now, progress=progress, on_page=on_page)
            rechecked = _recheck_open_orders(client, shop, seen, now)
            repair = _ensure(client, shop)
    except KeysRefused as exc:
        return _keys_refused(shop, exc, now)
    except WooCommerceApiError as exc:
        db.session.rollback()
        shop = db.session.get(Shop, shop_id)
        shop.sync_health = failure_health("store_unreachable", exc)
        shop.last_synced_at = now
        db.session.commit()
        log.warning("WooCommerce sync of shop %s failed: %s", shop_id, exc)
        return {"error": shop.sync_health}
    verdict = "healed" if repair.changed else "ok"
    shop.sync_health = f"{verdict}: {polled} polled, {rechecked} rechecked; webhooks {repair.summary()}"[:255]
    shop.last_synced_at = now
    db.session.commit()
    return {"polled": polled, "rechecked": rechecked, "created": repair.created,
            "reenabled": repair.reenabled}


@job
def backfill_woocommerce_shop(shop_id: int, since: datetime, progress: Callable[[int], None] | None = None,
                              on_page: Callable[[int], None] | None = None) -> dict:
    """Apply every order modified since `since` (the command line's backfill); the cursor only
    moves forward. Webhooks and open orders are the periodic sync's."""
    now = datetime.now(timezone.utc)
    shop = db.session.get(Shop, shop_id)
    if not _syncable(shop):
        return dict(SKIPPED)
    try:
        with woocommerce_client(shop) as client:
            applied, _seen = _poll_modified(client, shop, now, since, progress, on_page)
    except KeysRefused as exc:
        return _keys_refused(shop, exc, now)
    except WooCommerceApiError as exc:
        db.session.rollback()
        return {"error": failure_health("store_unreachable", exc)}
    return {"applied": applied, "since": since.isoformat()}


def _ensure(client: WooClient, shop: Shop):
    if not shop.webhook_secret:
        raise WooCommerceApiError("shop has no webhook secret")
    return ensure_webhooks(client, woocommerce_delivery_url(shop), shop.webhook_secret,
                           current_app.config.get("WOOCOMMERCE_APP_NAME", "Aftersales"),
                           stale_prefix=f"{current_app.config['APP_URL']}/webhooks/woocommerce/")


def _poll_modified(client: WooClient, shop: Shop, now: datetime, since: datetime | None = None,
                   progress: Callable[[int], None] | None = None,
                   on_page: Callable[[int], None] | None = None) -> tuple[int, set[str]]:
    """Apply every order modified since the cursor (or `since`); advance it only after the last page.

    The list is not ordered by modification, so the cursor moves once all pages are in.
    """
    start = since or (shop.reconciled_through or shop.installed_at or now) - OVERLAP
    newest, applied, seen = shop.reconciled_through, 0, set()
    for payload in client.orders_modified_after(start, on_page):
        updated = _apply_payload(shop, payload, now)
        seen.add(str(payload.get("id")))
        if updated and (newest is None or updated > newest):
            newest = updated
        applied += 1
        if applied % COMMIT_EVERY == 0:
            db.session.commit()
        if progress:
            progress(1)
    shop.reconciled_through = min(newest, now) if newest else newest
    db.session.commit()
    return applied, seen


def _recheck_open_orders(client: WooClient, shop: Shop, seen: set[str], now: datetime) -> int:
    """Re-read recent orders with no parcel yet: tracking meta may have arrived silently."""
    ids = db.session.scalars(
        select(Order.platform_order_id).where(
            Order.shop_id == shop.id, Order.cancelled_at.is_(None), Order.refunded_at.is_(None),
            Order.placed_at >= now - OPEN_ORDER_WINDOW, ~Order.shipments.any())
        .order_by(Order.placed_at.desc()).limit(OPEN_ORDER_LIMIT)).all()
    wanted = [i for i in ids if i not in seen and i.isdigit()]
    count = 0
    for payload in client.orders_by_id(wanted):
        _apply_payload(shop, payload, now)
        count += 1
    db.session.commit()
    return count


def _apply_payload(shop: Shop, payload: dict, now: datetime) -> datetime | None:
    """One REST order through the webhook mapping and the domain; its modification time."""
    try:
        event = parse_webhook("order.updated", json.dumps(payload).encode())
    except MalformedPayload as exc:
        log.warning("shop %s: polled order %r skipped: %s", shop.id, payload.get("id"), exc)
        return None
    apply_event(db.session, shop, event, now)
    return getattr(event, "updated_at", None)


def failure_health(kind: str, exc: WooCommerceApiError) -> str:
    """`kind: <fixed phrase>` with at most the HTTP status. Never the store's answer: a
    store address pointing at someone else's server would make sync_health a read oracle."""
    if isinstance(exc, StoreAddressRefused):
        return f"{kind}: the store's address is not public"
    if exc.status and exc.status >= 400:
        return f"{kind}: HTTP {exc.status}"
    if exc.status:
        return f"{kind}: unexpected answer (HTTP {exc.status})"
    return f"{kind}: no answer"


def _keys_refused(shop: Shop, exc: WooCommerceApiError, now: datetime) -> dict:
    """Revoked keys are a disconnect: stop all work and cancel planned mail; the shop's data
    goes after the grace period unless the merchant connects again before it ends."""
    db.session.rollback()
    shop = db.session.get(Shop, shop.id)
    uninstall_shop(db.session, shop, now)
    shop.api_key = shop.api_secret = None
    shop.needs_reauth_at = now
    shop.sync_health = failure_health("keys_refused", exc)
    shop.last_synced_at = now
    db.session.commit()
    log.warning("WooCommerce shop %s refused our keys: %s", shop.id, exc)
    return {"error": "keys_refused"}


def syncable_shops() -> list[int]:
    """The connected WooCommerce shops to sync (the periodic table, app/jobs/periodic.py,
    enqueues `sync_woocommerce_shop` for each once per interval)."""
    return list(db.session.scalars(select(Shop.id).where(
        Shop.platform == "woocommerce", Shop.uninstalled_at.is_(None), Shop.needs_reauth_at.is_(None),
        Shop.api_key.is_not(None))))
