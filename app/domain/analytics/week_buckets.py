"""The last complete weeks in the shop's time zone, and a SQL expression numbering them.

A week runs Monday 00:00 to Monday 00:00 local time (ISO weeks); its bounds are kept as UTC
instants, so a week across a clock change is 167 or 169 hours long and still exact. The
number is a CASE over the bounds: the same SQL on SQLite and PostgreSQL, no date functions,
and it lets the database GROUP BY the week while reading an index on the time column.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import case

from app.domain.arrival.carrier_performance import week_start
from app.domain.followups.fatigue import zone


@dataclass(frozen=True)
class Weeks:
    mondays: tuple[date, ...]  # oldest first
    bounds: tuple[datetime, ...]  # UTC; week n runs from bounds[n] to bounds[n + 1]

    def index(self, column):
        """0 for the oldest week … len(mondays) - 1; NULL outside (filter on the bounds too)."""
        return case(*((column < bound, n) for n, bound in enumerate(self.bounds[1:])), else_=None)

    def of(self, moment: datetime) -> int | None:
        """The same numbering in Python."""
        for n, bound in enumerate(self.bounds[1:]):
            if self.bounds[n] <= moment < bound:
                return n
        return None


def complete_weeks(now: datetime, tz_name: str | None, count: int) -> Weeks:
    """The `count` weeks before the current one (it is not over yet)."""
    tz = zone(tz_name)
    this_monday = week_start(now.astimezone(tz).date())
    mondays = tuple(this_monday - timedelta(weeks=n) for n in range(count, 0, -1))
    bounds = tuple(
        datetime.combine(day, time(0), tzinfo=tz).astimezone(timezone.utc)
        for day in (*mondays, this_monday)
    )
    return Weeks(mondays, bounds)
