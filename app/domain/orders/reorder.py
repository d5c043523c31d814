"""Buy again: a link that puts the same items back into the shop's cart.

Shopify: the cart permalink `https://<shop>/cart/<variant>:<qty>,…` (lines without a variant,
such as removed products or custom items, are left out; repeated variants are summed).
WooCommerce: `<shop url>/?aftersales_reorder=<order id>&key=<order key>`, served by the
companion plugin, which refills the cart only when the key matches the order's; without a
known key there is no link (the plugin would refuse it).
"""
from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlencode

from app.domain.shop.storefront import storefront_url


def shopify_cart_url(domain: str, lines: Iterable[tuple[str | None, int]]) -> str | None:
    """The cart permalink for (variant id, quantity) pairs; None when nothing can be re-added."""
    quantities: dict[str, int] = {}
    for variant_id, quantity in lines:
        if variant_id and quantity and quantity > 0:
            quantities[variant_id] = quantities.get(variant_id, 0) + quantity
    if not quantities:
        return None
    items = ",".join(f"{variant}:{qty}" for variant, qty in quantities.items())
    base = storefront_url(domain)
    return f"{base}/cart/{items}" if base else None


def woocommerce_reorder_url(shop_url: str, platform_order_id: str, order_key: str) -> str | None:
    query = urlencode({"aftersales_reorder": platform_order_id, "key": order_key})
    base = storefront_url(shop_url)
    return f"{base}/?{query}" if base else None


def reorder_url(platform: str, domain: str, platform_order_id: str,
                lines: Iterable[tuple[str | None, str | None, int]], order_key: str | None = None) -> str | None:
    """The buy-again link for an order; lines are (product id, variant id, quantity)."""
    lines = [line for line in lines if line[0] or line[1]]
    if platform == "shopify":
        return shopify_cart_url(domain, ((variant, qty) for _, variant, qty in lines))
    if platform == "woocommerce" and lines and order_key:
        return woocommerce_reorder_url(domain, platform_order_id, order_key)
    return None
