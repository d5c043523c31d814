"""Play the day's steps against a running app over HTTP, on their compressed schedule, then
wait until the app has processed every delivery and sent every mail that fell due."""
from __future__ import annotations

import queue
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import httpx
from sqlalchemy import text

from bench.scale.day import Step
from bench.scale.wire import fixed_clock, render


@dataclass
class Played:
    sent: int = 0
    answers: Counter = field(default_factory=Counter)  # "200 accepted", "200 duplicate delivery ignored", …
    seconds: float = 0.0
    peak_rps: int = 0
    late_seconds: float = 0.0  # how far behind its schedule the latest send was


def play(base_url: str, steps: list[Step], *, speed: float, seed: int, shopify_secret: str,
         senders: int = 8, progress: Callable[[int], None] | None = None) -> Played:
    """Send each step when its time comes (`speed` simulated seconds per real second);
    payload timestamps are the scheduled moments, so a parcel ships "now" as it is played.
    `progress(1)` after each delivery sent."""
    first = steps[0].send_at
    started = time.monotonic()
    start_at = datetime.now(timezone.utc)
    clock = fixed_clock(start_at - timedelta(seconds=first / speed), speed)
    work: queue.Queue = queue.Queue()
    for step in steps:
        work.put(step)
    played, lock, per_second = Played(), threading.Lock(), Counter()

    def send() -> None:
        with httpx.Client(base_url=base_url, timeout=30) as client:
            while True:
                try:
                    step = work.get_nowait()
                except queue.Empty:
                    return
                due = started + (step.send_at - first) / speed
                if (wait := due - time.monotonic()) > 0:
                    time.sleep(wait)
                delivery = render(step, clock, seed=seed, shopify_secret=shopify_secret)
                answer = client.post(delivery.path, content=delivery.body, headers=delivery.headers)
                now = time.monotonic()
                message = answer.json().get("message", "") if answer.status_code < 500 else answer.text[:80]
                with lock:
                    played.sent += 1
                    played.answers[f"{answer.status_code} {message}"] += 1
                    per_second[int(now - started)] += 1
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
            report(f"scale: draining: {left['deliveries']:,} deliveries and {left['mails']:,} mails outstanding, "
                   f"{reported - began:.0f} s")
    return round(time.monotonic() - began, 1), left


def latencies(conn, since: datetime, orders: int) -> dict[str, float]:
    """p50/p99 from a delivery's arrival to its processing, and from a mail's due time to sent."""
    row = conn.execute(text(
        "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM processed_at - received_at)) AS p50, "
        "       percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM processed_at - received_at)) AS p99 "
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
