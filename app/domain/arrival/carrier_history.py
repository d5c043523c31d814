"""The admin's carrier report and the learned ranges, from the stored parcel facts
(app/models/parcel_fact.py, written by app/domain/arrival/parcel_records.py): GROUP BY carrier ×
destination in the database, with carrier_performance.py's definitions.

Each read is a range of one shop's rows by an index (shop, local ship day) or (shop, local
delivery day); what comes back is bounded by carriers × countries × days, not by parcels:
one line per pair, one median per carrier and week, the learned ranges, and the backtest's
histograms (app/domain/arrival/learned_backtest.py).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from app.domain.arrival.carrier_performance import (
    LEARNING_DAYS,
    MIN_DELIVERED,
    TREND_WEEKS,
    Accuracy,
    PairSummary,
    week_start,
)
from app.domain.arrival.learned_backtest import backtest, deliveries_since, ranges_from
from app.domain.arrival.learned_transit import UNKNOWN_CARRIER, pair_key
from app.domain.arrival.parcel_records import performance_context
from app.domain.arrival.transit_percentiles import transit_percentiles
from app.models import ParcelFact, Shop

F = ParcelFact


def _left(shop_id: int):
    return F.shop_id == shop_id, F.departed.is_(True)


def learned_ranges(session: Session, shop_id: int, today: date,
                   min_delivered: int = MIN_DELIVERED) -> dict[str, list[int]]:
    """{pair: [low, high]} for every known carrier × country with enough deliveries in the
    LEARNING_DAYS up to today (carrier_performance.learn_ranges's definition)."""
    found = transit_percentiles(session, [F.carrier, F.country], *_left(shop_id),
                                F.carrier != UNKNOWN_CARRIER, F.delivered_day <= today,
                                F.delivered_day >= today - timedelta(days=LEARNING_DAYS))
    return {pair_key(carrier, country): [p.p40, p.p80] for (carrier, country), p in sorted(found.items())
            if p.count >= min_delivered}


def parcels_since(session: Session, shop_id: int, first_day: date) -> int:
    return session.scalar(select(func.count()).where(*_left(shop_id), F.ship_day >= first_day)) or 0


@dataclass(frozen=True)
class CarrierReport:
    days: int
    lines: list[PairSummary]  # the parcels that left in the last `days` days, per carrier × country
    weeks: list[date]  # the trend's Mondays, oldest first
    trend: dict[str, list[float | None]]  # carrier key → median transit per week
    carrier_names: dict[str, str]


def _count(condition):
    return func.sum(case((condition, 1), else_=0))


def _share(count: int, total: int) -> float | None:
    return count / total if total else None


def _lines(session: Session, shop: Shop, first_day: date, now: datetime, today: date) -> list[PairSummary]:
    period = (*_left(shop.id), F.ship_day >= first_day)
    delivered = F.transit.is_not(None)
    stalled = F.reported.is_(True) & (F.stalled.is_(True) | (F.stall_due_at <= now))
    rows = session.execute(
        select(F.carrier, F.country, func.min(F.carrier_name), func.count(), _count(F.reported.is_(True)),
               _count(delivered), _count(F.no_carrier_data.is_(True)),
               _count(delivered & F.on_time.is_(True)),
               _count(F.reported.is_(True) & F.exception.is_(True)),
               _count(F.reported.is_(True) & F.attempt_failed.is_(True)), _count(stalled),
               _count(delivered & F.inside_rule.is_(True)))
        .where(*period).group_by(F.carrier, F.country)).all()
    quantiles = transit_percentiles(session, [F.carrier, F.country], *period)
    # One read of the deliveries since the backtest's first learning day serves the ranges too
    # (the 180 days up to today lie within it): the same nearest ranks as learned_ranges.
    known = deliveries_since(session, shop.id, first_day - timedelta(days=LEARNING_DAYS))
    learned = ranges_from(known, today)
    accuracy = backtest(session, shop.id, first_day, known)
    lines = []
    for row in rows:
        carrier, country, name, parcels = row[:4]
        counts = (int(n or 0) for n in row[4:])
        reported, arrived, no_data, on_time, exceptions, failed, stalls, ruled = counts
        pair, q = pair_key(carrier, country), quantiles.get((carrier, country))
        lines.append(PairSummary(
            carrier=carrier, carrier_name=name, country=country, parcels=int(parcels), reported=reported,
            delivered=arrived, no_carrier_data=no_data, median=q.median if q else None,
            p90=q.p90 if q else None, on_time=_share(on_time, arrived),
            exceptions=_share(exceptions, reported),
            attempts_failed=_share(failed, reported),
            stalls=_share(stalls, reported),
            learned=(learned[pair][0], learned[pair][1]) if pair in learned else None,
            learned_accuracy=accuracy.get(pair, Accuracy(0, 0)),
            rule_accuracy=Accuracy(ruled, arrived)))
    return sorted(lines, key=lambda line: (-line.parcels, line.carrier_name.lower(), line.country))


def _trend(session: Session, shop_id: int, today: date) -> tuple[list[date], dict[str, list[float | None]]]:
    """The last TREND_WEEKS complete weeks (their Mondays) and per carrier the median transit
    of the parcels delivered in each (carrier_performance.weekly_medians's definition)."""
    mondays = [week_start(today) - timedelta(weeks=n) for n in range(TREND_WEEKS, 0, -1)]
    found = transit_percentiles(session, [F.carrier, F.delivered_week], *_left(shop_id),
                                F.delivered_day >= mondays[0], F.delivered_day < week_start(today))
    index = {monday: n for n, monday in enumerate(mondays)}
    trend: dict[str, list[float | None]] = {}
    for (carrier, monday), p in found.items():
        trend.setdefault(carrier, [None] * len(mondays))[index[monday]] = p.median
    return mondays, trend


def carrier_report(session: Session, shop: Shop, days: int, now: datetime) -> CarrierReport:
    """The figures of the admin's carrier page for the parcels that left in the last `days`
    local days (today included); the learned ranges and their backtest read the
    LEARNING_DAYS of deliveries before too."""
    context = performance_context(shop, now)
    first_day = context.today - timedelta(days=days - 1)
    weeks, trend = _trend(session, shop.id, context.today)
    lines = _lines(session, shop, first_day, now, context.today)
    names = {line.carrier: line.carrier_name for line in lines}
    names.update(session.execute(  # the trend's carriers (delivered in its weeks)
        select(F.carrier, func.min(F.carrier_name))
        .where(*_left(shop.id), F.delivered_day >= weeks[0]).group_by(F.carrier)).all())
    return CarrierReport(days=days, lines=lines, weeks=weeks, trend=trend, carrier_names=names)
