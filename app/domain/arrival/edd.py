"""Estimated delivery: a date range and where it comes from, counted in business days.

The carrier's (or platform's) estimate wins when a parcel has one. Otherwise the merchant's
rule applies: the order is ready on the day it was placed when that is a business day before
the cut-off hour, else on the next business day; it leaves `processing_days` business days
later (at the origin, origin holidays off) and arrives within the destination's transit
range (destination holidays off). All days are local to the shop's time zone.

Business days are the holidays package's working days (app/domain/arrival/work_calendars.py): at the
origin those of the merchant's region (`origin_region`: a Bundesland, an Austrian state, a
Swiss canton) when one is set, else the origin country's national holidays; in transit the
destination country's national holidays, since the buyer's region is not known.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# Every country's calendar, loaded with the app rather than in the first request or mail
# that counts a business day (≈0.1–0.25 s: the package imports all its countries at once).
import holidays.countries  # noqa: F401

from app.domain.arrival.work_calendars import is_working_day, nth_working_day

EU = frozenset({"AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU",
                "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK"})
DEFAULT_TRANSIT = {"DE": (1, 2), "EU": (2, 5), "WORLD": (5, 10)}


def zone(name: str | None) -> ZoneInfo:
    """A shop's time zone by its IANA name; UTC when it has none or names none we know."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


@dataclass(frozen=True)
class DeliveryRule:
    """The merchant's promise, from the `delivery_estimate` module settings."""
    processing_days: int = 1
    cutoff_hour: int = 14
    origin_country: str = "DE"
    origin_region: str | None = None  # a subdivision of origin_country (holidays' code), or none
    transit_days: dict[str, tuple[int, int]] = field(default_factory=lambda: dict(DEFAULT_TRANSIT))

    @classmethod
    def from_settings(cls, settings: dict) -> DeliveryRule:
        transit = dict(DEFAULT_TRANSIT)
        for region, days in (settings.get("transit_days") or {}).items():
            low, high = sorted(int(d) for d in days)
            transit[str(region).upper()] = (low, high)
        return cls(processing_days=int(settings.get("processing_days", 1)),
                   cutoff_hour=int(settings.get("cutoff_hour", 14)),
                   origin_country=str(settings.get("origin_country", "DE")).upper(),
                   origin_region=settings.get("origin_region") or None,
                   transit_days=transit)

    def transit_for(self, country: str) -> tuple[int, int]:
        if country in self.transit_days:
            return self.transit_days[country]
        region = "EU" if country in EU else "WORLD"
        return self.transit_days[region]


@dataclass(frozen=True)
class DeliveryWindow:
    earliest: date
    latest: date
    source: str  # "carrier" | "platform" | "learned" | "merchant"

    def is_late(self, today: date) -> bool:
        """The promise is broken once its last day is over."""
        return today > self.latest


def is_business_day(day: date, country: str, region: str | None = None) -> bool:
    return is_working_day(day, country, region)


def add_business_days(day: date, count: int, country: str, region: str | None = None) -> date:
    """The `count`-th business day after `day` (`day` itself when count is 0)."""
    return nth_working_day(day, count, country, region)


def _ready_day(moment: datetime, rule: DeliveryRule, tz: ZoneInfo) -> date:
    local = moment.astimezone(tz)
    day = local.date()
    if is_business_day(day, rule.origin_country, rule.origin_region) and local.hour < rule.cutoff_hour:
        return day
    return add_business_days(day, 1, rule.origin_country, rule.origin_region)


def merchant_window(placed_at: datetime, shipped_at: datetime | None, country: str,
                    rule: DeliveryRule, tz: ZoneInfo) -> DeliveryWindow:
    """The merchant's rule: from shipment when the parcel left, else from the order."""
    if shipped_at is not None:
        dispatch = _ready_day(shipped_at, rule, tz)
    else:
        dispatch = add_business_days(_ready_day(placed_at, rule, tz), rule.processing_days,
                                     rule.origin_country, rule.origin_region)
    low, high = rule.transit_for(country)
    return DeliveryWindow(add_business_days(dispatch, low, country),
                          add_business_days(dispatch, high, country), "merchant")


def carrier_window(ranges: Iterable[tuple[datetime | None, datetime | None, str | None]],
                   tz: ZoneInfo) -> DeliveryWindow | None:
    """One window over the parcels' own estimates (start, end, source); None if none has one."""
    starts, ends, sources = [], [], []
    for start, end, source in ranges:
        first, last = start or end, end or start
        if first is None or last is None:  # neither given
            continue
        starts.append(first.astimezone(tz).date())
        ends.append(last.astimezone(tz).date())
        sources.append(source or "carrier")
    if not starts:
        return None
    return DeliveryWindow(min(starts), max(ends), "carrier" if "carrier" in sources else sources[0])


def estimate(*, placed_at: datetime, shipped_at: datetime | None, country: str | None,
             parcel_estimates: Iterable[tuple[datetime | None, datetime | None, str | None]],
             rule: DeliveryRule, tz: ZoneInfo, learned: DeliveryWindow | None = None,
             today: date | None = None) -> DeliveryWindow | None:
    """The best window we can honestly give, or None (no estimate and no destination).

    `learned`: the range the shop's own deliveries of this carrier and destination teach
    (app/domain/arrival/learned_transit.py); it comes after the parcels' own estimates and before the
    merchant's rule, while it has not passed on `today`: past it, the merchant's promise stands.
    """
    window = carrier_window(parcel_estimates, tz)
    if window is not None:
        return window
    if not country:
        return None
    if learned is not None and (today is None or not learned.is_late(today)):
        return learned
    return merchant_window(placed_at, shipped_at, country.upper(), rule, tz)

