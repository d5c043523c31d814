"""Fatigue rules for the marketing stream, as pure functions of times.

Caps: at most `per_gap` mails within `gap` and `per_window` within `window` per customer.
Quiet hours: no marketing mail between `quiet_start` and `quiet_end` local time.
Both defer a mail to the earliest moment it is allowed; neither ever drops one.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from app.domain.arrival.edd import zone


@dataclass(frozen=True)
class FatigueRules:
    min_gap: timedelta = timedelta(hours=16)
    max_per_window: int = 5
    window: timedelta = timedelta(days=30)
    quiet_start: time = time(21, 0)
    quiet_end: time = time(8, 0)


def cap_allows_at(sent: Iterable[datetime], now: datetime, rules: FatigueRules) -> datetime:
    """The earliest moment at or after `now` a further marketing mail respects both caps."""
    times = sorted(sent)
    earliest = now
    if times:
        earliest = max(earliest, times[-1] + rules.min_gap)
    in_window = [t for t in times if t > earliest - rules.window]
    while len(in_window) >= rules.max_per_window:
        # Wait until the oldest mail in the window has left it.
        earliest = in_window[0] + rules.window
        in_window = [t for t in times if t > earliest - rules.window]
    return earliest


def outside_quiet_hours(when: datetime, tz_name: str | None, rules: FatigueRules) -> datetime:
    """`when` itself if it is outside quiet hours in the zone, else the end of them."""
    local = when.astimezone(zone(tz_name))
    start, end = rules.quiet_start, rules.quiet_end
    clock = local.time()
    if start > end:  # the quiet span wraps midnight (21:00–08:00)
        quiet = clock >= start or clock < end
        day = local.date() + timedelta(days=1) if clock >= start else local.date()
    else:
        quiet = start <= clock < end
        day = local.date()
    if not quiet:
        return when
    wake = datetime.combine(day, end, tzinfo=local.tzinfo)
    return wake.astimezone(when.tzinfo)


def next_marketing_slot(sent: Iterable[datetime], now: datetime, tz_name: str | None,
                        rules: FatigueRules) -> datetime:
    """The earliest moment at or after `now` that satisfies caps and quiet hours."""
    sent = list(sent)
    slot = now
    while True:
        moved = outside_quiet_hours(cap_allows_at(sent, slot, rules), tz_name, rules)
        if moved == slot:
            return slot
        slot = moved
