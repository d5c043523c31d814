"""Registry of platform connectors, looked up by platform name."""
from __future__ import annotations

from connectors.base import Connector, NotSupported
from connectors.shopify import CONNECTOR as SHOPIFY
from connectors.woocommerce import CONNECTOR as WOOCOMMERCE

REGISTRY: dict[str, Connector] = {c.platform: c for c in (SHOPIFY, WOOCOMMERCE)}


def get_connector(platform: str) -> Connector:
    try:
        return REGISTRY[platform]
    except KeyError:
        raise NotSupported(f"no connector for platform {platform!r}") from None
