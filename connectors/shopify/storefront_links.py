"""Shopify storefront addresses: a product's page from what an order line knows. Pure."""
from __future__ import annotations

from urllib.parse import quote


def product_page(storefront: str, product_id: str, handle: str | None = None,
                 variant_id: str | None = None) -> str | None:
    """/products/<handle>, else the variant's address (/variants/<id>, which the storefront
    forwards to its product); None with neither. `storefront`: https://<host>, no slash."""
    if handle:
        return f"{storefront}/products/{quote(handle, safe='')}"
    return f"{storefront}/variants/{quote(variant_id, safe='')}" if variant_id else None
