"""Checkout and customer-account UI extension session tokens, verified by `shopifyapp`."""
from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field

import shopify_app

from connectors.base import IncomingRequest, Secrets

CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Headers": "Authorization, Content-Type",
    "Access-Control-Max-Age": "7200",
}


@dataclass(frozen=True)
class ExtensionSession:
    """A verified extension request, or the response to give when it is not one."""

    ok: bool
    status: int
    reason: str
    shop_domain: str | None = None
    customer_id: str | None = None  # only for a logged-in buyer (`sub` claim)
    headers: dict = field(default_factory=dict)
    expires_at: float | None = None  # the token's `exp`


class _VerifiedTokens:
    """Tokens shopifyapp accepted, kept until their `exp`: an extension sends the same token
    with every call for a minute, and the same bytes verify the same way until then."""

    def __init__(self, max_entries: int = 10_000) -> None:
        self._entries: OrderedDict[tuple, tuple[float, ExtensionSession]] = OrderedDict()
        self._max = max_entries
        self._lock = threading.Lock()

    def get(self, key: tuple, now: float) -> ExtensionSession | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry[0] <= now:
                return None
            return entry[1]

    def put(self, key: tuple, expires_at: float, session: ExtensionSession) -> None:
        with self._lock:
            self._entries[key] = (expires_at, session)
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)


_verified = _VerifiedTokens()


def verify_extension_request(request: IncomingRequest, client_id: str, secrets: Secrets,
                             clock=time.time) -> ExtensionSession:
    """HS256 with the client secret (old one too), aud = client id, shop from `dest`."""
    token = next((v for k, v in request.headers.items() if k.lower() == "authorization"), "")
    key = (token, client_id, secrets.current, secrets.previous)
    if request.method != "OPTIONS" and token and (known := _verified.get(key, clock())) is not None:
        return known
    session = _verify(request, client_id, secrets)
    expires_at = session.expires_at
    if session.ok and token and isinstance(expires_at, (int, float)):
        _verified.put(key, float(expires_at), session)
    return session


def _verify(request: IncomingRequest, client_id: str, secrets: Secrets) -> ExtensionSession:
    result = shopify_app.verify_checkout_ui_ext_req(
        {"method": request.method, "headers": dict(request.headers), "url": request.url,
         "body": request.body.decode("utf-8", errors="replace")},
        {"client_id": client_id, "client_secret": secrets.current,
         "old_client_secret": secrets.previous[0] if secrets.previous else None},
    )
    headers = {**CORS_HEADERS, **result.response.headers}
    if not result.ok:
        return ExtensionSession(False, result.response.status, result.log.code, headers=headers)
    claims = result.id_token.claims
    sub = claims.get("sub")
    customer = sub.rsplit("/", 1)[-1] if isinstance(sub, str) and sub.startswith("gid://shopify/Customer/") else None
    return ExtensionSession(True, 200, "verified", shop_domain=f"{result.shop}.myshopify.com",
                            customer_id=customer, headers=headers, expires_at=claims.get("exp"))


def order_id_from_gid(value: str | None) -> str | None:
    """`gid://shopify/OrderIdentity/N`, `gid://shopify/Order/N` or `N` → `N`; else None."""
    if not value:
        return None
    tail = value.rsplit("/", 1)[-1] if value.startswith("gid://shopify/Order") else value
    return tail if tail.isdigit() else None
