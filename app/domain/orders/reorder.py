"""Buy again: a link that puts the same items back into the shop's cart.

The link's shape is the platform's (the connector's `reorder_url`: Shopify's cart permalink,
the WooCommerce companion plugin's refill link); this starts it from the shop's storefront.
"""
from __future__ import annotations

from collections.abc import Iterable

from app.domain.shop.storefront import storefront_of


def reorder_url(platform: str, domain: str, platform_order_id: str,
                lines: Iterable[tuple[str | None, str | None, int]],
                order_key: str | None = None) -> str | None:
    """The buy-again link for an order; lines are (product id, variant id, quantity)."""
    found = storefront_of(platform, domain)
    if found is None:
        return None
    base, connector = found
    return connector.reorder_url(base, platform_order_id, list(lines), order_key)
