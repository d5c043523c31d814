"""WooCommerce storefront addresses: a product's page from its id, and the companion plugin's
buy-again link. Pure."""
from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import quote, urlencode


def product_page(storefront: str, product_id: str, handle: str | None = None,
                 variant_id: str | None = None) -> str | None:
    """`?post_type=product&p=<id>`, which WordPress redirects to the product's permalink.
    `storefront`: the store's URL without a trailing slash."""
    return f"{storefront}/?post_type=product&p={quote(product_id, safe='')}"


def reorder_page(storefront: str, platform_order_id: str,
                 lines: Iterable[tuple[str | None, str | None, int]],
                 order_key: str | None = None) -> str | None:
    """`<storefront>/?aftersales_reorder=<order id>&key=<order key>`, served by the companion
    plugin, which refills the cart only when the key matches the order's; without a known key
    (the plugin would refuse it) or without a product line there is no link."""
    if not order_key or not any(product_id or variant_id for product_id, variant_id, _ in lines):
        return None
    query = urlencode({"aftersales_reorder": platform_order_id, "key": order_key})
    return f"{storefront}/?{query}"
