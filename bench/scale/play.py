"""Play the day's steps against a running app over HTTP, on their compressed schedule, then
wait until the app has processed every delivery and sent every mail that fell due.

The day is played in windows of WINDOW simulated seconds (an hour), and after each window
the harness waits until the app has caught up: every delivery applied, every mail that fell
due sent (`settle`). So what the sample day does (which mails go out, which a later scan
cancels before they are sent) does not depend on how fast the workers keep up on the
machine of the run: an out-for-delivery notice is due at its scan, and the parcel's next
scan comes at least an hour later (bench/scale/day.py), in a later window, after the notice
went out. The pause is cut out of the simulated clock: each window starts where the
previous one left off, so payload timestamps keep the day's gaps (`Schedule`).

With a `hold` (bench/scale/hold.py, the default of `make scale`), the workers are stopped
while a window is sent and continued before the wait: each window's deliveries wait as a
backlog and are drained in full batches, as at a peak hour, however fast the machine is.
"""
from __future__ import annotations

import bisect
import contextlib
import queue
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from itertools import groupby

import httpx
from sqlalchemy import text

from bench.scale.day import Step
from bench.scale.hold import Hold
from bench.scale.wire import render

# Simulated seconds played between two waits for the app: shorter than the shortest gap
# between an out-for-delivery scan and the parcel's next scan (day.py: at least an hour).
WINDOW = 3600.0


@dataclass
class Played:
    sent: int = 0
    answers: Counter = field(default_factory=Counter)  # "200 accepted", "200 duplicate delivery ignored", …
    seconds: float = 0.0
    peak_rps: int = 0
    late_seconds: float = 0.0  # how far behind its schedule the latest send was
    windows: int = 0
    settle_seconds: float = 0.0  # waited for the app at the ends of the windows
    paused_seconds: float = 0.0  # the workers were held (stopped) while windows were sent
    forced_releases: int = 0  # holds ended by their guard rather than by the window's end


class Schedule:
    """Simulated seconds → real moments: `speed` simulated seconds per real second from the
    first step on, plus the pauses taken before the moment's window (`resume`)."""

    def __init__(self, first: float, speed: float, window: float = WINDOW) -> None:
        self.first, self.speed, self.window = first, speed, window
        self.started, self.wall = time.monotonic(), datetime.now(timezone.utc)
        self.indexes, self.pauses = [0], [0.0]  # from window index on: real seconds paused

    def window_of(self, moment: float) -> int:
        return max(0, int((moment - self.first) // self.window))

    def _offset(self, moment: float) -> float:
        """Real seconds from the start to this moment's play."""
        at = bisect.bisect_right(self.indexes, self.window_of(moment)) - 1
        return (moment - self.first) / self.speed + self.pauses[at]

    def due(self, moment: float) -> float:
        return self.started + self._offset(moment)

    def clock(self, moment: float) -> datetime:
        return self.wall + timedelta(seconds=self._offset(moment))

    def resume(self, index: int) -> None:
        """Window `index` starts now (or on time, when the app kept up)."""
        if index > self.indexes[-1]:
            late = time.monotonic() - (self.started + index * self.window / self.speed + self.pauses[-1])
            self.indexes.append(index)
            self.pauses.append(self.pauses[-1] + max(0.0, late))


def play_day(base_url: str, steps: list[Step], *, speed: float, seed: int, shopify_secret: str,
             settle: Callable[[], object], progress: Callable[[int], None] | None = None,
             hold: Hold | None = None) -> Played:
    """Play the steps window by window, `settle()` (wait for the app) after each; with a
    `hold`, the workers are stopped while each window is sent."""
    schedule = Schedule(steps[0].send_at, speed)
    played, per_second = Played(), Counter()
    paused_before, forced_before = (hold.paused, hold.forced) if hold else (0.0, 0)
    for index, window in groupby(steps, key=lambda step: schedule.window_of(step.send_at)):
        schedule.resume(index)
        with hold.window() if hold else contextlib.nullcontext():
            part = play(base_url, list(window), schedule=schedule, seed=seed, shopify_secret=shopify_secret,
                        progress=progress, per_second=per_second)
        began = time.monotonic()
        settle()
        played.settle_seconds += time.monotonic() - began
        played.windows += 1
        played.sent += part.sent
        played.answers.update(part.answers)
        played.late_seconds = max(played.late_seconds, part.late_seconds)
    played.seconds = round(time.monotonic() - schedule.started, 1)
    played.settle_seconds = round(played.settle_seconds, 1)
    if hold:
        played.paused_seconds = round(hold.paused - paused_before, 1)
        played.forced_releases = hold.forced - forced_before
    played.peak_rps = max(per_second.values(), default=0)
    return played


def play(base_url: str, steps: list[Step], *, schedule: Schedule, seed: int, shopify_secret: str,
         senders: int = 8, progress: Callable[[int], None] | None = None,
         per_second: Counter | None = None) -> Played:
    """Send each step when its time comes (`schedule.due`); payload timestamps are the
    scheduled moments (`schedule.clock`), so a parcel ships "now" as it is played.
    `progress(1)` after each delivery sent; `per_second` counts sends per real second."""
    work: queue.Queue = queue.Queue()
    for step in steps:
        work.put(step)
    played, lock = Played(), threading.Lock()
    per_second = Counter() if per_second is None else per_second
    started = time.monotonic()

    def send() -> None:
        with httpx.Client(base_url=base_url, timeout=30) as client:
            while True:
                try:
                    step = work.get_nowait()
                except queue.Empty:
                    return
                due = schedule.due(step.send_at)
                if (wait := due - time.monotonic()) > 0:
                    time.sleep(wait)
                delivery = render(step, schedule.clock, seed=seed, shopify_secret=shopify_secret)
                answer = client.post(delivery.path, content=delivery.body, headers=delivery.headers)
                now = time.monotonic()
                message = answer.json().get("message", "") if answer.status_code < 500 else answer.text[:80]
                with lock:
                    played.sent += 1
                    played.answers[f"{answer.status_code} {message}"] += 1
                    per_second[int(now - schedule.started)] += 1
                    played.late_seconds = max(played.late_seconds, now - due)
                    if progress:
                        progress(1)

    threads = [threading.Thread(target=send) for _ in range(senders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    played.seconds = round(time.monotonic() - started, 1)
    played.peak_rps = max(per_second.values(), default=0)
    played.late_seconds = round(played.late_seconds, 1)
    return played


def outstanding(conn, since: datetime) -> dict[str, int]:
    """Deliveries since `since` not yet applied, and mails due but not yet sent (or skipped)."""
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    return dict(conn.execute(text(
        "SELECT (SELECT count(*) FROM webhook_deliveries WHERE state IN ('received', 'failed') "
        "        AND received_at >= :since) AS deliveries, "
        "       (SELECT count(*) FROM scheduled_messages WHERE state IN ('queued', 'sending') "
        "        OR (state = 'planned' AND send_at <= :now AND created_at >= :since)) AS mails"),
        {"since": since.replace(tzinfo=None), "now": now}).mappings().one())


def wait_until_done(conn, since: datetime, timeout: float, report: Callable[[str], None] | None = None,
                    every: float = 10.0) -> tuple[float, dict[str, int]]:
    """Poll until nothing is outstanding; returns the seconds waited and what was left.
    `report` gets a line on what is still outstanding every `every` seconds."""
    began = reported = time.monotonic()
    left = outstanding(conn, since)
    while any(left.values()) and time.monotonic() - began < timeout:
        time.sleep(0.5)
        left = outstanding(conn, since)
        if report and time.monotonic() - reported >= every:
            reported = time.monotonic()
            report(f"scale: draining: {left['deliveries']:,} deliveries and {left['mails']:,} mails "
                   "outstanding, "
                   f"{reported - began:.0f} s")
    return round(time.monotonic() - began, 1), left


def latencies(conn, since: datetime, orders: int) -> dict[str, float]:
    """p50/p99 from a delivery's arrival to its processing, and from a mail's due time to sent."""
    row = conn.execute(text(
        "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM processed_at - received_at)) "
        "AS p50, "
        "       percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM processed_at - received_at)) "
        "AS p99 "
        "FROM webhook_deliveries WHERE received_at >= :since AND processed_at IS NOT NULL"),
        {"since": since.replace(tzinfo=None)}).mappings().one()
    mail = conn.execute(text(
        "SELECT count(*) AS sent, "
        "       percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM sent_at - send_at)) AS p99 "
        "FROM scheduled_messages WHERE created_at >= :since AND state = 'sent'"),
        {"since": since.replace(tzinfo=None)}).mappings().one()
    return {"processing_p50_ms": round((row["p50"] or 0) * 1000, 1),
            "processing_p99_ms": round((row["p99"] or 0) * 1000, 1),
            "mails_sent": mail["sent"], "mails_per_order": round(mail["sent"] / orders, 2),
            "mail_p99_ms": round((mail["p99"] or 0) * 1000, 1)}
