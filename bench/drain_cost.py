"""What a webhook delivery costs the worker: `python -m bench.drain_cost`.

Plays the freshness bench's stream (its 64 orders sent over and over, a new order every
250th delivery) into the stored deliveries of a PostgreSQL database (DRAIN_COST_DATABASE_URL,
default the local server's aftersales_drain_cost, recreated) and drains it in this process,
CHUNK deliveries at a time (default 50, a backlog; 10 is a drain that keeps up with a
stream). Prints per delivery: the drain's Python CPU, the PostgreSQL backend's CPU (read
from /proc: the server must run on this machine), SQL statements and commits, and the
deliveries a second one process applies. `--profile FILE` writes cProfile stats of the
measured drains. Uses a private embedded Redis.
"""
from __future__ import annotations

import argparse
import cProfile
import os
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

from sqlalchemy import event, insert, text, update

from bench.freshness import _order_body
from bench.ingest_script import signed_bodies
from bench.run import DOMAIN, app_environment, seed
from bench.servers import fresh_postgres

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/aftersales_drain_cost"
NEW_ORDER_EVERY = 250


def _backends_cpu(db) -> float:
    """CPU seconds so far of every server process connected to this database."""
    with db.engine.connect() as conn:
        pids = (conn.execute(text("SELECT pid FROM pg_stat_activity WHERE datname = current_database()"))
                .scalars())
        total = 0.0
        for pid in pids:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def _rows(count: int, start: int, bodies: list[bytes]) -> list[dict]:
    return [dict(platform="shopify", delivery_key=f"cost-{uuid.uuid4().hex}", topic="orders/create",
                 shop_domain=DOMAIN, state="ignored",
                 body=_order_body(8_000_000_000_000 + n) if n % NEW_ORDER_EVERY == 0
                 else bodies[n % len(bodies)])
            for n in range(start, start + count)]


def measure(app, count: int, chunk: int, profile: str | None) -> dict:
    import app.jobs.deliveries as deliveries
    from app.extensions import db
    from app.models import WebhookDelivery

    deliveries.GATHER_SECONDS = 0  # measure the work, not the wait for more
    table = WebhookDelivery.__table__
    bodies = [body for body, _ in signed_bodies(app.config["SHOPIFY_API_SECRET"], 7_000_000_000_000)]

    statements, commits, counting = Counter(), [0], [False]

    def drain(rows: list[dict]) -> None:
        with db.engine.begin() as conn:
            ids = conn.execute(insert(table).returning(table.c.id), rows).scalars().all()
        for start in range(0, len(ids), chunk):
            with db.engine.begin() as conn:  # as intake stores them: a chunk at a time
                conn.execute(update(table).where(table.c.id.in_(ids[start:start + chunk]))
                             .values(state="received"))
            counting[0] = True
            deliveries.drain_deliveries()
            counting[0] = False

    def count_statement(_conn, _cursor, statement, *_rest) -> None:
        if counting[0]:
            statements[statement.split("\n")[0][:90]] += 1

    def count_commit(_conn) -> None:
        commits[0] += counting[0]

    with app.app_context():
        drain(_rows(500, 0, bodies))  # warm-up: the stream's orders exist, caches are warm
        rows = _rows(count, 500, bodies)
        event.listen(db.engine, "before_cursor_execute", count_statement)
        event.listen(db.engine, "commit", count_commit)
        profiler = cProfile.Profile() if profile else None
        pg0, py0, wall0 = _backends_cpu(db), time.process_time(), time.perf_counter()
        if profiler:
            profiler.enable()
        drain(rows)
        if profiler:
            profiler.disable()
            profiler.dump_stats(profile)
        wall, py, pg = time.perf_counter() - wall0, time.process_time() - py0, _backends_cpu(db) - pg0
        done = db.session.scalar(text("SELECT count(*) FROM webhook_deliveries WHERE state = 'processed'"))
        db.session.remove()
    return {"deliveries": count, "processed": done - 500, "chunk": chunk,
            "per_second": round(count / wall), "python_cpu_ms": round(py * 1000 / count, 2),
            "postgres_cpu_ms": round(pg * 1000 / count, 2),
            "statements": round(sum(statements.values()) / count, 2),
            "commits": round(commits[0] / count, 3), "top_statements": statements.most_common(8)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=3000)
    parser.add_argument("--chunk", type=int, default=50)
    parser.add_argument("--profile", metavar="FILE")
    args = parser.parse_args()
    url = fresh_postgres(os.environ.get("DRAIN_COST_DATABASE_URL", DEFAULT_PG))
    if url is None:
        raise SystemExit("drain_cost needs PostgreSQL (DRAIN_COST_DATABASE_URL)")
    from app.devstack.embedded_redis import start_embedded_redis

    redis_process, redis_url = start_embedded_redis(Path(tempfile.mkdtemp(prefix="drain-cost-")))
    try:
        env = app_environment(url, redis_url)
        seed(env)
        from app import create_app

        figures = measure(create_app(), args.count, args.chunk, args.profile)
    finally:
        redis_process.terminate()
        redis_process.wait(timeout=10)
    top = figures.pop("top_statements")
    print(" ".join(f"{key}={value}" for key, value in figures.items()))
    for statement, times in top:
        print(f"  {times / figures['deliveries']:6.2f}  {statement}")


if __name__ == "__main__":
    main()
