"""WooCommerce storefront addresses: a product's page from its id. Pure."""
from __future__ import annotations

from urllib.parse import quote


def product_page(storefront: str, product_id: str, handle: str | None = None,
                 variant_id: str | None = None) -> str | None:
    """`?post_type=product&p=<id>`, which WordPress redirects to the product's permalink.
    `storefront`: the store's URL without a trailing slash."""
    return f"{storefront}/?post_type=product&p={quote(product_id, safe='')}"
