"""Reconciliation: poll each shop for orders updated since its cursor and heal gaps.

Webhooks are hints: missing, duplicated or late (WooCommerce never retries one and disables
a webhook after more than 5 failures; tracking plugins save their meta without any). So per
shop, every interval, through the shop's `PlatformClient` (app/clients/platforms.py), the
same for every platform:
- apply every order updated since the cursor through the same domain entry as the webhooks
  (`apply_events`, a page at a time);
- where the platform can change an order silently (`rereads_open_orders`), re-read recent
  orders that still have no parcel;
- make our webhooks exist and deliver, where the app registers them (`ensure_webhooks`);
- record the outcome on the shop (`sync_health`, `last_synced_at`).
A backfill (`since` given, the command line's) only loads orders.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import TypeGuard

import httpx
from sqlalchemy import or_, select

from app.clients.platforms import client_for, webhook_prefix, webhook_url
from app.domain.orders.events import apply_events
from app.domain.privacy.lifecycle import uninstall_shop
from app.extensions import db
from app.jobs.runtime import job
from app.models import Order, Shop
from connectors.base import (
    AccessRefused,
    AddressRefused,
    ConnectorError,
    IgnoredEvent,
    NotSupported,
    ParsedEvent,
    PlatformClient,
    WebhookRepair,
)

log = logging.getLogger(__name__)
# Orders without a parcel are re-read for this long after they were placed…
OPEN_ORDER_WINDOW = timedelta(days=30)
# …at most this many per pass (newest first).
OPEN_ORDER_LIMIT = 500
SKIPPED = {"skipped": "shop gone, disconnected or without keys"}
# What a platform call can fail with besides a refusal: errors, malformed answers, the network.
PLATFORM_FAILURES = (ConnectorError, httpx.HTTPError, OSError)


def reconcile_job_id(shop_id: int) -> str:
    return f"reconcile-{shop_id}"


def webhook_setup_job_id(shop_id: int) -> str:
    return f"webhooks-{shop_id}"


@job
def reconcile_shop(shop_id: int, since: datetime | None = None,
                   progress: Callable[[int], None] | None = None,
                   on_page: Callable[[int], None] | None = None) -> dict:
    """Apply every order updated since the shop's cursor (or `since`, a backfill: orders
    only, and the cursor only moves forward), then heal what the platform lets us heal.
    `progress(1)` after each order and `on_page(n)` before each page, for the command line."""
    now = datetime.now(timezone.utc)
    shop = db.session.get(Shop, shop_id)
    if not _reconcilable(shop):
        return dict(SKIPPED)
    try:
        client = client_for(shop, now)
    except NotSupported:
        return dict(SKIPPED)
    except AccessRefused as exc:  # a Shopify token that can no longer be renewed (marked)
        return {"skipped": str(exc)}
    try:
        with client:
            start = since or (shop.reconciled_through or shop.installed_at or now) - client.overlap
            applied, seen = _apply_updated(client, shop, start, now, progress, on_page)
            result = {"applied": applied, "since": start.isoformat()}
            if since is not None:
                return result
            rechecked = _recheck_open_orders(client, shop, seen, now)
            repair = _ensure_webhooks(client, shop)
    except AccessRefused as exc:
        return _access_refused(shop_id, client, exc, now)
    except PLATFORM_FAILURES as exc:
        db.session.rollback()
        if since is not None:
            return {"error": failure_health("store_unreachable", exc)}
        shop = db.session.get(Shop, shop_id)
        if shop is None:  # deleted while we asked its platform
            return dict(SKIPPED)
        shop.sync_health = failure_health("store_unreachable", exc)
        shop.last_synced_at = now
        db.session.commit()
        log.warning("reconciliation of shop %s failed: %s", shop_id, exc)
        return {"error": shop.sync_health}
    verdict = "healed" if repair.changed else "ok"
    shop.sync_health = (f"{verdict}: {applied} polled, {rechecked} rechecked; "
                        f"webhooks {repair.summary()}")[:255]
    shop.last_synced_at = now
    db.session.commit()
    log.info("reconciled shop %s: %s order(s) since %s", shop_id, applied, start.isoformat())
    return {**result, "rechecked": rechecked, "created": repair.created,
            "reenabled": repair.reenabled}


@job
def setup_webhooks(shop_id: int) -> dict:
    """Create (or repair) the shop's webhooks; runs right after WooCommerce's key handshake."""
    now = datetime.now(timezone.utc)
    shop = db.session.get(Shop, shop_id)
    if not _reconcilable(shop):
        return dict(SKIPPED)
    try:
        with client_for(shop, now) as client:
            try:
                repair = _ensure_webhooks(client, shop)
            except AccessRefused as exc:
                return _access_refused(shop_id, client, exc, now)
    except NotSupported:
        return dict(SKIPPED)
    shop.sync_health = f"ok: webhooks {repair.summary()}"[:255]
    db.session.commit()
    return {"created": repair.created, "reenabled": repair.reenabled, "healthy": repair.healthy}


def _reconcilable(shop: Shop | None) -> TypeGuard[Shop]:
    return shop is not None and shop.active and shop.needs_reauth_at is None


def _apply_updated(client: PlatformClient, shop: Shop, start: datetime, now: datetime,
                   progress: Callable[[int], None] | None,
                   on_page: Callable[[int], None] | None) -> tuple[int, set[str]]:
    """Apply every order updated since `start`, page by page, one commit per page.

    The cursor moves after each page when the platform lists oldest update first, else
    once all pages are in; never past now (a store's clock may run ahead).
    """
    newest, applied, seen, cursor, number = shop.reconciled_through, 0, set(), None, 0
    while True:
        number += 1
        if on_page:
            on_page(number)
        page = client.orders_updated_since(start, cursor)
        listed: list[tuple[Shop, ParsedEvent]] = []
        for event in page.events:
            if isinstance(event, IgnoredEvent):
                log.info("shop %s: listed order left out: %s", shop.id, event.reason)
            else:
                listed.append((shop, event))
                seen.add(event.platform_order_id)
                if event.updated_at and (newest is None or event.updated_at > newest):
                    newest = event.updated_at
        apply_events(db.session(), listed, now)  # the page as one batch, as a drain applies deliveries
        applied += len(page.events)
        if progress:
            for _event in page.events:
                progress(1)
        if client.updates_in_order:
            shop.reconciled_through = _not_after(newest, now)
        db.session.commit()
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    shop.reconciled_through = _not_after(newest, now)
    db.session.commit()
    return applied, seen


def _not_after(moment: datetime | None, now: datetime) -> datetime | None:
    return min(moment, now) if moment else moment


def _recheck_open_orders(client: PlatformClient, shop: Shop, seen: set[str], now: datetime) -> int:
    """Re-read recent orders with no parcel yet, where changes can land silently."""
    if not client.rereads_open_orders:
        return 0
    ids = db.session.scalars(
        select(Order.platform_order_id).where(
            Order.shop_id == shop.id, Order.cancelled_at.is_(None), Order.refunded_at.is_(None),
            Order.placed_at >= now - OPEN_ORDER_WINDOW, ~Order.shipments.any())
        .order_by(Order.placed_at.desc()).limit(OPEN_ORDER_LIMIT)).all()
    events = client.orders_by_id([i for i in ids if i not in seen])
    apply_events(db.session(), [(shop, event) for event in events], now)
    db.session.commit()
    return len(events)


def _ensure_webhooks(client: PlatformClient, shop: Shop) -> WebhookRepair:
    """Our webhooks in the shop; an empty repair where the platform takes them from the
    app's configuration (Shopify)."""
    try:
        return client.ensure_webhooks(webhook_url(shop), shop.webhook_secret or "",
                                      stale_prefix=webhook_prefix(shop))
    except NotSupported:
        return WebhookRepair()


def failure_health(kind: str, exc: Exception) -> str:
    """`kind: <fixed phrase>` with at most the HTTP status. Never the platform's answer: a
    store address pointing at someone else's server would make sync_health a read oracle."""
    status = getattr(exc, "status", None)
    if isinstance(exc, AddressRefused):
        return f"{kind}: the store's address is not public"
    if status and status >= 400:
        return f"{kind}: HTTP {status}"
    if status:
        return f"{kind}: unexpected answer (HTTP {status})"
    return f"{kind}: no answer"


def _access_refused(shop_id: int, client: PlatformClient, exc: AccessRefused,
                    now: datetime) -> dict:
    """A refused credential stops the shop's work until the merchant acts. Where that is the
    merchant's disconnect (WooCommerce's revoked keys), also cancel planned mail and forget the
    keys; the shop's data goes after the grace period unless the merchant connects again."""
    db.session.rollback()
    shop = db.session.get(Shop, shop_id)
    if shop is None:  # deleted while we asked its platform
        return dict(SKIPPED)
    if client.refusal_disconnects:
        uninstall_shop(db.session(), shop, now)
        shop.api_key = shop.api_secret = None
    shop.needs_reauth_at = now
    shop.sync_health = failure_health("keys_refused", exc)
    shop.last_synced_at = now
    db.session.commit()
    log.warning("shop %s refused our credentials: %s", shop_id, exc)
    return {"error": "keys_refused"}


def reconcilable_shops() -> list[int]:
    """The shops to reconcile: installed, authorised, with credentials (the periodic table,
    app/jobs/periodic.py, enqueues `reconcile_shop` for each once per interval)."""
    return list(db.session.scalars(select(Shop.id).where(
        Shop.uninstalled_at.is_(None), Shop.needs_reauth_at.is_(None),
        or_(Shop.access_token.is_not(None), Shop.api_key.is_not(None)))))
