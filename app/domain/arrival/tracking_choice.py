"""Which tracking provider follows a parcel, with whose key.

By carrier (the platform's name for it, else our detection from the number): DHL's own
parcels go to DHL Shipment Tracking – Unified when a DHL key is at hand, else to 17TRACK;
every other carrier (and a number we cannot place) goes to 17TRACK. A shop's own key goes
before the app-wide default; a key the provider refused is not used. No key: no provider,
which is normal (the parcel then relies on the platform's events and the estimate).
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from app.domain.arrival.carriers import resolve

DHL = "dhl"
SEVENTEENTRACK = "17track"
PROVIDER_NAMES = {DHL: "DHL Shipment Tracking – Unified", SEVENTEENTRACK: "17TRACK"}
# The carriers (our keys) DHL Unified answers for.
DHL_CARRIERS = frozenset({"dhl", "dhl_express", "deutsche_post"})


def fingerprint(api_key: str) -> str:
    """A short, stable name for a key (Redis keys, logs) that does not reveal it."""
    return hashlib.sha256(api_key.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class KeyChoice:
    provider: str
    api_key: str = ""
    own: bool = False  # the shop's own key (else the app-wide default)

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.api_key)


def usable_keys(own: Mapping[str, tuple[str, str | None]], app_wide: Mapping[str, str | None],
                refused: Iterable[str] = ()) -> dict[str, KeyChoice]:
    """Per provider, the key to use: the shop's own (`own`: provider → (key, last error)) unless
    refused, else the app-wide one unless its fingerprint is in `refused`."""
    refused = set(refused)
    usable: dict[str, KeyChoice] = {}
    for provider in PROVIDER_NAMES:
        key, error = own.get(provider, (None, None))
        if key and not error:
            usable[provider] = KeyChoice(provider, key, own=True)
        elif (app_key := app_wide.get(provider)) and fingerprint(app_key) not in refused:
            usable[provider] = KeyChoice(provider, app_key)
    return usable


def carrier_key(carrier: str | None, tracking_number: str | None) -> str | None:
    """Our key of the parcel's carrier ("dhl", "dpd", …), or None when unknown or ambiguous."""
    match = resolve(carrier, tracking_number)
    return match.carrier.key if match.carrier else None


def preference(carrier: str | None) -> tuple[str, ...]:
    """The providers that can follow a parcel of this carrier (our key), best first."""
    return (DHL, SEVENTEENTRACK) if carrier in DHL_CARRIERS else (SEVENTEENTRACK,)


def choose(carrier: str | None, keys: Mapping[str, KeyChoice],
           current: str | None = None) -> KeyChoice | None:
    """The provider and key for a parcel of `carrier`; the one following it now stays while usable."""
    wanted = preference(carrier)
    if current in wanted and current in keys:
        return keys[current]
    return next((keys[name] for name in wanted if name in keys), None)
