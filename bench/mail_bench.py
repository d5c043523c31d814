"""Mail: our render + send of a planned message vs raw smtplib sending a prebuilt one.

Both go to the same local SMTP server (aiosmtpd), one message per connection, in the same
process, taking turns in slices of a fifth of a second, so that whatever else the machine
does weighs on both alike; the ratio is our rate over the raw rate.
"""
from __future__ import annotations

import smtplib
import statistics
import time


class CountingInbox:
    def __init__(self) -> None:
        self.received = 0

    async def handle_DATA(self, server, session, envelope):
        self.received += 1
        return "250 OK"


def _timed(send, seconds: float) -> list[float]:
    durations: list[float] = []
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        started = time.perf_counter()
        send()
        durations.append(time.perf_counter() - started)
    return durations


def _taking_turns(sends: list, seconds: float, slice_seconds: float = 0.2) -> list[list[float]]:
    """Run each send in turn, a slice at a time, for `seconds` each in all."""
    durations: list[list[float]] = [[] for _ in sends]
    for _ in range(max(1, round(seconds / slice_seconds))):
        for index, send in enumerate(sends):
            durations[index] += _timed(send, slice_seconds)
    return durations


def _figures(durations: list[float], seconds: float) -> dict:
    ordered = sorted(durations)
    return {"requests": len(durations), "rps": round(len(durations) / sum(durations), 1),
            "p50_ms": round(statistics.median(ordered) * 1000, 2),
            "p99_ms": round(ordered[int(len(ordered) * 0.99) - 1] * 1000, 2), "errors": 0}


def run(app, message_id: int, seconds: float) -> tuple[dict, dict]:
    """Return (raw smtplib figures, app figures)."""
    from app.devstack.mail_sink import start_sink
    from app.extensions import db
    from app.mail.render import render_message
    from app.mail.senders import SMTPSender
    from app.read_model.loads import load_message_view

    inbox = CountingInbox()
    sink = start_sink(inbox)
    try:
        with app.app_context():
            first = load_message_view(message_id)
            assert first is not None, "the bench's message must be stored"
            prebuilt = render_message(first)
            wire = prebuilt.as_bytes()
            db.session.remove()

            def raw_send() -> None:
                with smtplib.SMTP("127.0.0.1", sink.port, timeout=10) as smtp:
                    smtp.sendmail(prebuilt.sender, [prebuilt.recipient], wire)

            sender = SMTPSender(f"smtp://127.0.0.1:{sink.port}")

            def app_send() -> None:
                message = load_message_view(message_id)  # as the send job loads it
                assert message is not None
                sender.send(render_message(message))
                db.session.remove()  # as each send job ends

            raw, ours = _taking_turns([raw_send, app_send], seconds)
    finally:
        sink.stop()
    assert inbox.received == len(raw) + len(ours), "the SMTP server must have every message"
    return _figures(raw, seconds), _figures(ours, seconds)


def main() -> int:
    """`python -m bench.mail_bench`: the mail figure alone, on a fresh bench database
    (BENCH_DATABASE_URL, BENCH_REDIS_URL and BENCH_SECONDS as for `make bench`; SQLite when
    PostgreSQL is not reachable). BENCH_MAIL_ROUNDS=n runs it n times back to back."""
    import os
    import tempfile
    from pathlib import Path

    from bench.run import DEFAULT_PG, SECONDS, app_environment, seed
    from bench.servers import bench_redis, fresh_postgres

    work = Path(tempfile.mkdtemp(prefix="aftersales-mail-bench-"))
    database_url = (fresh_postgres(os.environ.get("BENCH_DATABASE_URL", DEFAULT_PG))
                    or f"sqlite:///{work / 'bench.sqlite3'}")
    with bench_redis(os.environ.get("BENCH_REDIS_URL"), work / "redis") as redis_url:
        env = app_environment(database_url, redis_url)
        _, _, message_id = seed(env)
        from app import create_app

        app = create_app()
        for _ in range(int(os.environ.get("BENCH_MAIL_ROUNDS", 1))):
            raw, ours = run(app, message_id, SECONDS / 2)
            print(f"mail: ratio={ours['rps'] / raw['rps']:.3f} rps={ours['rps']} raw_rps={raw['rps']} "
                  f"p50_ms={ours['p50_ms']} raw_p50_ms={raw['p50_ms']} load={os.getloadavg()[0]:.2f}",
                  flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
