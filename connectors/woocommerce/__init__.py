"""The WooCommerce connector: webhook verification, identity and payload mapping."""
from __future__ import annotations

from connectors.base import DeliveryIdentity, IncomingRequest, ParsedEvent, Secrets, Verification
from connectors.woocommerce.mapping import parse_webhook
from connectors.woocommerce.webhooks import identify_delivery, verify_webhook


class WooCommerceConnector:
    platform = "woocommerce"

    def verify(self, request: IncomingRequest, secrets: Secrets) -> Verification:
        return verify_webhook(request, secrets)

    def identify(self, request: IncomingRequest) -> DeliveryIdentity:
        return identify_delivery(request)

    def parse(self, topic: str, body: bytes) -> ParsedEvent:
        return parse_webhook(topic, body)
