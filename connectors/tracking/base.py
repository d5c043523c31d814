"""Tracking providers: the third kind of connector, beside the shop platforms.

A provider answers "what did the carrier say about this parcel?" for many carriers through
one account (17TRACK) or for one carrier directly (DHL Shipment Tracking – Unified). Like
the platforms it speaks the app's normalised terms (ShipmentStatus), never imports flask or
app, and keeps its wire format in its own package with a status table and recorded payloads.

Shapes:
- `ParcelQuery` names a parcel to a provider: its number, the carrier as we know it
  (platform name or our detection, e.g. "dhl", "dpd"), the destination.
- `ParcelTrack` is what the provider knows: normalised status and the provider's raw
  status / sub-status, the scans (oldest first), the carrier's delivery window, a pickup
  point, proof of delivery. `found=False` means "no information yet" (a fresh number).
- Errors: `RateLimited(retry_after)` (429, a quota), `ProviderUnavailable` (5xx, timeout,
  network), `KeyRefused` (401/403: the key is wrong, stop and tell the merchant). Unknown
  numbers are no error: `ParcelTrack(found=False)`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from connectors.base import ConnectorError, ShipmentStatus


@dataclass(frozen=True)
class ParcelQuery:
    tracking_number: str
    carrier: str | None = None  # our carrier key ("dhl", "dpd", "gls", "hermes", "ups", …)
    destination_country: str | None = None  # ISO 3166-1 alpha-2
    destination_postal_code: str | None = None  # DHL parcel-de gives full data only with it
    tag: str | None = None  # ours (the shipment id): 17TRACK keeps it and sends it back in pushes


@dataclass(frozen=True)
class PickupPoint:
    name: str | None
    address: str | None
    opening_hours: str | None = None


@dataclass(frozen=True)
class CarrierScan:
    """One scan, in the carrier's words; `status` normalised, `code` the provider's own."""

    happened_at: datetime  # aware, UTC
    status: ShipmentStatus
    code: str | None
    description: str | None
    location: str | None = None


@dataclass(frozen=True)
class ParcelTrack:
    tracking_number: str
    found: bool
    status: ShipmentStatus = ShipmentStatus.UNKNOWN
    raw_status: str | None = None  # provider status code, e.g. "transit", "InTransit"
    sub_status: str | None = None  # e.g. "DeliveryFailure_NoBody", an exception reason
    scans: tuple[CarrierScan, ...] = ()  # oldest first
    estimated_from: datetime | None = None
    estimated_to: datetime | None = None
    pickup_point: PickupPoint | None = None
    signed_by: str | None = None  # proof of delivery, where given
    carrier: str | None = None  # the carrier the provider tracked it with (may differ: re-routed)
    provider_ref: str | None = None  # the provider's id for the parcel, where it has one


@dataclass(frozen=True)
class PushedTrack:
    """A verified push from a provider: the parcel and what it knows now."""

    track: ParcelTrack
    tag: str | None = None  # what we registered the parcel with (our shipment id)
    stopped: bool = False  # the provider stopped tracking it (TRACKING_STOPPED)


class TrackingProviderError(ConnectorError):
    """Base of the providers' errors."""


class RateLimited(TrackingProviderError):
    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class ProviderUnavailable(TrackingProviderError):
    """5xx, a timeout or no answer: try again later."""


class KeyRefused(TrackingProviderError):
    """The API key is wrong, revoked or not allowed: stop and tell the merchant."""


class PushRefused(TrackingProviderError):
    """A push whose signature does not verify (answer 401, store nothing)."""


class TrackingProvider(Protocol):
    """What every provider does. `batch_size`: parcels per call (DHL 1, 17TRACK 40)."""

    name: str
    batch_size: int
    pushes: bool  # True: it pushes updates once a parcel is registered; polling is the safety net

    def carriers(self) -> frozenset[str]:
        """Our carrier keys this provider can track."""
        ...

    def register(self, queries: list[ParcelQuery]) -> dict[str, str | None]:
        """Ask the provider to follow these parcels (no-op for a pull-only provider).
        Returns tracking number → None when accepted, or the reason it was refused."""
        ...

    def track(self, queries: list[ParcelQuery]) -> list[ParcelTrack]:
        """What the provider knows now about each parcel (one ParcelTrack per query)."""
        ...

    def verify_push(self, headers: dict[str, str], body: bytes) -> list[PushedTrack]:
        """Check a push's signature and read it; PushRefused when it does not verify."""
        ...


@dataclass(frozen=True)
class ProviderKey:
    """A provider's credentials as the app hands them to a provider's constructor."""

    provider: str
    api_key: str
    extra: dict = field(default_factory=dict)
