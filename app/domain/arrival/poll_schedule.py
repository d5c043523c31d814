"""When to ask a tracking provider about a parcel next: by what the carrier last said.

Label created: twice a day; on its way: four times a day; out for delivery or waiting at a
pickup point: hourly; a failed attempt or an exception: every 4 h; final states: never again.
Nothing heard yet: every 2 h on the first day, then twice a day. A provider that pushes is
asked only as a safety net, daily. Nobody is asked 30 days after shipping. A provider may
set a floor (DHL: at most 10 fetches per parcel a day). Every time gets a stable jitter of
up to 20 % of its interval, so parcels shipped together do not come due together.

Nights are quiet: a look that would fall between 22:00 and 06:00 (the shop's time zone) is
taken from 06:00 on, spread over an hour. Parcels are not delivered then and nobody is told
at night; in a simulated month this saves about a quarter of DHL's calls.
"""
from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from connectors.base import ShipmentStatus as S

HOUR = timedelta(hours=1)
INTERVALS: dict[str, timedelta] = {
    S.PENDING: 12 * HOUR, S.INFO_RECEIVED: 12 * HOUR,
    S.IN_TRANSIT: 6 * HOUR, S.DELAYED: 6 * HOUR, S.RETURNING: 6 * HOUR,
    S.OUT_FOR_DELIVERY: HOUR, S.AVAILABLE_FOR_PICKUP: HOUR,
    S.ATTEMPT_FAILED: 4 * HOUR, S.EXCEPTION: 4 * HOUR,
}
FINAL = frozenset({S.DELIVERED, S.RETURNED, S.CANCELLED})
UNKNOWN_FIRST_DAY = 2 * HOUR  # a fresh number the carrier does not know yet…
FIRST_DAY = timedelta(days=1)
UNKNOWN_LATER = 12 * HOUR  # …and one it still does not know after a day
SAFETY_NET = 24 * HOUR  # a pushing provider, once it took the number
GIVE_UP_AFTER = timedelta(days=30)
MAX_JITTER = 0.2
# Per provider: the shortest gap between two looks at one parcel.
FLOORS: dict[str, timedelta] = {"dhl": timedelta(days=1) / 10}
NIGHT_FROM, NIGHT_UNTIL = 22, 6  # local hours
MORNING_SPREAD = timedelta(hours=1)
DEFAULT_ZONE = "Europe/Berlin"


def interval(status: str, age: timedelta, *, pushed: bool = False, provider: str | None = None) -> timedelta:
    """How long until the next look at a parcel in `status` (the carrier's word), `age` after shipping.

    `pushed`: a pushing provider follows it already. Unknown states count as "not found yet".
    """
    if pushed:
        gap = SAFETY_NET
    elif status in INTERVALS:
        gap = INTERVALS[status]
    else:
        gap = UNKNOWN_FIRST_DAY if age < FIRST_DAY else UNKNOWN_LATER
    return max(gap, FLOORS.get(provider or "", timedelta(0)))


def jitter_fraction(shipment_id: int) -> float:
    """A stable fraction in [0, MAX_JITTER) per parcel (Knuth's multiplicative hash of its id)."""
    return ((shipment_id * 2654435761) % 2**32) / 2**32 * MAX_JITTER


def given_up(now: datetime, shipped_at: datetime | None) -> bool:
    return shipped_at is not None and now - shipped_at >= GIVE_UP_AFTER


def next_poll(shipment_id: int, status: str, now: datetime, shipped_at: datetime | None, *,
              pushed: bool = False, provider: str | None = None, zone: str | None = None) -> datetime | None:
    """The next look at the parcel, or None when it is over (final state, or too old)."""
    if status in FINAL or given_up(now, shipped_at):
        return None
    age = now - shipped_at if shipped_at else timedelta(0)
    gap = interval(status, age, pushed=pushed, provider=provider)
    at = after_the_night(shipment_id, now + gap * (1 + jitter_fraction(shipment_id)), zone)
    return min(at, shipped_at + GIVE_UP_AFTER) if shipped_at else at


def after_the_night(shipment_id: int, at: datetime, zone: str | None = None) -> datetime:
    """`at`, or when it falls in the night (local time), this parcel's moment of the next morning."""
    try:
        tz = ZoneInfo(zone or DEFAULT_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        tz = ZoneInfo(DEFAULT_ZONE)
    local = at.astimezone(tz)
    if NIGHT_UNTIL <= local.hour < NIGHT_FROM:
        return at
    day = local.date() + timedelta(days=1) if local.hour >= NIGHT_FROM else local.date()
    morning = datetime.combine(day, time(NIGHT_UNTIL), tzinfo=tz).astimezone(at.tzinfo)
    return later(shipment_id, morning, MORNING_SPREAD)


def later(shipment_id: int, moment: datetime, spread: timedelta) -> datetime:
    """`moment` plus this parcel's share of `spread` (deferrals: a paused key, no provider yet)."""
    return moment + spread * (jitter_fraction(shipment_id) / MAX_JITTER)
