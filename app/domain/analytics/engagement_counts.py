"""View and click counters: counted in this process's memory, added to one Redis hash in a
pipeline every FLUSH_EVERY counts or FLUSH_SECONDS, folded into engagement_counts by the
periodic job (app/jobs/engagement.py). A block view, 304s included, costs a dict update
under a lock: no database write and, but for one view in FLUSH_EVERY, no round trip.

Bounded loss, never a double count: a process that dies loses what it has not flushed (at
most FLUSH_EVERY - 1 counts or FLUSH_SECONDS of them); Redis down drops a flush (logged);
the fold renames the hash before reading it and deletes it before its commit, so a crash
in between loses that one fold's counts. Counted per shop, day, surface and module; nothing
about who looked. The day is the shop's own (its time zone), as the pages' weeks are: a count
is kept under its UTC quarter hour (every zone's offset is a whole number of them) and the
fold, which knows the shops' zones, turns it into the local day (app/jobs/engagement.py).
A view of an order not yet delivered is also counted for that order (its own field,
"order|shop|order id"): how often its status was checked before delivery, order data, still
nobody's profile. Successful find-my-order lookups are counted
under the surface LOOKUP.
"""
from __future__ import annotations

import atexit
import logging
import threading
import time
from collections import Counter
from datetime import date, datetime, timezone

import redis

from app.domain.arrival.edd import zone
from app.extensions import queues

log = logging.getLogger(__name__)
HASH = "aftersales:engagement-counts"
FOLDING = "aftersales:engagement-counts:folding"
FLUSH_EVERY = 200
FLUSH_SECONDS = 10.0
VIEWS, CLICKS = "views", "clicks"
# The whole view of a block or page, beside the modules it showed.
PAGE = "page"
LOOKUP = "lookup"
ORDER = "order"  # the first part of an order's field
QUARTER = 15  # minutes


def quarter_hour(moment: datetime) -> datetime:
    """The UTC quarter hour `moment` falls in (aware)."""
    moment = moment.astimezone(timezone.utc)
    return moment.replace(minute=moment.minute - moment.minute % QUARTER, second=0, microsecond=0)


def _when_field(when: date) -> str:
    """A day as it is ("2026-12-07"), a UTC moment to the minute ("2026-12-07T14:45")."""
    if isinstance(when, datetime):
        return when.astimezone(timezone.utc).replace(tzinfo=None).isoformat(timespec="minutes")
    return when.isoformat()


def _parse_when(text: str) -> date:
    if "T" in text:
        return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)
    return date.fromisoformat(text)


def local_day(when: date, tz_name: str | None) -> date:
    """The shop's day of a count: a UTC moment in the shop's zone; a day is taken as it is."""
    if isinstance(when, datetime):
        return when.astimezone(zone(tz_name)).date()
    return when


class CountBuffer:
    """Counts waiting for their flush to Redis; one per process, shared by its threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[tuple] = Counter()
        self._pending = 0
        self._since = time.monotonic()

    def add(self, shop_id: int, surface: str, modules: tuple[str, ...], measure: str,
            day: date | None = None, order_id: int | None = None) -> None:
        """One count for each of `modules` (and for `order_id`, when given): a single dict
        update (expanded at the flush). `day`: a local day, or a moment (its quarter hour);
        default now."""
        when = (day if day is not None and not isinstance(day, datetime)
                else quarter_hour(day or datetime.now(timezone.utc)))
        key = (when, shop_id, surface, modules, measure, order_id)
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
        if not counts or not queues.bound:
            return 0
        fields: Counter[str] = Counter()
        for (when, shop_id, surface, modules, measure, order_id), count in counts.items():
            for module in modules:
                fields[f"{_when_field(when)}|{shop_id}|{surface}|{module}|{measure}"] += count
            if order_id is not None:
                fields[f"{ORDER}|{shop_id}|{order_id}"] += count
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


def count_view(shop_id: int, surface: str, modules, before_delivery_of: int | None = None) -> None:
    """One view of a block or page, and of each module it showed (when this process knows
    them); `before_delivery_of`: the id of the order viewed, when it is not delivered yet."""
    buffer.add(shop_id, surface, (PAGE, *modules), VIEWS, order_id=before_delivery_of)


def count_lookup(shop_id: int) -> None:
    """One order found on the find-my-order page."""
    buffer.add(shop_id, LOOKUP, (PAGE,), VIEWS)


def count_click(shop_id: int, surface: str, module: str) -> None:
    buffer.add(shop_id, surface, (module,), CLICKS)


def take_counts() -> dict[tuple[date, int, str, str], dict[str, int]]:
    """Everything counted in Redis so far, taken out of it:
    {(day or UTC quarter hour, shop, surface, module): {measure: count}} (local_day turns
    the quarter hour into the shop's day)."""
    return take_all()[0]


def take_all() -> tuple[dict[tuple[date, int, str, str], dict[str, int]],
                        dict[tuple[int, int], int]]:
    """Everything counted in Redis so far, taken out of it: the counts as take_counts
    gives them, and the views before delivery {(shop, order id): views}."""
    conn = queues.redis
    try:
        conn.rename(HASH, FOLDING)
    except redis.ResponseError:  # no such key: nothing counted since the last fold
        return {}, {}
    raw = conn.hgetall(FOLDING)
    conn.delete(FOLDING)
    taken: dict[tuple[date, int, str, str], dict[str, int]] = {}
    orders: dict[tuple[int, int], int] = {}
    for field, value in raw.items():
        try:
            parts = (field.decode() if isinstance(field, bytes) else field).split("|")
            if parts[0] == ORDER:
                _, shop_id, order_id = parts
                orders[(int(shop_id), int(order_id))] = int(value)
                continue
            when, shop_id, surface, module, measure = parts
            key = (_parse_when(when), int(shop_id), surface, module)
        except ValueError:
            log.warning("engagement count %r not understood, left out", field)
            continue
        taken.setdefault(key, {VIEWS: 0, CLICKS: 0})[measure] = int(value)
    return taken, orders
