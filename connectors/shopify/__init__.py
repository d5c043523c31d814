"""The Shopify connector: webhook verification, identity, payload mapping,
storefront links; its shop client is `connectors.shopify.admin.AdminClient`."""
from __future__ import annotations

from collections.abc import Iterable

from connectors.base import DeliveryIdentity, IncomingRequest, ParsedEvent, Secrets, Verification
from connectors.shopify.mapping import parse_webhook
from connectors.shopify.storefront_links import product_page, reorder_page
from connectors.shopify.webhooks import identify_delivery, verify_webhook


class ShopifyConnector:
    platform = "shopify"

    def verify(self, request: IncomingRequest, secrets: Secrets) -> Verification:
        return verify_webhook(request, secrets)

    def identify(self, request: IncomingRequest) -> DeliveryIdentity:
        return identify_delivery(request)

    def parse(self, topic: str, body: bytes) -> ParsedEvent:
        return parse_webhook(topic, body)

    def product_url(self, storefront: str, product_id: str, handle: str | None = None,
                    variant_id: str | None = None) -> str | None:
        return product_page(storefront, product_id, handle, variant_id)

    def reorder_url(self, storefront: str, platform_order_id: str,
                    lines: Iterable[tuple[str | None, str | None, int]],
                    order_key: str | None = None) -> str | None:
        return reorder_page(storefront, platform_order_id, lines, order_key)
