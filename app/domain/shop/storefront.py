"""Where a shop's buyers shop: its storefront's base URL, the same way for every platform.

Shop.domain is a bare host for Shopify (`laden.myshopify.com`) and the full store URL for
WooCommerce (`https://laden.example`, perhaps with a sub-directory; see
connectors/woocommerce/store_url.py). Every link to the shop (mails, buy again, product
pages) starts from here, so none can come out as `https://https://…`.
"""
from __future__ import annotations

from connectors import get_connector
from connectors.base import Connector, NotSupported
from connectors.links import web_link


def storefront_url(domain: str | None) -> str | None:
    """`https://<host>[/path]` without a trailing slash; None when the domain makes no safe link."""
    text = (domain or "").strip()
    if not text:
        return None
    if "://" not in text:
        text = f"https://{text}"
    return web_link(text.rstrip("/"))


def storefront_of(platform: str, domain: str | None) -> tuple[str, Connector] | None:
    """The storefront's base URL and the platform's connector, which knows its link shapes
    (product pages, buy again); None when either is missing."""
    base = storefront_url(domain)
    if base is None:
        return None
    try:
        return base, get_connector(platform)
    except NotSupported:
        return None
