"""Replenishment intervals learned from a shop's own repeat purchases (pure).

A repeat pair is one buyer buying the same product in two consecutive orders; its gap is the
time between the two orders. Per product, the median gap over every buyer's pairs, rounded
to whole days, becomes the product's interval once there are MIN_PAIRS pairs and the median
lies within INTERVAL_BOUNDS. Gaps under a day (a split or corrected order) and over two
years (no consumption cycle) are left out. Planning uses the merchant's own interval first
(app/domain/followups/rules.py), so a learned one only fills gaps.
"""
from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise
from statistics import median

MIN_PAIRS = 5
GAP_BOUNDS = (timedelta(days=1), timedelta(days=730))
INTERVAL_BOUNDS = (7, 365)  # days


@dataclass(frozen=True)
class Purchase:
    customer_id: int
    order_id: int
    product: str  # app.domain.followups.rules.product_key of the line
    placed_at: datetime


def learn_intervals(purchases: Iterable[Purchase], min_pairs: int = MIN_PAIRS) -> dict[str, int]:
    """{product: days} for every product with enough repeat pairs and a sane median gap."""
    placed: dict[tuple[int, str], dict[int, datetime]] = defaultdict(dict)
    for purchase in purchases:  # several lines of one product in one order are one purchase
        placed[(purchase.customer_id, purchase.product)][purchase.order_id] = purchase.placed_at
    gaps: dict[str, list[float]] = defaultdict(list)
    for (_customer, product), by_order in placed.items():
        times = sorted(by_order.values())
        for earlier, later in pairwise(times):
            if GAP_BOUNDS[0] <= later - earlier <= GAP_BOUNDS[1]:
                gaps[product].append((later - earlier) / timedelta(days=1))
    learned = {}
    for product, days in gaps.items():
        if len(days) >= min_pairs:
            interval = math.floor(median(days) + 0.5)
            if INTERVAL_BOUNDS[0] <= interval <= INTERVAL_BOUNDS[1]:
                learned[product] = interval
    return dict(sorted(learned.items()))
