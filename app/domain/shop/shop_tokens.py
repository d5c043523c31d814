"""A usable Admin API token for a shop, refreshed before expiry by exactly one worker."""
from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.orm import Session

from app.domain.orders.facts_versions import FACTS_UNCHANGED
from app.models import Shop
from connectors.shopify.client import ReauthorizeRequired
from connectors.shopify.tokens import TokenSet

log = logging.getLogger(__name__)
REFRESH_MARGIN = timedelta(minutes=5)

Refresher = Callable[[Shop], TokenSet]


def needs_refresh(shop: Shop, now: datetime) -> bool:
    expires = shop.access_token_expires_at
    return shop.refresh_token is not None and expires is not None and expires - REFRESH_MARGIN <= now


def store_tokens(shop: Shop, tokens: TokenSet) -> None:
    """Store the access/refresh pair together: Shopify rotated the refresh token."""
    shop.access_token = tokens.access_token
    shop.access_token_expires_at = tokens.expires_at
    shop.refresh_token = tokens.refresh_token
    shop.refresh_token_expires_at = tokens.refresh_expires_at
    shop.scopes = tokens.scope or shop.scopes
    shop.needs_reauth_at = None


def fresh_access_token(session: Session, shop: Shop, now: datetime, refresher: Refresher) -> str:
    """Return a token valid for a while; refresh under a row lock when it is about to expire.

    The no-op UPDATE takes PostgreSQL's row lock (SQLite's write lock), so a second
    worker waits, then sees the stored new token instead of spending the refresh token
    a second time.
    """
    if shop.needs_reauth_at is not None:
        raise ReauthorizeRequired(f"shop {shop.id} needs the merchant to open the app again")
    if not needs_refresh(shop, now):
        return _held_token(shop)
    session.execute(update(Shop).where(Shop.id == shop.id).values(id=Shop.id)
                    .execution_options(**{FACTS_UNCHANGED: "a no-op update: the row lock"}))
    session.refresh(shop)
    if needs_refresh(shop, now):
        try:
            store_tokens(shop, refresher(shop))
            log.info("refreshed access token of shop %s", shop.id)
        except ReauthorizeRequired:
            shop.needs_reauth_at = now
            session.commit()
            log.warning("shop %s needs re-authorisation: refresh refused", shop.id)
            raise
    session.commit()
    return _held_token(shop)


def _held_token(shop: Shop) -> str:
    """The stored access token; none (an uninstalled shop's were forgotten) is a reauthorisation."""
    if shop.access_token is None:
        raise ReauthorizeRequired(f"shop {shop.id} holds no access token; the merchant must open the app")
    return shop.access_token
