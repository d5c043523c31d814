"""View and click counters: counted in this process's memory, added to one Redis hash in a
pipeline every FLUSH_EVERY counts or FLUSH_SECONDS, folded into engagement_counts by the
periodic job (app/jobs/engagement.py). A block view, 304s included, costs a dict update
under a lock: no database write and, but for one view in FLUSH_EVERY, no round trip.

Bounded loss, never a double count: a process that dies loses what it has not flushed (at
most FLUSH_EVERY - 1 counts or FLUSH_SECONDS of them); Redis down drops a flush (logged);
the fold renames the hash before reading it and deletes it before its commit, so a crash
in between loses that one fold's counts. Counted per shop, day (UTC), surface and module;
nothing about who looked.
"""
from __future__ import annotations

import atexit
import logging
import threading
import time
from collections import Counter
from datetime import date, datetime, timezone

import redis

from app.extensions import queues

log = logging.getLogger(__name__)
HASH = "aftersales:engagement-counts"
FOLDING = "aftersales:engagement-counts:folding"
FLUSH_EVERY = 200
FLUSH_SECONDS = 10.0
VIEWS, CLICKS = "views", "clicks"
# The whole view of a block or page, beside the modules it showed.
PAGE = "page"


class CountBuffer:
    """Counts waiting for their flush to Redis; one per process, shared by its threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[tuple] = Counter()
        self._pending = 0
        self._since = time.monotonic()

    def add(self, shop_id: int, surface: str, modules: tuple[str, ...], measure: str,
            day: date | None = None) -> None:
        """One count for each of `modules`: a single dict update (expanded at the flush)."""
        key = (day or datetime.now(timezone.utc).date(), shop_id, surface, modules, measure)
        with self._lock:
            self._counts[key] += 1
            self._pending += 1
            due = self._pending >= FLUSH_EVERY or time.monotonic() - self._since >= FLUSH_SECONDS
        if due:
            self.flush()

    def flush(self, at_exit: bool = False) -> int:
        """Add what was counted to Redis; the fields written. `at_exit`: a process ending
        (Redis may be gone first, as in tests) says so only in the debug log."""
        with self._lock:
            counts, self._counts = self._counts, Counter()
            self._pending, self._since = 0, time.monotonic()
        if not counts or queues.redis is None:
            return 0
        fields: Counter[str] = Counter()
        for (day, shop_id, surface, modules, measure), count in counts.items():
            for module in modules:
                fields[f"{day.isoformat()}|{shop_id}|{surface}|{module}|{measure}"] += count
        try:
            with queues.redis.pipeline(transaction=False) as pipe:
                for field, count in fields.items():
                    pipe.hincrby(HASH, field, count)
                pipe.execute()
        except redis.RedisError:
            (log.debug if at_exit else log.warning)(
                "engagement counts dropped: Redis unavailable (%s fields)", len(fields))
            return 0
        return len(fields)


buffer = CountBuffer()
atexit.register(buffer.flush, at_exit=True)


def count_view(shop_id: int, surface: str, modules) -> None:
    """One view of a block or page, and of each module it showed (when this process knows them)."""
    buffer.add(shop_id, surface, (PAGE, *modules), VIEWS)


def count_click(shop_id: int, surface: str, module: str) -> None:
    buffer.add(shop_id, surface, (module,), CLICKS)


def take_counts() -> dict[tuple[date, int, str, str], dict[str, int]]:
    """Everything counted in Redis so far, taken out of it:
    {(day, shop, surface, module): {measure: count}}."""
    conn = queues.redis
    try:
        conn.rename(HASH, FOLDING)
    except redis.ResponseError:  # no such key: nothing counted since the last fold
        return {}
    raw = conn.hgetall(FOLDING)
    conn.delete(FOLDING)
    taken: dict[tuple[date, int, str, str], dict[str, int]] = {}
    for field, value in raw.items():
        try:
            day, shop_id, surface, module, measure = field.decode().split("|")
            key = (date.fromisoformat(day), int(shop_id), surface, module)
        except ValueError:
            log.warning("engagement count %r not understood, left out", field)
            continue
        taken.setdefault(key, {VIEWS: 0, CLICKS: 0})[measure] = int(value)
    return taken
