"""The last complete weeks (or any run of days) in the shop's time zone, and a SQL
expression numbering them.

A week runs Monday 00:00 to Monday 00:00 local time (ISO weeks); its bounds are kept as UTC
instants, so a week across a clock change is 167 or 169 hours long and still exact. The
number is a CASE over the bounds: the same SQL on SQLite and PostgreSQL, no date functions,
and it lets the database GROUP BY the week while reading an index on the time column.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import ColumnElement, SQLColumnExpression, case, literal

from app.domain.arrival.carrier_performance import week_start
from app.domain.arrival.edd import zone


@dataclass(frozen=True)
class Weeks:
    mondays: tuple[date, ...]  # oldest first (the first day of each bucket: local_buckets)
    bounds: tuple[datetime, ...]  # UTC; week n runs from bounds[n] to bounds[n + 1]

    def index(self, column: SQLColumnExpression[datetime], clip: bool = False) -> ColumnElement[int]:
        """0 for the oldest week … len(mondays) - 1; NULL outside (filter on the bounds too);
        `clip`: the last bucket also takes what comes after it."""
        last = len(self.mondays) - 1 if clip else None
        whens = [(column < bound, n) for n, bound
                 in enumerate(self.bounds[1:-1] if clip else self.bounds[1:])]
        return case(*whens, else_=last) if whens else literal(last)

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


def local_buckets(first_day: date, count: int, step_days: int, tz_name: str | None) -> Weeks:
    """`count` runs of `step_days` local days from `first_day` (midnight to midnight in the
    zone, so a day across a clock change is 23 or 25 hours), with the same numbering."""
    tz = zone(tz_name)
    starts = tuple(first_day + timedelta(days=n * step_days) for n in range(count))
    bounds = tuple(
        datetime.combine(day, time(0), tzinfo=tz).astimezone(timezone.utc)
        for day in (*starts, first_day + timedelta(days=count * step_days))
    )
    return Weeks(starts, bounds)
