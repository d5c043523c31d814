"""HTTP to Shopify: one httpx client per use, optionally pointed at another origin.

`SHOPIFY_API_ORIGIN` (tests and local demos only) sends every call that would go to
https://<shop>.myshopify.com to that origin instead, keeping path, query and the Host
header, so a fake server can tell the shops apart.
"""
from __future__ import annotations

import httpx

from connectors.base import AccessRefused, ConnectorError

API_VERSION = "2026-10"
TIMEOUT = httpx.Timeout(10.0, connect=5.0)


class ShopifyApiError(ConnectorError):
    """Shopify answered with an error we cannot act on."""


class ReauthorizeRequired(ShopifyApiError, AccessRefused):
    """The stored token was refused; the merchant must open the app again."""


class OriginOverride(httpx.BaseTransport):
    """Rewrite scheme, host and port of every request to a fixed origin."""

    def __init__(self, origin: str, inner: httpx.BaseTransport | None = None):
        self.origin = httpx.URL(origin)
        self.inner = inner or httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.url = request.url.copy_with(
            scheme=self.origin.scheme, host=self.origin.host, port=self.origin.port)
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


def http_client(origin: str | None = None) -> httpx.Client:
    """A client for Shopify calls; `origin` overrides where they go (tests, demos)."""
    transport = OriginOverride(origin) if origin else None
    return httpx.Client(transport=transport, timeout=TIMEOUT)


def shop_name(domain: str) -> str:
    """`x.myshopify.com` → `x`, the form shopifyapp's helpers take."""
    return domain.removesuffix(".myshopify.com")
