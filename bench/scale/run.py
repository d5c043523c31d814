"""`make scale`: the cost per order at 10k, 100k and 1M orders, and whether it stays flat.

For each size in SCALE_SIZES the PostgreSQL database is grown to that many orders (history
cloned in bulk from rows the app wrote itself, see history.py), then a fixed sample of a
realistic day (SCALE_SAMPLE_ORDERS whole lifecycles of many shops, see day.py) is played
through the real webhook endpoints into gunicorn and real RQ workers, compressed into about
SCALE_PLAY_SECONDS, until every delivery is applied and every mail that fell due is sent to
a local SMTP server. The day is played an hour (simulated) at a time, and the harness waits
for the app to catch up after each hour (bench/scale/play.py): which mails go out, and so
what the day costs, is then the same on a busy machine as on an idle one, and the counts
(statements, round trips, rows) at two sizes differ only by what the size itself changes.
The workers are held (stopped) while each hour's webhooks are sent and let go before the
wait (bench/scale/hold.py), so each hour's deliveries are drained as a backlog in full
batches, as at a peak hour, rather than in batches whose fill follows the machine's speed;
SCALE_TRICKLE=1 plays the old way, the workers draining as the webhooks trickle in (the
figures then vary with the machine's load; the processing latencies mean something only then).
The CPU times still carry a loaded machine's overhead (cache misses, context switches);
compare them within one run. What the app costs per second while idle (the periodic tick,
RQ's polling) is measured on a quiet stretch before the day and taken out of the day's
figures for the day's length (bench/scale/meter.py), so the waits do not count as orders'
cost; the gross figures and that rate are printed and kept beside them. Measured per
order of the sample: CPU time of the web and worker processes (and of PostgreSQL's and
Redis' server processes), SQL statements and Redis round trips counted inside the app's
processes, rows PostgreSQL scanned; plus the processing latency. Results:
var/scale/scale-results.json and a table; the growth ratio compares the largest size with
the smallest (flat: ≤ 1.3×). A first stage times the analytics pages'
aggregation at the same sizes in its own database (bench/scale/analytics.py,
var/scale/analytics-results.json).

Uses SCALE_DATABASE_URL (default: the local server, database aftersales_scale, dropped and
created per run) and a private Redis (embedded) so that Redis' counters are the app's alone.
SCALE_SKIP="analytics tracking" leaves those stages out (a quick iteration on the sample day).
Per order beside the costs: the drain's claims (one per batch) and the RQ jobs performed.
"""
from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import click
from sqlalchemy import text

from app.devstack.embedded_redis import start_embedded_redis
from app.devstack.mail_sink import start_sink
from app.progress_lines import ProgressLines
from bench.mail_bench import CountingInbox
from bench.run import app_environment
from bench.scale import meter
from bench.scale.day import day_steps, make_orders
from bench.scale.history import fill_facts
from bench.scale.hold import Hold
from bench.scale.play import latencies, play_day, wait_until_done
from bench.scale.report import outcome, print_table
from bench.scale.shops import make_shops
from bench.servers import fresh_postgres, gunicorn

ROOT = Path(__file__).resolve().parents[2]
SIZES = [int(n) for n in os.environ.get("SCALE_SIZES", "10000 100000 1000000").split()]
SAMPLE = int(os.environ.get("SCALE_SAMPLE_ORDERS", 1000))
PLAY_SECONDS = float(os.environ.get("SCALE_PLAY_SECONDS", 240))
SHOPS = int(os.environ.get("SCALE_SHOPS", 40))
SEED = int(os.environ.get("SCALE_SEED", 1))
WORKERS = int(os.environ.get("SCALE_WORKERS", 2))
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/aftersales_scale"
RESULTS = ROOT / "var" / "scale"
WARMUP_ORDERS = 40
IDLE_SECONDS = 30  # the quiet stretch (plus the snapshot's own wait) whose cost per second is taken out
DRAIN_TIMEOUT = 900
# The wait after each hour of the day: a delivery that keeps failing (retried with back-off)
# must not hold up every window; what is left shows in the final drain and the failures.
SETTLE_TIMEOUT = 60
# Stages left out for a quick iteration on the sample day: "analytics", "tracking".
SKIP = set(os.environ.get("SCALE_SKIP", "").split())
# SCALE_TRICKLE=1: the workers run while the webhooks are sent (batch fill follows the machine's speed).
TRICKLE = os.environ.get("SCALE_TRICKLE", "") not in ("", "0")
# The longest a hold lasts (a window is a few real seconds): a web request waiting on a lock
# that a stopped worker holds must not hang the run.
HOLD_LIMIT = 30.0
SAMPLE_FIRST_ID = 5_000_000_000_000  # + 10^10 per day: every played day has its own order ids


@contextlib.contextmanager
def rq_workers(env: dict[str, str], count: int):
    """`python -m app.worker` processes (through bench.scale.worker, which adds the counters)."""
    processes = [subprocess.Popen([sys.executable, "-m", "bench.scale.worker"], env=env, cwd=ROOT,
                                  start_new_session=True)  # a group of its own: held with its scheduler
                 for _ in range(count)]
    try:
        yield processes
    finally:
        for process in processes:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGCONT)  # a held worker could not act on SIGTERM
            process.terminate()
        for process in processes:
            process.wait(timeout=30)


def seed_to(seeder, engine, size: int) -> dict:
    """Clone history until the database holds `size` orders; then VACUUM ANALYZE, as autovacuum would."""
    with engine.connect() as conn:
        present = conn.scalar(text("SELECT count(*) FROM orders"))
    began = time.monotonic()
    missing = max(0, size - present)
    progress = ProgressLines("scale: seeding", total=missing, every=100_000, seconds=15)
    rows = seeder.grow(missing, progress)
    progress.done()
    rows += fill_facts(engine, seeder.now)
    seeded = time.monotonic() - began
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
        counts = {table: conn.scalar(text(f"SELECT count(*) FROM {table}")) for table in
                  ("orders", "order_lines", "customers", "shipments", "tracking_events", "refunds",
                   "scheduled_messages", "webhook_deliveries", "parcel_facts")}
        database_bytes = conn.scalar(text("SELECT pg_database_size(current_database())"))
    return {"seed_seconds": round(seeded, 1), "vacuum_seconds": round(time.monotonic() - began - seeded, 1),
            "rows_written": rows, "table_rows": counts, "database_gb": round(database_bytes / 1e9, 2)}


def measure_day(engine, env: dict[str, str], profiles, known: dict[int, int], day: int, work: Path,
                redis_client) -> dict:
    """Warm up, then play the sample day and measure what it cost per order."""
    counter_dir = work / f"counters-{day}"
    counter_dir.mkdir()
    proc_env = {**os.environ, **env, "SCALE_COUNTER_DIR": str(counter_dir)}
    secret = env["SHOPIFY_API_SECRET"]
    first_id = SAMPLE_FIRST_ID + day * 10_000_000_000
    warmup = make_orders(profiles, WARMUP_ORDERS, SEED, returning=known,
                         first_order_id=first_id - 5_000_000_000,
                         day=1000 + day)
    orders = make_orders(profiles, SAMPLE, SEED, returning=known, first_order_id=first_id, day=day)
    steps = day_steps(orders, SEED)
    speed = (steps[-1].send_at - steps[0].send_at) / PLAY_SECONDS
    with gunicorn("app:create_app()", proc_env, probe="/healthz",
                  args=("-c", "bench/scale/gunicorn_hooks.py")) as base, \
            rq_workers(proc_env, WORKERS) as workers, \
            engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        hold = None if TRICKLE else Hold([worker.pid for worker in workers], HOLD_LIMIT)
        warm_since = datetime.now(timezone.utc)
        warm_steps = day_steps(warmup, SEED)
        play_day(base, warm_steps, speed=(warm_steps[-1].send_at - warm_steps[0].send_at) / 10, seed=SEED,
                 shopify_secret=secret, settle=lambda: wait_until_done(conn, warm_since, SETTLE_TIMEOUT),
                 hold=hold)
        wait_until_done(conn, warm_since, DRAIN_TIMEOUT)
        quiet = meter.take(counter_dir, conn, redis_client)
        time.sleep(IDLE_SECONDS)
        before = meter.take(counter_dir, conn, redis_client)
        idle = meter.idle_rates(quiet, before)
        since = datetime.now(timezone.utc)
        progress = ProgressLines("scale: playing", unit="deliveries", total=len(steps),
                                 every=max(1, len(steps) // 10), seconds=15)
        played = play_day(base, steps, speed=speed, seed=SEED, shopify_secret=secret, progress=progress,
                          settle=lambda: wait_until_done(conn, since, SETTLE_TIMEOUT), hold=hold)
        progress.done()
        drain_seconds, left = wait_until_done(conn, since, DRAIN_TIMEOUT,
                                              lambda line: click.echo(line, err=True))
        wall = time.monotonic() - before.wall  # play and drain
        after = meter.take(counter_dir, conn, redis_client)
        return {
            "sample_orders": SAMPLE, "deliveries_sent": played.sent, "play_seconds": played.seconds,
            "speed": round(speed), "peak_rps": played.peak_rps, "sender_late_s": played.late_seconds,
            "windows": played.windows, "settle_seconds": played.settle_seconds,
            "mode": "trickle" if TRICKLE else "held", "paused_seconds": played.paused_seconds,
            "forced_releases": played.forced_releases,
            "drain_seconds": drain_seconds, "wall_seconds": round(wall, 1), "outstanding": left,
            "answers": dict(played.answers),
            **latencies(conn, since, SAMPLE), **outcome(conn, orders, steps, since),
            "per_order": meter.cost(before, after, SAMPLE, idle, played.paused_seconds),
            "load_average": os.getloadavg(),
        }


def tracking_life() -> dict:
    """Provider calls per parcel over a month (bench/scale/tracking_life.py), in its own process:
    its own SQLite database and Redis, the fake DHL and 17TRACK as the providers."""
    done = subprocess.run([sys.executable, "-m", "bench.scale.tracking_life"], cwd=ROOT, check=True,
                          capture_output=True, text=True, env={**os.environ, "PYTHONWARNINGS": "ignore"})
    print(f"scale: {done.stderr.strip().splitlines()[-1]}", flush=True)
    return json.loads(done.stdout)


def analytics_stage() -> dict:
    """The analytics pages' aggregation at the same sizes (bench/scale/analytics.py), in its own
    process and database: its figures print as they come; its results file is read back."""
    subprocess.run([sys.executable, "-m", "bench.scale.analytics"], cwd=ROOT, check=True,
                   env={**os.environ, "PYTHONWARNINGS": "ignore"})
    return json.loads((RESULTS / "analytics-results.json").read_text())


def machine(app) -> dict:
    """What the figures were measured on, and how busy the machine already was."""
    from app.extensions import db

    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), "unknown")
    memory = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal"))
    with app.app_context(), db.engine.connect() as conn:
        postgres = conn.scalar(text("SHOW server_version"))
        shared_buffers = conn.scalar(text("SHOW shared_buffers"))
    return {"cpu": model, "cpus": os.cpu_count(), "memory_gb": round(memory / 1e6, 1), "postgres": postgres,
            "shared_buffers": shared_buffers, "load_average_at_start": os.getloadavg()}


def main() -> int:
    database_url = fresh_postgres(os.environ.get("SCALE_DATABASE_URL", DEFAULT_PG))
    if database_url is None:
        raise SystemExit("make scale measures on PostgreSQL: set SCALE_DATABASE_URL to a reachable server")
    work = Path(tempfile.mkdtemp(prefix="aftersales-scale-"))
    redis_process, redis_url = start_embedded_redis(work / "redis")
    inbox = CountingInbox()
    sink = start_sink(inbox)
    env = {**app_environment(database_url, redis_url), "SMTP_URL": f"smtp://127.0.0.1:{sink.port}",
           "DISPATCH_INTERVAL_SECONDS": "1", "MAIL_FROM": "Aftersales <mail@scale.example.test>"}
    os.environ.update(env)
    from app import create_app
    from app.db.migrate import upgrade
    from app.extensions import db, queues
    from bench.scale.history import HistorySeeder
    from bench.scale.templates import create_shops, play_templates

    RESULTS.mkdir(parents=True, exist_ok=True)
    print(f"scale: sizes {SIZES}, sample {SAMPLE} orders over ~{PLAY_SECONDS:.0f}s, {SHOPS} shops, "
          f"{WORKERS} workers, cpus {os.cpu_count()}, database {database_url.split('@')[-1]}", flush=True)
    began = time.monotonic()
    upgrade(database_url)
    app = create_app()
    now = datetime.now(timezone.utc)
    profiles = make_shops(SHOPS, SEED)
    results = {"sizes": SIZES, "sample_orders": SAMPLE, "shops": SHOPS, "seed": SEED, "workers": WORKERS,
               "cpus": os.cpu_count(), "machine": machine(app), "started": now.isoformat(timespec="seconds"),
               "runs": [], "tracking": {} if "tracking" in SKIP else tracking_life(),
               "analytics": {} if "analytics" in SKIP else analytics_stage()}
    try:
        with app.app_context():
            shop_ids = create_shops(profiles)
            template_ids = play_templates(app, profiles, SEED, env["SHOPIFY_API_SECRET"], now)
            queues.redis.flushdb()
            results["template_orders"] = len(template_ids)
            results["template_seconds"] = round(time.monotonic() - began, 1)
            seeder = HistorySeeder(db.engine, profiles, shop_ids, template_ids, SEED, now)
            for day, size in enumerate(SIZES):
                print(f"scale: growing to {size} orders", flush=True)
                run = {"orders": size, **seed_to(seeder, db.engine, size)}
                print(f"scale: seeded in {run['seed_seconds']}s (+{run['vacuum_seconds']}s vacuum); "
                      f"playing {SAMPLE} orders", flush=True)
                queues.redis.flushdb()
                run.update(measure_day(db.engine, env, profiles, seeder.known_buyers(), day, work,
                                       queues.redis))
                results["runs"].append(run)
                results["seconds"] = round(time.monotonic() - began)
                print_table(results)
                (RESULTS / "scale-results.json").write_text(json.dumps(results, indent=2, default=str) + "\n")
    finally:
        sink.stop()
        redis_process.terminate()
        redis_process.wait(timeout=10)
    print(f"scale: {round(time.monotonic() - began)}s in all; results in {RESULTS / 'scale-results.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
