"""How right the learned range would have been: the backtest of the Carriers page, from
stored parcel facts (app/models/parcel_fact.py).

For each delivered parcel shipped in the period, the range its carrier × country learned
from the deliveries of the LEARNING_DAYS before the day it left (no hindsight), and whether
it arrived inside (carrier_performance.learned_accuracy's definition). The database hands
back two bounded histograms per pair, not parcels: deliveries per (delivery day, transit)
since the period's first day minus LEARNING_DAYS, and the period's parcels per (ship day,
delivery day). The range then depends only on the ship day: one sliding window per pair.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.domain.arrival.carrier_performance import (
    HIGH_SHARE,
    LEARNING_DAYS,
    LOW_SHARE,
    MIN_DELIVERED,
    Accuracy,
)
from app.domain.arrival.learned_transit import UNKNOWN_CARRIER, pair_key, transit_window
from app.domain.arrival.transit_percentiles import nearest_rank
from app.models import ParcelFact

F = ParcelFact


def _counted(shop_id: int):
    return (F.shop_id == shop_id, F.departed.is_(True), F.carrier != UNKNOWN_CARRIER, F.transit.is_not(None))


Deliveries = dict[str, list[tuple[date, int, int]]]  # pair → (delivery day, transit, count)


def deliveries_since(session: Session, shop_id: int, since: date) -> Deliveries:
    """The known pairs' deliveries since a day, as a histogram per pair and delivery day."""
    known: Deliveries = defaultdict(list)
    row: Any
    for row in session.execute(
            select(F.carrier, F.country, F.delivered_day, F.transit, func.count())
            .where(*_counted(shop_id), F.delivered_day >= since)
            .group_by(F.carrier, F.country, F.delivered_day, F.transit)):
        carrier, country, day, transit, count = row
        known[pair_key(carrier, country)].append((day, int(transit), int(count)))
    return known


def ranges_from(known: Deliveries, today: date, min_delivered: int = MIN_DELIVERED) -> dict[str, list[int]]:
    """carrier_history.learned_ranges from these histograms (they must reach LEARNING_DAYS back)."""
    found = {}
    for pair, items in sorted(known.items()):
        counts: dict[int, int] = defaultdict(int)
        for day, transit, count in items:
            if today - timedelta(days=LEARNING_DAYS) <= day <= today:
                counts[transit] += count
        histogram = sorted(counts.items())
        if sum(count for _, count in histogram) >= min_delivered:
            found[pair] = [nearest_rank(histogram, LOW_SHARE), nearest_rank(histogram, HIGH_SHARE)]
    return found


def backtest(session: Session, shop_id: int, first_day: date, known: Deliveries | None = None,
             min_delivered: int = MIN_DELIVERED) -> dict[str, Accuracy]:
    """{pair: Accuracy} for every pair with a delivered parcel shipped since `first_day`;
    `known`: deliveries_since(first_day - LEARNING_DAYS), when the caller has them."""
    if known is None:
        known = deliveries_since(session, shop_id, first_day - timedelta(days=LEARNING_DAYS))
    row: Any
    shipped: dict[str, dict[date, list[tuple[date, int]]]] = defaultdict(lambda: defaultdict(list))
    countries: dict[str, str] = {}
    for row in session.execute(
            select(F.carrier, F.country, F.ship_day, F.delivered_day, func.count())
            .where(*_counted(shop_id), F.ship_day >= first_day)
            .group_by(F.carrier, F.country, F.ship_day, F.delivered_day)):
        carrier, country, ship_day, day, count = row
        shipped[pair_key(carrier, country)][ship_day].append((day, int(count)))
        countries[pair_key(carrier, country)] = country
    found = {}
    for pair, days in shipped.items():
        deliveries = sorted(known.get(pair, ()))
        window: dict[int, int] = defaultdict(int)  # transit → count known on the ship day
        added = dropped = inside = checked = 0
        for ship_day in sorted(days):
            while added < len(deliveries) and deliveries[added][0] < ship_day:
                window[deliveries[added][1]] += deliveries[added][2]
                added += 1
            while dropped < added and deliveries[dropped][0] < ship_day - timedelta(days=LEARNING_DAYS):
                window[deliveries[dropped][1]] -= deliveries[dropped][2]
                dropped += 1
            histogram = sorted((transit, count) for transit, count in window.items() if count)
            if sum(count for _, count in histogram) < min_delivered:
                continue
            earliest, latest = transit_window(ship_day, nearest_rank(histogram, LOW_SHARE),
                                              nearest_rank(histogram, HIGH_SHARE), countries[pair])
            for day, count in days[ship_day]:
                checked += count
                inside += count if earliest <= day <= latest else 0
        found[pair] = Accuracy(inside, checked)
    return found
