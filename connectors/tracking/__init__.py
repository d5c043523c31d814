"""Tracking providers, looked up by name: `PROVIDERS[name](api_key, base_url=…, http=…, clock=…)`.

The contract (shapes, errors, the TrackingProvider Protocol) is in connectors/tracking/base.py.
"""
from __future__ import annotations

from collections.abc import Callable

from connectors.tracking.base import (
    CarrierScan,
    KeyRefused,
    ParcelQuery,
    ParcelTrack,
    PickupPoint,
    ProviderKey,
    ProviderUnavailable,
    PushedTrack,
    PushRefused,
    RateLimited,
    TrackingProvider,
    TrackingProviderError,
)
from connectors.tracking.dhl import DhlUnified
from connectors.tracking.seventeentrack import SeventeenTrack

# Each takes (api_key, *, base_url=None, http: httpx.Client | None = None, clock=time.time).
PROVIDERS: dict[str, Callable[..., TrackingProvider]] = {
    "dhl": DhlUnified,
    "17track": SeventeenTrack,
}

__all__ = [
    "PROVIDERS", "DhlUnified", "SeventeenTrack", "CarrierScan", "KeyRefused", "ParcelQuery", "ParcelTrack",
    "PickupPoint", "ProviderKey", "ProviderUnavailable", "PushedTrack", "PushRefused", "RateLimited",
    "TrackingProvider", "TrackingProviderError",
]
