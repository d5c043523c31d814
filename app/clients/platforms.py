"""Platform clients built from the app's configuration, with a fresh token per shop.

`client_for(shop)` is the one way in: it answers the shop's `PlatformClient`
(connectors/base.py) whatever its platform; the builders below know each platform's
credentials and settings.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone

from flask import current_app

from app.domain.shop.shop_tokens import fresh_access_token
from app.extensions import db
from app.models import Shop
from connectors.base import IssuedVoucher, NotSupported, PlatformClient, VoucherRequest
from connectors.shopify.admin import AdminClient
from connectors.shopify.client import ReauthorizeRequired
from connectors.shopify.tokens import AppCredentials, refresh_tokens
from connectors.woocommerce.client import WooClient
from connectors.woocommerce.shop_client import WooCommerceShopClient


def shopify_credentials() -> AppCredentials:
    config = current_app.config
    return AppCredentials(config["SHOPIFY_API_KEY"], config["SHOPIFY_API_SECRET"],
                          config.get("SHOPIFY_API_ORIGIN"))


def _refresh(shop: Shop):
    if shop.refresh_token is None:  # needs_refresh asks for one before calling this
        raise ReauthorizeRequired(f"shop {shop.id} holds no refresh token")
    return refresh_tokens(shopify_credentials(), shop.domain, shop.refresh_token,
                          shop.refresh_token_expires_at)


def shopify_admin(shop: Shop, now: datetime | None = None) -> AdminClient:
    """An Admin API client for the shop, refreshing its token first when due."""
    if shop.platform != "shopify":
        raise NotSupported(f"{shop.platform} has no Shopify Admin API")
    token = fresh_access_token(db.session(), shop, now or datetime.now(timezone.utc), _refresh)
    return AdminClient(shop.domain, token, current_app.config.get("SHOPIFY_API_ORIGIN"))


def woocommerce_loopback_allowed() -> bool:
    """Stores on loopback addresses (plain http, any port): tests, debug, or switched on."""
    return bool(current_app.testing or current_app.debug
                or current_app.config.get("WOOCOMMERCE_ALLOW_LOOPBACK_HTTP"))


def woocommerce_client(shop: Shop) -> WooClient:
    """A REST v3 client for the store with its stored (decrypted) keys."""
    if shop.platform != "woocommerce" or not (shop.api_key and shop.api_secret):
        raise NotSupported(f"shop {shop.id} has no WooCommerce REST keys")
    return WooClient(shop.domain, shop.api_key, shop.api_secret,
                     verify=current_app.config.get("WOOCOMMERCE_TLS_VERIFY", True),
                     allow_loopback=woocommerce_loopback_allowed())


def woocommerce_shop_client(shop: Shop, now: datetime | None = None) -> WooCommerceShopClient:
    return WooCommerceShopClient(woocommerce_client(shop),
                                 current_app.config.get("WOOCOMMERCE_APP_NAME", "Aftersales"))


CLIENT_BUILDERS: dict[str, Callable[[Shop, datetime | None], PlatformClient]] = {
    "shopify": shopify_admin, "woocommerce": woocommerce_shop_client}


def client_for(shop: Shop, now: datetime | None = None) -> PlatformClient:
    """The shop's platform client; NotSupported without a platform client or credentials,
    AccessRefused when a Shopify token can no longer be renewed. Close it after use."""
    build = CLIENT_BUILDERS.get(shop.platform)
    if build is None:
        raise NotSupported(f"{shop.platform} has no platform client")
    return build(shop, now)


def webhook_url(shop: Shop) -> str:
    """Where the platform delivers this shop's webhooks when the app registers them."""
    return f"{webhook_prefix(shop)}{shop.shop_key}"


def webhook_prefix(shop: Shop) -> str:
    """The start of every shop's webhook address on this platform (earlier connections' too)."""
    return f"{current_app.config['APP_URL']}/webhooks/{shop.platform}/"


def create_voucher(shop: Shop, request: VoucherRequest) -> IssuedVoucher:
    """Create a single-use code on the shop's platform (raises the connector's errors)."""
    with client_for(shop) as client:
        return client.create_voucher(request)
