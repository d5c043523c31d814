"""Registry of platform connectors, looked up by platform name."""
from __future__ import annotations

from connectors.base import Connector, NotSupported
from connectors.shopify import ShopifyConnector
from connectors.woocommerce import WooCommerceConnector

REGISTRY: dict[str, Connector] = {
    "shopify": ShopifyConnector(),
    "woocommerce": WooCommerceConnector(),
}


def get_connector(platform: str) -> Connector:
    try:
        return REGISTRY[platform]
    except KeyError:
        raise NotSupported(f"no connector for platform {platform!r}") from None
