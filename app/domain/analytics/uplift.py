"""Incremental revenue from the holdout: what a treated order brings in repeat revenue beyond
a held-out one, with a 95 % interval by Welch's normal approximation (unequal variances)."""
from __future__ import annotations

import math
from dataclasses import dataclass

MIN_HOLDOUT = 30
Z95 = 1.959964


@dataclass(frozen=True)
class Uplift:
    treated_orders: int
    holdout_orders: int
    treated_mean: float | None
    holdout_mean: float | None
    per_order: float | None  # treated mean − holdout mean
    low: float | None  # its 95 % interval
    high: float | None

    def total(self, value: float | None) -> float | None:
        """A per-order figure times the treated orders: what the modules added in all."""
        return None if value is None else value * self.treated_orders

    @property
    def tells(self) -> bool:
        """Enough held-out orders, and an interval on one side of zero."""
        return (self.holdout_orders >= MIN_HOLDOUT and self.low is not None
                and (self.low > 0 or self.high is not None and self.high < 0))


def _mean_var(values: list[float]) -> tuple[float, float]:
    mean = sum(values) / len(values)
    return mean, sum((v - mean) ** 2 for v in values) / (len(values) - 1)


def welch_uplift(treated: list[float], held: list[float]) -> Uplift:
    """The difference of means and its 95 % interval; None where fewer than two orders a side."""
    if len(treated) < 2 or len(held) < 2:
        t_mean = sum(treated) / len(treated) if treated else None
        h_mean = sum(held) / len(held) if held else None
        return Uplift(len(treated), len(held), t_mean, h_mean, None, None, None)
    t_mean, t_var = _mean_var(treated)
    h_mean, h_var = _mean_var(held)
    diff = t_mean - h_mean
    half = Z95 * math.sqrt(t_var / len(treated) + h_var / len(held))
    return Uplift(len(treated), len(held), t_mean, h_mean, diff, diff - half, diff + half)
