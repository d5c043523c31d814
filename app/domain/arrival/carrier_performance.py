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
from bisect import bisect_left, insort
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cached_property, lru_cache
from itertools import pairwise
from statistics import median
from zoneinfo import ZoneInfo

from app.domain.arrival.anchors import after
from app.domain.arrival.edd import DeliveryRule, DeliveryWindow, add_business_days, merchant_window
from app.domain.arrival.learned_transit import UNKNOWN_CARRIER, pair_key, transit_window
from app.domain.arrival.stalls import STALL_STATES
from app.domain.followups.fatigue import zone
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
            self._rule_windows[key] = merchant_window(row.placed_at or row.shipped_at, row.shipped_at, row.country,
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


def _delivered(facts: Iterable[ParcelFacts]) -> Iterator[tuple[ParcelFacts, date, int]]:
    """The parcels the carrier reported delivered, with their delivery day and transit."""
    for fact in facts:
        if fact.delivered_day is not None and fact.transit is not None:
            yield fact, fact.delivered_day, fact.transit


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


def had_stall(row: ParcelRow, ctx: Context) -> bool:
    """Whether the stall rule marked the parcel at some point, or marks it now."""
    if not row.tracked:
        return False
    for (status, at), (_, next_at) in pairwise(row.events):
        # Business days make a delay at least as long in calendar days: most gaps end early.
        if status in STALL_STATES and next_at - at >= ctx.stall_delay and _quiet_until(at, row, ctx) <= next_at:
            return True
    if row.events and row.status in STALL_STATES and row.events[-1][0] in STALL_STATES:
        return _quiet_until(row.events[-1][1], row, ctx) <= ctx.now
    return False


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


def all_facts(rows: Iterable[ParcelRow], ctx: Context, full_since: datetime | None = None) -> list[ParcelFacts]:
    """Every row's facts, in full for the parcels shipped since `full_since` (default: all)."""
    return [parcel_facts(row, ctx, full_since is None or row.shipped_at >= full_since) for row in rows]


def learn_ranges(facts: Iterable[ParcelFacts], today: date, min_delivered: int = MIN_DELIVERED) -> dict[str, list[int]]:
    """{pair: [low, high]} for every known carrier × country with enough recent deliveries."""
    since = today - timedelta(days=LEARNING_DAYS)
    transits: dict[str, list[int]] = defaultdict(list)
    for fact, day, transit in _delivered(facts):
        if since <= day <= today and fact.row.carrier != UNKNOWN_CARRIER:
            transits[fact.pair].append(transit)
    return {pair: list(learned_range(sorted(values))) for pair, values in sorted(transits.items())
            if len(values) >= min_delivered}


_transit_window = lru_cache(maxsize=8192)(transit_window)  # a backtest asks the same days again and again


@dataclass(frozen=True)
class Accuracy:
    inside: int
    checked: int

    @property
    def share(self) -> float | None:
        return self.inside / self.checked if self.checked else None


def learned_accuracy(facts: Iterable[ParcelFacts], period_start: date,
                     min_delivered: int = MIN_DELIVERED) -> dict[str, Accuracy]:
    """Per pair: of the delivered parcels shipped since `period_start` for which a learned
    range existed on their shipping day, how many arrived inside it."""
    delivered: dict[str, list[tuple[ParcelFacts, date, int]]] = defaultdict(list)
    for item in _delivered(facts):
        if item[0].row.carrier != UNKNOWN_CARRIER:
            delivered[item[0].pair].append(item)
    found = {}
    for pair, items in delivered.items():
        known = sorted(items, key=lambda item: item[1])  # by delivery day
        window: list[int] = []  # the transits known on the day, sorted
        added = dropped = inside = checked = 0
        shipped = sorted((i for i in items if i[0].ship_day >= period_start), key=lambda i: i[0].ship_day)
        for fact, day, _ in shipped:
            while added < len(known) and known[added][1] < fact.ship_day:
                insort(window, known[added][2])
                added += 1
            while dropped < added and known[dropped][1] < fact.ship_day - timedelta(days=LEARNING_DAYS):
                del window[bisect_left(window, known[dropped][2])]
                dropped += 1
            if len(window) >= min_delivered:
                earliest, latest = _transit_window(fact.ship_day, *learned_range(window), fact.row.country)
                checked += 1
                inside += earliest <= day <= latest
        found[pair] = Accuracy(inside, checked)
    return found


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


def _share(count: int, total: int) -> float | None:
    return count / total if total else None


def summarise(facts: Iterable[ParcelFacts], learned: Mapping[str, list[int]],
              accuracy: Mapping[str, Accuracy]) -> list[PairSummary]:
    """One line per carrier × country, most parcels first."""
    groups: dict[str, list[ParcelFacts]] = defaultdict(list)
    for fact in facts:
        groups[fact.pair].append(fact)
    lines = []
    for pair, items in groups.items():
        row = items[0].row
        reported = [f for f in items if f.reported]
        arrived = list(_delivered(items))
        delivered = [fact for fact, _, _ in arrived]
        transits = sorted(transit for _, _, transit in arrived)
        lines.append(PairSummary(
            carrier=row.carrier, carrier_name=row.carrier_name, country=row.country, parcels=len(items),
            reported=len(reported), delivered=len(delivered), no_carrier_data=sum(f.no_carrier_data for f in items),
            median=median(transits) if transits else None, p90=percentile(transits, 0.9) if transits else None,
            on_time=_share(sum(bool(f.on_time) for f in delivered), len(delivered)),
            exceptions=_share(sum(f.exception for f in reported), len(reported)),
            attempts_failed=_share(sum(f.attempt_failed for f in reported), len(reported)),
            stalls=_share(sum(f.stalled for f in reported), len(reported)),
            learned=(learned[pair][0], learned[pair][1]) if pair in learned else None,
            learned_accuracy=accuracy.get(pair, Accuracy(0, 0)),
            rule_accuracy=Accuracy(sum(bool(f.inside_rule) for f in delivered), len(delivered))))
    return sorted(lines, key=lambda line: (-line.parcels, line.carrier_name.lower(), line.country))


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def weekly_medians(facts: Iterable[ParcelFacts], today: date, weeks: int = TREND_WEEKS,
                   ) -> tuple[list[date], dict[str, list[float | None]]]:
    """The last `weeks` complete weeks (their Mondays, oldest first; this week is not over) and
    per carrier key the median transit of the parcels delivered in each (None: none that week)."""
    mondays = [week_start(today) - timedelta(weeks=n) for n in range(weeks, 0, -1)]
    index = {monday: n for n, monday in enumerate(mondays)}
    found: dict[str, list[list[int]]] = defaultdict(lambda: [[] for _ in mondays])
    for fact, day, transit in _delivered(facts):
        if (n := index.get(week_start(day))) is not None:
            found[fact.row.carrier][n].append(transit)
    return mondays, {carrier: [median(values) if values else None for values in per_week]
                     for carrier, per_week in found.items()}
