"""Shopify storefront addresses: a product's page from what an order line knows, and the
cart permalink that buys an order again. Pure."""
from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import quote


def product_page(storefront: str, product_id: str, handle: str | None = None,
                 variant_id: str | None = None) -> str | None:
    """/products/<handle>, else the variant's address (/variants/<id>, which the storefront
    forwards to its product); None with neither. `storefront`: https://<host>, no slash."""
    if handle:
        return f"{storefront}/products/{quote(handle, safe='')}"
    return f"{storefront}/variants/{quote(variant_id, safe='')}" if variant_id else None


def reorder_page(storefront: str, platform_order_id: str,
                 lines: Iterable[tuple[str | None, str | None, int]],
                 order_key: str | None = None) -> str | None:
    """The cart permalink `<storefront>/cart/<variant>:<qty>,…` for (product id, variant id,
    quantity) lines; lines without a variant (removed products, custom items) are left out,
    repeated variants summed; None when nothing can be re-added."""
    quantities: dict[str, int] = {}
    for _product_id, variant_id, quantity in lines:
        if variant_id and quantity and quantity > 0:
            quantities[variant_id] = quantities.get(variant_id, 0) + quantity
    if not quantities:
        return None
    items = ",".join(f"{variant}:{qty}" for variant, qty in quantities.items())
    return f"{storefront}/cart/{items}"
