"""Percentiles of stored transits per group, in the database.

PostgreSQL: percentile_cont(0.5) is the median as statistics.median takes it (the mean of the
two middle values of an even count) and percentile_disc(share) the nearest rank
(carrier_performance.percentile: the smallest value with at least `share` of the values at or
below it). SQLite has neither: it hands back a histogram per group (transit, count: a few
dozen rows per group, whatever the number of parcels), ranked here the same way.
"""
from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import ParcelFact


@dataclass(frozen=True)
class Percentiles:
    count: int
    median: float
    p40: int
    p80: int
    p90: int


def nearest_rank(histogram: list[tuple[int, int]], share: float) -> int:
    """The smallest value with at least `share` of the counts at or below it; (value, count) ascending."""
    rank, running = max(math.ceil(share * sum(count for _, count in histogram)), 1), 0
    for value, count in histogram:
        running += count
        if running >= rank:
            return value
    raise ValueError("empty histogram")


def _median(histogram: list[tuple[int, int]]) -> float:
    total = sum(count for _, count in histogram)

    def at(rank: int) -> int:  # the value at a 1-based rank
        running = 0
        for value, count in histogram:
            running += count
            if running >= rank:
                return value
        raise ValueError(rank)
    if total % 2:
        return float(at(total // 2 + 1))
    return (at(total // 2) + at(total // 2 + 1)) / 2


def from_histogram(histogram: list[tuple[int, int]]) -> Percentiles:
    return Percentiles(sum(count for _, count in histogram), _median(histogram), nearest_rank(histogram, 0.4),
                       nearest_rank(histogram, 0.8), nearest_rank(histogram, 0.9))


def transit_percentiles(session: Session, keys: list, *where) -> dict[tuple, Percentiles]:
    """{group key values: percentiles of the transit} over the delivered rows matching `where`."""
    transit = ParcelFact.transit
    where = (transit.is_not(None), *where)
    if session.connection().dialect.name == "postgresql":
        rows = session.execute(
            select(*keys, func.count(), func.percentile_cont(0.5).within_group(transit),
                   *(func.percentile_disc(share).within_group(transit) for share in (0.4, 0.8, 0.9)))
            .where(*where).group_by(*keys)).all()
        n = len(keys)
        return {tuple(row[:n]): Percentiles(int(row[n]), float(row[n + 1]), int(row[n + 2]), int(row[n + 3]),
                                            int(row[n + 4])) for row in rows}
    histograms: dict[tuple, list[tuple[int, int]]] = defaultdict(list)
    for row in session.execute(select(*keys, transit, func.count()).where(*where)
                               .group_by(*keys, transit).order_by(*keys, transit)):
        histograms[tuple(row[:len(keys)])].append((int(row[-2]), int(row[-1])))
    return {key: from_histogram(histogram) for key, histogram in histograms.items()}
