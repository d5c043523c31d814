"""Tracking-provider clients built from the app's configuration, and the keys at hand."""
from __future__ import annotations

from functools import cache

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.arrival.tracking_choice import DHL, SEVENTEENTRACK
from app.models import TrackingProviderKey

_KEY_SETTINGS = {DHL: "DHL_API_KEY", SEVENTEENTRACK: "SEVENTEENTRACK_API_KEY"}
_URL_SETTINGS = {DHL: "DHL_API_URL", SEVENTEENTRACK: "SEVENTEENTRACK_API_URL"}


def app_wide_keys() -> dict[str, str | None]:
    """The default keys from the environment (provider → key, None when not configured)."""
    return {provider: current_app.config.get(setting) or None for provider, setting in _KEY_SETTINGS.items()}


def own_keys(session: Session, shop_ids) -> dict[int, dict[str, tuple[str, str | None]]]:
    """The shops' own keys: shop id → provider → (key, last error)."""
    found: dict[int, dict[str, tuple[str, str | None]]] = {}
    for row in session.scalars(select(TrackingProviderKey)
                               .where(TrackingProviderKey.shop_id.in_(list(shop_ids)))):
        found.setdefault(row.shop_id, {})[row.provider] = (row.api_key, row.last_error)
    return found


@cache
def shared_http():
    """One httpx client (connection pool) per process for every provider call: building one
    costs ≈25 ms (its TLS context), more than a call to the provider."""
    from connectors.tracking.http_calls import default_client

    return default_client()


def provider_client(provider: str, api_key: str, http=None):
    """A client of connectors.tracking.PROVIDERS for this key, on the shared connection pool;
    `http`: another (checking a push's signature makes no request, so it may be any object)."""
    from connectors.tracking import PROVIDERS

    return PROVIDERS[provider](api_key, base_url=current_app.config.get(_URL_SETTINGS[provider]),
                               http=http if http is not None else shared_http())
