"""How each carrier does per destination country, from a shop's own parcels (pure).

Rows come from app/domain/arrival/carrier_history.py: one per parcel that left the shop, with only
the carrier's own events (app/domain/orders/shipments.py said_by_carrier). Days are local to the
shop's time zone; transit counts business days of the destination (weekends and its public
holidays off, app/domain/arrival/edd.py) after the day the parcel left, up to the day the carrier
said it was delivered.

- Transit, on time and accuracy count only parcels the carrier reported delivered. A parcel
  whose arrival is only estimated (the carrier never spoke, app/domain/arrival/anchors.py
  awaits_carrier; or only the shop said "delivered") counts as "no carrier data" instead.
- On time: delivered on or before the last day the buyer was shown: the carrier's estimate
  when the parcel had one (edd_end), else the merchant's rule counted from shipping.
- Exception, failed-attempt and stall rates are shares of the parcels the carrier reported
  on. Stalled: the stall rule (app/domain/arrival/stalls.py) marked it at some point: after a
  carrier event in a moving state, no further carrier event for longer than the "delayed"
  mail's delay (business days), or such a silence still going on.
- Learned range: once a pair has MIN_DELIVERED deliveries within LEARNING_DAYS, the
  LOW_SHARE–HIGH_SHARE percentiles of their transit (nearest rank: whole business days).
- Accuracy: the share of delivered parcels whose delivery day fell inside the range that
  was (or would have been) shown: the learned range from the deliveries of the pair known on
  the day the parcel left (a backtest, no hindsight), and the merchant's rule.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cached_property, lru_cache
from itertools import pairwise
from zoneinfo import ZoneInfo

from app.domain.arrival.anchors import after
from app.domain.arrival.edd import DeliveryRule, DeliveryWindow, add_business_days, merchant_window, zone
from app.domain.arrival.learned_transit import pair_key
from app.domain.arrival.stalls import STALL_STATES
from connectors.base import ShipmentStatus as S

MIN_DELIVERED = 10
LEARNING_DAYS = 180
LOW_SHARE, HIGH_SHARE = 0.4, 0.8
TREND_WEEKS = 12


@dataclass(frozen=True)
class ParcelRow:
    id: int
    carrier: str  # app/domain/arrival/learned_transit.py carrier_key
    carrier_name: str
    country: str  # destination, upper case
    status: str
    tracked: bool
    placed_at: datetime | None  # aware
    shipped_at: datetime  # aware
    edd_end: datetime | None  # aware; the carrier's estimate
    events: tuple[tuple[str, datetime], ...] = ()  # the carrier's (status, happened_at), oldest first


@dataclass(frozen=True)
class Context:
    """What the figures depend on besides the rows: the shop's zone, rule and stall delay."""
    tz_name: str
    rule: DeliveryRule
    stall_delay: timedelta
    stall_business_days: bool
    now: datetime
    _rule_windows: dict = field(default_factory=dict, compare=False, repr=False)

    @cached_property
    def tz(self) -> ZoneInfo:
        return zone(self.tz_name)

    @cached_property
    def today(self) -> date:
        return self.now.astimezone(self.tz).date()

    def rule_window(self, row: ParcelRow) -> DeliveryWindow:
        """The merchant's window from the parcel's shipping; it depends only on the local
        shipping day, whether that was before the cut-off, and the destination."""
        local = row.shipped_at.astimezone(self.tz)
        key = (local.date(), local.hour < self.rule.cutoff_hour, row.country)
        if key not in self._rule_windows:
            self._rule_windows[key] = merchant_window(row.placed_at or row.shipped_at, row.shipped_at,
                                                      row.country,
                                                      self.rule, self.tz)
        return self._rule_windows[key]


@dataclass(frozen=True)
class ParcelFacts:
    row: ParcelRow
    ship_day: date
    reported: bool  # the carrier said anything about it
    delivered_day: date | None  # the carrier said delivered
    transit: int | None
    no_carrier_data: bool
    on_time: bool | None
    inside_rule: bool | None
    exception: bool
    attempt_failed: bool
    stalled: bool

    @property
    def pair(self) -> str:
        return pair_key(self.row.carrier, self.row.country)


@lru_cache(maxsize=8192)
def business_days_between(start: date, end: date, country: str) -> int:
    """Business days after `start` up to `end` (0 when `end` is not after `start`): the
    `count` with add_business_days(start, count) <= end < add_business_days(start, count + 1)."""
    count, day = 0, start
    while (following := add_business_days(day, 1, country)) <= end:
        count, day = count + 1, following
    return count


def percentile(ordered: list, share: float):
    """Nearest rank: the smallest value with at least `share` of the values at or below it."""
    return ordered[max(math.ceil(share * len(ordered)) - 1, 0)]


def learned_range(ordered_transits: list[int]) -> tuple[int, int]:
    return percentile(ordered_transits, LOW_SHARE), percentile(ordered_transits, HIGH_SHARE)


def _quiet_until(moment: datetime, row: ParcelRow, ctx: Context) -> datetime:
    return after(moment, ctx.stall_delay, ctx.stall_business_days, row.country, ctx.tz_name)


def stall_gap(row: ParcelRow, ctx: Context) -> bool:
    """Whether a carrier silence between two of its events was long enough to be a stall."""
    if not row.tracked:
        return False
    for (status, at), (_, next_at) in pairwise(row.events):
        # Business days make a delay at least as long in calendar days: most gaps end early.
        if (status in STALL_STATES and next_at - at >= ctx.stall_delay
                and _quiet_until(at, row, ctx) <= next_at):
            return True
    return False


def silence_stalls_at(row: ParcelRow, ctx: Context) -> datetime | None:
    """When the silence after the carrier's last event becomes a stall, if it can (the parcel
    and that event in a moving state); None when it cannot."""
    if row.tracked and row.events and row.status in STALL_STATES and row.events[-1][0] in STALL_STATES:
        return _quiet_until(row.events[-1][1], row, ctx)
    return None


def had_stall(row: ParcelRow, ctx: Context) -> bool:
    """Whether the stall rule marked the parcel at some point, or marks it now."""
    if stall_gap(row, ctx):
        return True
    due = silence_stalls_at(row, ctx)
    return due is not None and due <= ctx.now


def parcel_facts(row: ParcelRow, ctx: Context, full: bool = True) -> ParcelFacts:
    """The parcel's figures; without `full` only transit (what learning and the trend need)."""
    tz = ctx.tz
    ship_day = row.shipped_at.astimezone(tz).date()
    delivered = [at for status, at in row.events if status == S.DELIVERED]
    delivered_day = min(delivered).astimezone(tz).date() if delivered else None
    transit = on_time = inside_rule = None
    if delivered_day is not None:
        transit = business_days_between(ship_day, delivered_day, row.country)
    if delivered_day is not None and full:
        rule = ctx.rule_window(row)
        shown_latest = row.edd_end.astimezone(tz).date() if row.edd_end else rule.latest
        on_time = delivered_day <= shown_latest
        inside_rule = rule.earliest <= delivered_day <= rule.latest
    statuses = {status for status, _ in row.events}
    return ParcelFacts(
        row=row, ship_day=ship_day, reported=bool(row.events), delivered_day=delivered_day, transit=transit,
        no_carrier_data=delivered_day is None and (not row.events or row.status == S.DELIVERED),
        on_time=on_time, inside_rule=inside_rule, exception=S.EXCEPTION in statuses,
        attempt_failed=S.ATTEMPT_FAILED in statuses, stalled=full and had_stall(row, ctx))


@dataclass(frozen=True)
class Accuracy:
    inside: int
    checked: int

    @property
    def share(self) -> float | None:
        return self.inside / self.checked if self.checked else None


@dataclass(frozen=True)
class PairSummary:
    carrier: str
    carrier_name: str
    country: str
    parcels: int
    reported: int
    delivered: int
    no_carrier_data: int
    median: float | None
    p90: int | None
    on_time: float | None
    exceptions: float | None
    attempts_failed: float | None
    stalls: float | None
    learned: tuple[int, int] | None
    learned_accuracy: Accuracy
    rule_accuracy: Accuracy

    @property
    def pair(self) -> str:
        return pair_key(self.carrier, self.country)


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())
