"""Work at most once per interval across every worker: a Redis key set with SET NX and an
expiry stands for the interval. Whoever sets it does the work; the others skip until the key
expires. The key is never deleted on success, so the interval holds even after a quick run.

The one home of this pattern: the periodic table (app/jobs/periodic.py, per entry and per
shop), the worker's tick (app/worker.py) and the carrier pass's running lock.
"""
from __future__ import annotations

from collections.abc import Sequence

from app.extensions import queues


def take(key: str, seconds: float) -> bool:
    """Take `key` for `seconds` (SET NX PX); True when this caller took it."""
    return bool(queues.redis.set(key, "1", nx=True, px=_ms(seconds)))


def take_each(keys: Sequence[str], seconds: float) -> list[bool]:
    """Take each key for `seconds` in one round trip; True where this caller took it."""
    if not keys:
        return []
    pipe = queues.redis.pipeline(transaction=False)
    for key in keys:
        pipe.set(key, "1", nx=True, px=_ms(seconds))
    return [bool(taken) for taken in pipe.execute()]


def release(*keys: str) -> None:
    """Give keys back early (work that did not happen, or a lock held only while running)."""
    if keys:
        queues.redis.delete(*keys)


def _ms(seconds: float) -> int:
    return max(1, round(seconds * 1000))
