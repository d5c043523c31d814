"""The WooCommerce side of `PlatformClient`: one store's orders, webhooks, catalogue, coupons.

REST order JSON goes straight through the webhook mapping's `order_event` (the REST API and
the order webhooks send the same order shape), so a polled order and a delivered one become
the same OrderEvent. Never imports flask or app.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from connectors.base import (
    CatalogueProduct,
    IgnoredEvent,
    IssuedVoucher,
    MalformedPayload,
    NotSupported,
    OrderEvent,
    OrderPage,
    VoucherRequest,
    WebhookRepair,
)
from connectors.payloads import SHAPE_ERRORS
from connectors.woocommerce.client import WooClient, WooCommerceApiError
from connectors.woocommerce.mapping import catalogue_product, order_event
from connectors.woocommerce.webhook_setup import ensure_webhooks


class WooCommerceShopClient:
    platform = "woocommerce"
    # Webhook-less saves and clock skew between the store and us: look back over the seam.
    overlap = timedelta(minutes=10)
    updates_in_order = False  # `orders` lists by date created, not by modification
    rereads_open_orders = True  # tracking plugins save their meta without any webhook
    refusal_disconnects = True  # revoked REST keys are the merchant's disconnect

    def __init__(self, rest: WooClient, app_name: str = "Aftersales"):
        self.rest = rest
        self.app_name = app_name

    def close(self) -> None:
        self.rest.close()

    def __enter__(self) -> WooCommerceShopClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def orders_updated_since(self, since: datetime, cursor: str | None = None) -> OrderPage:
        number = _page_number(cursor)
        payloads, more = self.rest.orders_modified_after(since, number)
        return OrderPage(tuple(_event(p) for p in payloads), str(number + 1) if more else None)

    def count_orders_updated_since(self, since: datetime) -> int:
        raise NotSupported("WooCommerce: orders are counted as the pages come")

    def orders_by_id(self, platform_order_ids: list[str]) -> list[OrderEvent | IgnoredEvent]:
        wanted = [i for i in platform_order_ids if i.isdigit()]
        return [_event(p) for p in self.rest.orders_by_id(wanted)]

    def ensure_webhooks(self, callback_url: str, secret: str,
                        stale_prefix: str | None = None) -> WebhookRepair:
        if not secret:
            raise WooCommerceApiError("shop has no webhook secret")
        return ensure_webhooks(self.rest, callback_url, secret, self.app_name, stale_prefix)

    def catalogue(self, product_ids: list[str]) -> list[CatalogueProduct]:
        wanted = set(product_ids)
        try:
            products = [catalogue_product(p) for p in self.rest.products(list(product_ids))]
        except SHAPE_ERRORS as exc:
            raise MalformedPayload(f"products: {type(exc).__name__}: {exc}") from exc
        return [p for p in products if p.platform_product_id in wanted]

    def create_voucher(self, request: VoucherRequest) -> IssuedVoucher:
        return self.rest.create_coupon(request)


def _page_number(cursor: str | None) -> int:
    if cursor is None:
        return 1
    if not cursor.isdigit() or int(cursor) < 1:
        raise ValueError(f"not a WooCommerce page cursor: {cursor!r}")
    return int(cursor)


def _event(payload) -> OrderEvent | IgnoredEvent:
    """One listed REST order; one that does not fit is ignored with the reason, not fatal."""
    try:
        if not isinstance(payload, dict):
            raise MalformedPayload(f"expected an order object, got {type(payload).__name__}")
        return order_event(payload)
    except (MalformedPayload, *SHAPE_ERRORS) as exc:
        order_id = payload.get("id") if isinstance(payload, dict) else None
        reason = f"order {order_id!r} malformed: {type(exc).__name__}: {exc}"
        return IgnoredEvent(reason=reason[:300])
