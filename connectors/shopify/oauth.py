"""The authorization-code grant, kept as a fallback to managed install + token exchange.

Query HMAC as Shopify computes it (ShopifyAPI `shopify/session.py`): drop `hmac` and
`signature`, escape `%`, `&` and `=`, sort, join `k=v` with `&`, HMAC-SHA256 in hex.
"""
from __future__ import annotations

import hashlib
import hmac
import re
import time
from datetime import datetime, timedelta, timezone
from urllib.parse import urlencode

import httpx

from connectors.shopify.client import ReauthorizeRequired, http_client
from connectors.shopify.tokens import AppCredentials, TokenSet
from connectors.signature import same_secret

SHOP_DOMAIN = re.compile(r"^[a-z0-9][a-z0-9-]*[a-z0-9]\.myshopify\.com$")
FRESHNESS_SECONDS = 90


def valid_shop_domain(value: str | None) -> str | None:
    """The sanitised shop domain, or None when it is not a myshopify.com shop."""
    domain = (value or "").strip().lower()
    return domain if SHOP_DOMAIN.match(domain) else None


def _escape(text: str) -> str:
    return text.replace("%", "%25").replace("&", "%26").replace("=", "%3D")


def query_hmac(params: dict[str, str], secret: str) -> str:
    message = "&".join(
        f"{_escape(k)}={_escape(v)}" for k, v in sorted(params.items()) if k not in ("hmac", "signature"))
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def verify_query(params: dict[str, str], secrets: tuple[str, ...], now: float | None = None) -> bool:
    """HMAC (current or old secret) and a timestamp no older than 90 seconds."""
    received = params.get("hmac", "")
    try:
        age = (now or time.time()) - int(params.get("timestamp", "0"))
    except ValueError:
        return False
    if not (-FRESHNESS_SECONDS <= age <= FRESHNESS_SECONDS):
        return False
    return any(same_secret(received, query_hmac(params, s)) for s in secrets if s)


def authorize_url(domain: str, client_id: str, redirect_uri: str, state: str) -> str:
    """Where to send the merchant; scopes come from shopify.app.toml, so none are named."""
    query = urlencode({"client_id": client_id, "redirect_uri": redirect_uri, "state": state})
    return f"https://{domain}/admin/oauth/authorize?{query}"


def exchange_code(app: AppCredentials, domain: str, code: str) -> TokenSet:
    """Trade the one-time code for an expiring offline token."""
    with http_client(app.origin) as client:
        try:
            response = client.post(f"https://{domain}/admin/oauth/access_token", json={
                "client_id": app.client_id, "client_secret": app.client_secret, "code": code, "expiring": 1})
        except httpx.HTTPError as exc:
            raise ReauthorizeRequired(f"code exchange failed: {exc}") from exc
    if response.status_code != 200:
        raise ReauthorizeRequired(f"code exchange refused: HTTP {response.status_code}")
    data = response.json()
    now = datetime.now(timezone.utc)
    expires_in, refresh_in = data.get("expires_in"), data.get("refresh_token_expires_in")
    return TokenSet(
        access_token=data["access_token"],
        expires_at=now + timedelta(seconds=expires_in) if expires_in else None,
        refresh_token=data.get("refresh_token"),
        refresh_expires_at=now + timedelta(seconds=refresh_in) if refresh_in else None,
        scope=data.get("scope", ""),
    )
