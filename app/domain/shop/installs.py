"""Installing a Shopify shop: create or revive its row and store its tokens."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.shop.shop_tokens import store_tokens
from app.models import Shop
from connectors.shopify.tokens import TokenSet


def find_shopify_shop(session: Session, domain: str) -> Shop | None:
    return session.scalars(select(Shop).where(Shop.platform == "shopify", Shop.domain == domain)).first()


def needs_tokens(shop: Shop | None) -> bool:
    return shop is None or shop.access_token is None or shop.needs_reauth_at is not None or not shop.active


def install_shopify_shop(session: Session, domain: str, tokens: TokenSet, now: datetime) -> Shop:
    """Store fresh tokens; a shop that was uninstalled comes back with its settings."""
    shop = find_shopify_shop(session, domain)
    if shop is None:
        shop = Shop(platform="shopify", domain=domain, name=domain.removesuffix(".myshopify.com"),
                    installed_at=now)
        session.add(shop)
    if not shop.active:
        shop.uninstalled_at = shop.redact_after = None
        shop.installed_at = now
    store_tokens(shop, tokens)
    return shop
