"""Per provider and key, in Redis so every worker agrees: call spacing, pauses, refused keys.

Spacing: a key may be called once per `1 / rate` seconds (DHL 1/s, 17TRACK 3/s); the slot is
taken atomically (a Lua script), so workers side by side keep the rate together. A pause
(after a 429, until its Retry-After) is `aftersales:tracking-pause:<provider>:<key
fingerprint>` holding the time it ends. An app-wide key the provider refused is remembered for
a day under `aftersales:tracking-refused:…` (a shop's own key records it on its row).

Times are seconds from a `PassClock`: the wall clock, or a simulated one in tests.
"""
from __future__ import annotations

import math
import time
from datetime import datetime

from app.extensions import queues

RATES = {"dhl": 1.0, "17track": 3.0}  # calls per second per key
PAUSE_PREFIX = "aftersales:tracking-pause:"
REFUSED_PREFIX = "aftersales:tracking-refused:"
SLOT_PREFIX = "aftersales:tracking-slot:"
STRIKES_PREFIX = "aftersales:tracking-strikes:"
# A 429 (or a used-up quota) without Retry-After: a minute, doubled on each one that follows
# within the hour, up to an hour (DHL's daily overrun lasts until 00:00 GMT).
DEFAULT_PAUSE = 60.0
MAX_PAUSE = 3600.0
REFUSED_FOR = 24 * 3600

_TAKE_SLOT = """
local free_at = tonumber(redis.call('GET', KEYS[1]) or '0')
local now = tonumber(ARGV[1])
if free_at <= now then
  redis.call('SET', KEYS[1], tostring(now + tonumber(ARGV[2])), 'EX', 60)
  return '0'
end
return tostring(free_at - now)
"""


class PassClock:
    """Seconds since the epoch during one polling pass: real, or simulated (`sleep` then only
    moves it on), starting at the pass's `now`."""

    def __init__(self, now: datetime, simulated: bool = False):
        self.start, self.simulated, self.slept = now.timestamp(), simulated, 0.0
        self._began = time.monotonic()

    def time(self) -> float:
        elapsed = self.slept if self.simulated else time.monotonic() - self._began
        return self.start + elapsed

    def sleep(self, seconds: float) -> None:
        if self.simulated:
            self.slept += seconds
        else:
            time.sleep(seconds)


def _name(prefix: str, provider: str, key_fingerprint: str) -> str:
    return f"{prefix}{provider}:{key_fingerprint}"


def wait_for_slot(provider: str, key_fingerprint: str, clock: PassClock) -> float:
    """Take the key's next call slot now (0.0), or say how many seconds until it is free."""
    gap = 1.0 / RATES.get(provider, 1.0)
    script = queues.redis.register_script(_TAKE_SLOT)
    return float(script(keys=[_name(SLOT_PREFIX, provider, key_fingerprint)],
                        args=[repr(clock.time()), repr(gap)]))


def paused_until(provider: str, key_fingerprint: str, clock: PassClock) -> float | None:
    """When the key's pause ends, or None when it is not paused."""
    until = queues.redis.get(_name(PAUSE_PREFIX, provider, key_fingerprint))
    return float(until) if until is not None and float(until) > clock.time() else None


def pause(provider: str, key_fingerprint: str, retry_after: float | None, clock: PassClock) -> float:
    """Pause the key for the provider's Retry-After (else see DEFAULT_PAUSE); returns when it ends."""
    if retry_after is not None and retry_after > 0:
        seconds = retry_after
    else:
        strikes = queues.redis.incr(_name(STRIKES_PREFIX, provider, key_fingerprint))
        queues.redis.expire(_name(STRIKES_PREFIX, provider, key_fingerprint), int(MAX_PAUSE))
        seconds = min(DEFAULT_PAUSE * 2 ** (strikes - 1), MAX_PAUSE)
    until = clock.time() + seconds
    queues.redis.set(_name(PAUSE_PREFIX, provider, key_fingerprint), repr(until), ex=math.ceil(seconds) + 5)
    return until


def answered(provider: str, key_fingerprint: str) -> None:
    """The key got an answer: a later 429 without Retry-After starts from a minute again."""
    queues.redis.delete(_name(STRIKES_PREFIX, provider, key_fingerprint))


def refuse_app_key(provider: str, key_fingerprint: str) -> None:
    queues.redis.set(_name(REFUSED_PREFIX, provider, key_fingerprint), "1", ex=REFUSED_FOR)


def app_key_refused(provider: str, key_fingerprint: str) -> bool:
    return bool(queues.redis.exists(_name(REFUSED_PREFIX, provider, key_fingerprint)))
