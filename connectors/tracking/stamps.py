"""The providers' timestamps as aware UTC datetimes.

Providers send ISO 8601 with an offset, with `Z`, with nanoseconds, without any offset
(DHL parcel-de: German local time), or a bare date (an estimated delivery day).
"""
from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, timezone
from typing import TypeGuard
from zoneinfo import ZoneInfo

BERLIN = ZoneInfo("Europe/Berlin")
_FRACTION = re.compile(r"(\.\d{6})\d+")  # Python reads at most microseconds


def parse_stamp(value, local_zone=timezone.utc) -> datetime | None:
    """An ISO 8601 date-time in UTC; a value without offset is read in `local_zone`.
    A bare date is that day's start in `local_zone`. None for null, empty or garbage."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    text = _FRACTION.sub(r"\1", text)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=local_zone)
    return parsed.astimezone(timezone.utc)


def is_bare_date(value) -> TypeGuard[str]:
    if not isinstance(value, str):
        return False
    try:
        date.fromisoformat(value.strip())
    except ValueError:
        return False
    return True


def day_window(value: str, local_zone=timezone.utc) -> tuple[datetime, datetime]:
    """A bare date as the first and the last second of that day in `local_zone`, in UTC."""
    day = date.fromisoformat(value.strip())
    start = datetime.combine(day, time(0, 0), tzinfo=local_zone)
    end = datetime.combine(day + timedelta(days=1), time(0, 0), tzinfo=local_zone) - timedelta(seconds=1)
    return start.astimezone(timezone.utc), end.astimezone(timezone.utc)


def window(start, end, local_zone=timezone.utc) -> tuple[datetime | None, datetime | None]:
    """A provider's estimated delivery window; a bare date widens to its whole day."""
    lo = day_window(start, local_zone)[0] if is_bare_date(start) else parse_stamp(start, local_zone)
    hi = day_window(end, local_zone)[1] if is_bare_date(end) else parse_stamp(end, local_zone)
    return lo, hi
