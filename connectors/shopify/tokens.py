"""Offline access tokens: token exchange from an App Bridge id token, and refresh.

Expiring offline tokens (1 h access, rotating 90-day refresh) are mandatory for public
apps; `shopifyapp` does the HTTP, this module turns its results into a TokenSet or a
clear error.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import shopify_app

from connectors.payloads import optional_timestamp
from connectors.shopify.client import ReauthorizeRequired, ShopifyApiError, http_client, shop_name


@dataclass(frozen=True)
class TokenSet:
    access_token: str
    expires_at: datetime | None
    refresh_token: str | None
    refresh_expires_at: datetime | None
    scope: str


@dataclass(frozen=True)
class AppCredentials:
    client_id: str
    client_secret: str
    origin: str | None = None  # SHOPIFY_API_ORIGIN, tests and demos only


def _token_set(token) -> TokenSet:
    return TokenSet(
        access_token=token.token,
        expires_at=optional_timestamp(token.expires),
        refresh_token=token.refresh_token or None,
        refresh_expires_at=optional_timestamp(token.refresh_token_expires),
        scope=token.scope or "",
    )


def _config(app: AppCredentials) -> shopify_app.AppConfig:
    return {"client_id": app.client_id, "client_secret": app.client_secret, "old_client_secret": None}


def exchange_id_token(app: AppCredentials, id_token: str, claims: dict) -> TokenSet:
    """Exchange a verified App Bridge id token for an expiring offline token."""
    with http_client(app.origin) as client:
        result = shopify_app.token_exchange(
            "offline", _config(app),
            id_token={"exchangeable": True, "token": id_token, "claims": claims},
            expiring=True, http_client=client,
        )
    if not result.ok or result.access_token is None:
        raise ReauthorizeRequired(f"token exchange refused: {result.log.code}: {result.log.detail}")
    return _token_set(result.access_token)


def refresh_tokens(app: AppCredentials, domain: str, refresh_token: str,
                   refresh_expires_at: datetime | None) -> TokenSet:
    """Use the refresh token once; Shopify rotates it, so store the new pair atomically."""
    current = {
        "shop": shop_name(domain), "token": "", "scope": "", "access_mode": "offline",
        "expires": "1970-01-01T00:00:00Z",  # force the refresh: the caller decided it is due
        "refresh_token": refresh_token,
        "refresh_token_expires": refresh_expires_at.strftime("%Y-%m-%dT%H:%M:%SZ") if refresh_expires_at
        else None,
        "user": None,
    }
    with http_client(app.origin) as client:
        result = shopify_app.refresh_access_token(current, _config(app), http_client=client)
    if result.ok and result.access_token is not None:
        return _token_set(result.access_token)
    if result.response.status in (400, 401, 403):
        raise ReauthorizeRequired(f"refresh refused: {result.log.code}: {result.log.detail}")
    raise ShopifyApiError(f"refresh failed: {result.log.code}: {result.log.detail}")
