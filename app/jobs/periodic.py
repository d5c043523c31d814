"""The periodic tick: one table of what runs how often, and one runner for it.

The worker's ticker enqueues `run_periodic` every DISPATCH_INTERVAL_SECONDS, one worker per
tick (app/worker.py). Each entry of PERIODIC is either
- every tick (`every` None): it runs on each tick, as dispatching due mail must;
- app-wide: it runs when the runner takes the Redis key `aftersales:periodic:<name>` for
  `every` (SET NX, app/jobs/interval_locks.py), so once per interval across all workers;
- per shop (`shops` given): `shops()` lists the shop ids, and `run(shop_id)` is enqueued on
  the periodic queue for each shop whose key `aftersales:periodic:<name>:<shop_id>` the
  runner takes for `every`: a new shop is served on the next tick, then once per interval.
`every` may name a setting in seconds (0 switches the entry off).

The job functions themselves are plain: they do their work when called. An entry that raises
is logged at ERROR with its name and shows under "failed" in the counts; the others still run.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Any

from flask import current_app

from app.extensions import db, queues
from app.jobs.carrier_polling import enqueue_carrier_pass
from app.jobs.dispatch import dispatch_due
from app.jobs.engagement import enqueue_engagement_pass
from app.jobs.interval_locks import release, take, take_each
from app.jobs.module_shops import shops_with_module
from app.jobs.purge import (
    drop_webhook_body_backlog,
    purge_disconnected_shops,
    purge_mail_feedback,
    purge_old_data_exports,
)
from app.jobs.recommendations import recommendations_job_id, refresh_recommendations
from app.jobs.reconcile import reconcilable_shops, reconcile_job_id, reconcile_shop
from app.jobs.replenishment import MODULE as REPLENISHMENT_MODULE
from app.jobs.replenishment import learn_job_id, learn_replenishment_intervals
from app.jobs.runtime import job
from app.jobs.sender_domain_checks import recheck_sender_domain, sender_check_job_id, sender_domain_shops
from app.jobs.transit_learning import MODULE as TRANSIT_MODULE
from app.jobs.transit_learning import learn_transit_job_id, learn_transit_ranges
from app.observability.privacy_scrub import scrub_addresses

log = logging.getLogger(__name__)
LOCK_PREFIX = "aftersales:periodic:"
PER_SHOP_RETRIES = 2
SLOW_SECONDS = 1.0  # an entry slower than this is logged at INFO even when it did nothing
PURGE_EVERY = timedelta(minutes=5)


@dataclass(frozen=True)
class Periodic:
    """One line of periodic work; `name` is also its key in the counts."""

    name: str
    run: Callable[..., Any]  # returns a count or a dict of counts (merged into the tick's)
    every: timedelta | str | None = None  # None: every tick; str: a setting in seconds
    shops: Callable[[], Sequence[int]] | None = None  # per shop: run(shop_id) is enqueued
    job_id: Callable[[int], str] | None = None  # per shop: the enqueued job's id

    def __post_init__(self) -> None:
        if self.shops is not None and (self.every is None or self.job_id is None):
            raise ValueError(f"periodic {self.name}: per-shop work needs `every` and `job_id`")

    def interval(self) -> float | None:
        """Seconds between runs; None every tick; 0 when a setting switched it off."""
        if isinstance(self.every, str):
            return max(0.0, float(current_app.config.get(self.every, 0)))
        return None if self.every is None else self.every.total_seconds()


PERIODIC: tuple[Periodic, ...] = (
    Periodic("dispatch", dispatch_due),
    Periodic("reconciliations", reconcile_shop, every="RECONCILE_INTERVAL_SECONDS",
             shops=reconcilable_shops, job_id=reconcile_job_id),
    Periodic("recommendation_refreshes", refresh_recommendations, every=timedelta(hours=1),
             shops=partial(shops_with_module, "recommendations"), job_id=recommendations_job_id),
    Periodic("interval_learning", learn_replenishment_intervals, every=timedelta(days=1),
             shops=partial(shops_with_module, REPLENISHMENT_MODULE), job_id=learn_job_id),
    Periodic("transit_learning", learn_transit_ranges, every=timedelta(days=1),
             shops=partial(shops_with_module, TRANSIT_MODULE), job_id=learn_transit_job_id),
    # Shops' own sender domains: verified once their DKIM and SPF records check out, back to
    # our From when they stop checking out.
    Periodic("sender_domains", recheck_sender_domain, every=timedelta(days=1),
             shops=sender_domain_shops, job_id=sender_check_job_id),
    Periodic("carrier_polls", enqueue_carrier_pass, every=timedelta(minutes=1)),
    # Fold view and click counts, credit orders to the modules clicked before them.
    Periodic("engagement", enqueue_engagement_pass, every=timedelta(minutes=1)),
    # Retention and purges: their deadlines are days; each is a statement or two that reads
    # a table, too much for every tick.
    Periodic("purged_shops", purge_disconnected_shops, every=PURGE_EVERY),
    Periodic("purged_mail_reports", purge_mail_feedback, every=PURGE_EVERY),
    Periodic("dropped_webhook_bodies", drop_webhook_body_backlog, every=PURGE_EVERY),
    Periodic("purged_data_exports", purge_old_data_exports, every=PURGE_EVERY),
)


@job
def run_periodic() -> dict:
    return run_table(PERIODIC)


def run_table(table: Sequence[Periodic]) -> dict:
    """Run each entry that is due, in order; the counts of all, failures under "failed"."""
    counts: dict[str, Any] = {}
    failed: dict[str, str] = {}
    for entry in table:
        started = time.perf_counter()
        try:
            result = _run(entry)
        except Exception as exc:
            db.session.rollback()
            failed[entry.name] = scrub_addresses(f"{type(exc).__name__}: {exc}")
            log.exception("periodic %s failed after %.3f s", entry.name,
                          time.perf_counter() - started)
            continue
        seconds = time.perf_counter() - started
        if isinstance(result, dict):
            counts.update(result)
        else:
            counts[entry.name] = result
        level = logging.INFO if seconds >= SLOW_SECONDS else logging.DEBUG
        log.log(level, "periodic %s: %s in %.3f s", entry.name, result, seconds)
    if failed:
        counts["failed"] = failed
    return counts


def _run(entry: Periodic) -> Any:
    seconds = entry.interval()
    if seconds is None:
        return entry.run()
    if seconds <= 0:
        return 0
    if entry.shops is not None and entry.job_id is not None:  # both or neither (__post_init__)
        return _enqueue_per_shop(entry, entry.shops, entry.job_id, seconds)
    if not take(f"{LOCK_PREFIX}{entry.name}", seconds):
        return 0
    return entry.run()


def _enqueue_per_shop(entry: Periodic, shops: Callable[[], Sequence[int]], job_id: Callable[[int], str],
                      seconds: float) -> int:
    """Enqueue `entry.run(shop_id)` for each listed shop (`shops`) whose interval key this tick takes."""
    shop_ids = list(shops())
    db.session.commit()  # the listing's transaction ends before the Redis round trips
    keys = {f"{LOCK_PREFIX}{entry.name}:{shop_id}": shop_id for shop_id in shop_ids}
    taken = [key for key, ok in zip(keys, take_each(list(keys), seconds), strict=True) if ok]
    for done, key in enumerate(taken):
        try:
            queues.enqueue("periodic", entry.run, keys[key], job_id=job_id(keys[key]),
                           retries=PER_SHOP_RETRIES)
        except Exception:
            release(*taken[done:])  # not enqueued: due again on the next tick
            raise
    return len(taken)
