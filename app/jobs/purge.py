"""Delete what uninstalled shops left behind, once their grace period is over.

Shopify sends shop/redact 48 hours after an uninstall; WooCommerce sends nothing, so a
disconnected store (plugin deleted, keys revoked) is purged here. Reconnecting within the
grace period clears `redact_after` and keeps everything.
"""
from __future__ import annotations

import logging
from datetime import datetime, timezone

from sqlalchemy import select

from app.domain.lifecycle import redact_shop
from app.extensions import db
from app.models import Shop

log = logging.getLogger(__name__)


def purge_disconnected_shops(now: datetime | None = None, limit: int = 20) -> int:
    now = now or datetime.now(timezone.utc)
    shops = db.session.scalars(select(Shop).where(
        Shop.uninstalled_at.is_not(None), Shop.redact_after.is_not(None), Shop.redact_after <= now,
    ).limit(limit)).all()
    for shop in shops:
        log.info("purging shop %s: uninstalled %s, grace over", shop.id, shop.uninstalled_at)
        redact_shop(db.session, shop)
        db.session.commit()
    return len(shops)
