"""Hold the RQ workers while a window of the day is sent, so that the window's deliveries
wait for them as a backlog, as at a peak hour (the default of `make scale`).

Without it a worker drains while the webhooks trickle in, and how many deliveries a drain's
batch holds (a batch costs about 20 statements however few it holds, a drain job a dozen
Redis round trips) depends on how fast the worker is against the sender: the run's counts
then measure the machine's speed as much as the database's size. Held, every window's
backlog is drained in full batches, whatever the machine.

The workers are stopped with SIGSTOP, each its whole process group (RQ's scheduler is a
forked child), and continued with SIGCONT. A stop is short (a window is a few real seconds,
RQ's worker, scheduler-lock and job heartbeats live a minute or more), and a guard
continues them after `limit` seconds in any case: a web request that waits for a lock a
stopped worker holds cannot hang the run (`forced` counts such releases). `paused` is the
seconds they were stopped: the workers' idle clock (tick, polling, heartbeats) does not run
then, so bench/scale/meter.py takes it out only for the rest of the stretch.
"""
from __future__ import annotations

import contextlib
import os
import signal
import threading
import time


class Hold:
    def __init__(self, pids: list[int], limit: float = 30.0) -> None:
        self.groups = [os.getpgid(pid) for pid in pids]
        self.limit = limit
        self.paused = 0.0
        self.holds = self.forced = 0
        self._lock = threading.Lock()
        self._since: float | None = None

    def _signal(self, number: int) -> None:
        for group in self.groups:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(group, number)

    def stop(self) -> None:
        with self._lock:
            if self._since is None:
                self._signal(signal.SIGSTOP)
                self._since = time.monotonic()
                self.holds += 1

    def release(self, *, forced: bool = False) -> None:
        with self._lock:
            if self._since is not None:
                self._signal(signal.SIGCONT)
                self.paused += time.monotonic() - self._since
                self._since = None
                self.forced += forced

    @contextlib.contextmanager
    def window(self):
        """Stopped for the body (at most `limit` seconds), continued after it."""
        self.stop()
        guard = threading.Timer(self.limit, lambda: self.release(forced=True))
        guard.daemon = True
        guard.start()
        try:
            yield
        finally:
            guard.cancel()
            self.release()
