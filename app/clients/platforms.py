"""Platform clients built from the app's configuration, with a fresh token per shop."""
from __future__ import annotations

from datetime import datetime, timezone

from flask import current_app

from app.domain.shop.shop_tokens import fresh_access_token
from app.extensions import db
from app.models import Shop
from connectors.base import IssuedVoucher, NotSupported, VoucherRequest
from connectors.shopify.admin import AdminClient
from connectors.shopify.tokens import AppCredentials, refresh_tokens
from connectors.woocommerce.client import WooClient


def shopify_credentials() -> AppCredentials:
    config = current_app.config
    return AppCredentials(config["SHOPIFY_API_KEY"], config["SHOPIFY_API_SECRET"],
                          config.get("SHOPIFY_API_ORIGIN"))


def _refresh(shop: Shop):
    return refresh_tokens(shopify_credentials(), shop.domain, shop.refresh_token, shop.refresh_token_expires_at)


def shopify_admin(shop: Shop, now: datetime | None = None) -> AdminClient:
    """An Admin API client for the shop, refreshing its token first when due."""
    if shop.platform != "shopify":
        raise NotSupported(f"{shop.platform} has no Shopify Admin API")
    token = fresh_access_token(db.session, shop, now or datetime.now(timezone.utc), _refresh)
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


def woocommerce_delivery_url(shop: Shop) -> str:
    return f"{current_app.config['APP_URL']}/webhooks/woocommerce/{shop.shop_key}"


def _shopify_voucher(shop: Shop, request: VoucherRequest) -> IssuedVoucher:
    return shopify_admin(shop).create_voucher(request)


def _woocommerce_voucher(shop: Shop, request: VoucherRequest) -> IssuedVoucher:
    with woocommerce_client(shop) as client:
        return client.create_coupon(request)


VOUCHER_MAKERS = {"shopify": _shopify_voucher, "woocommerce": _woocommerce_voucher}


def create_voucher(shop: Shop, request: VoucherRequest) -> IssuedVoucher:
    """Create a single-use code on the shop's platform (raises the connector's errors)."""
    maker = VOUCHER_MAKERS.get(shop.platform)
    if maker is None:
        raise NotSupported(f"{shop.platform} cannot create vouchers")
    return maker(shop, request)
