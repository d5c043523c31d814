"""The delivery range learned from a shop's own parcels, applied to a parcel on its way.

A carrier × destination pair with enough deliveries in the shop's history gets a range of
whole business days after shipping (app/domain/arrival/carrier_performance.py learns it; the daily
job app/jobs/transit_learning.py stores it on the `delivery_estimate` module's `derived`
as {"transit_ranges": {"dhl|DE": [2, 3], ...}}). The block reads it with the shop's module
switches, so it costs no query, and storing a new range moves the shop's facts version
(app/domain/orders/facts_versions.py): cached block answers and the read model's kept modules pick it up.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from zoneinfo import ZoneInfo

from app.domain.arrival import carriers
from app.domain.arrival.edd import DeliveryWindow, add_business_days

UNKNOWN_CARRIER = "unknown"
DERIVED_KEY = "transit_ranges"


def carrier_key(platform_carrier: str | None, tracking_number: str | None) -> tuple[str, str]:
    """(key, name): a known carrier's key ("dhl"), else the platform's own name folded
    ("other:kurier müller"), else "unknown" (no name and no unambiguous number)."""
    match = carriers.resolve(platform_carrier, tracking_number)
    if match.carrier is not None:
        return match.carrier.key, match.carrier.name
    if match.name:
        return "other:" + " ".join(match.name.lower().split())[:80], match.name
    return UNKNOWN_CARRIER, "Unknown carrier"


def pair_key(carrier: str, country: str) -> str:
    return f"{carrier}|{country.upper()}"


def stored_ranges(derived: Mapping | None) -> Mapping[str, list[int]]:
    """The learned ranges on the module's derived data ({} when none were learned)."""
    ranges = (derived or {}).get(DERIVED_KEY)
    return ranges if isinstance(ranges, Mapping) else {}


def transit_window(ship_day: date, low: int, high: int, country: str) -> tuple[date, date]:
    """The days `low` and `high` business days (destination holidays off) after shipping."""
    return add_business_days(ship_day, low, country), add_business_days(ship_day, high, country)


def learned_window(parcels: Iterable[tuple[datetime | None, str | None, str | None]], country: str | None,
                   ranges: Mapping[str, list[int]], tz: ZoneInfo) -> DeliveryWindow | None:
    """One window over the shipped parcels (shipped_at, platform carrier, tracking number)
    from their pairs' learned ranges; None unless every parcel left and has one."""
    if not country or not ranges:
        return None
    starts, ends = [], []
    for shipped_at, carrier, number in parcels:
        learned = ranges.get(pair_key(carrier_key(carrier, number)[0], country))
        if shipped_at is None or not learned:
            return None
        earliest, latest = transit_window(shipped_at.astimezone(tz).date(), int(learned[0]), int(learned[1]),
                                          country.upper())
        starts.append(earliest)
        ends.append(latest)
    if not starts:
        return None
    return DeliveryWindow(min(starts), max(ends), "learned")
