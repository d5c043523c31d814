"""What one 304 of the block and one webhook intake cost, and their floors', in counts that
hold on a loaded machine: Python function calls (cProfile), SQL statements and Redis commands
per request, and with --callgrind the instructions (valgrind's callgrind, counted only while
the requests run). In-process through Flask's test client against PostgreSQL, seeded as
`make bench` seeds (bench/run.py), so two commits can be compared where `make bench`'s
seconds cannot (docs/benchmarks.md: the bisect of the 304 and ingest ratios).

    python -m bench.path_counts [--requests N] [--callgrind]

PostgreSQL at PATH_COUNTS_DATABASE_URL (default the local server's aftersales_path_counts,
recreated), Redis at PATH_COUNTS_REDIS_URL (default db 14 of the local server). Prints one
JSON object: per path `calls`, `sql`, `redis` (and `instructions`).
"""
from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Callable

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/aftersales_path_counts"
DEFAULT_REDIS = "redis://127.0.0.1:6379/14"
PATHS = ("block_etag", "block_etag_floor", "ingest", "ingest_floor")
WARM_UP = 30  # psycopg prepares a statement at its fifth run; caches fill


def prepare() -> dict[str, Callable[[], None]]:
    """Seed as `make bench` does and return one request per path (each asserts its answer)."""
    from bench import run
    from bench.servers import fresh_postgres

    database_url = fresh_postgres(os.environ.get("PATH_COUNTS_DATABASE_URL", DEFAULT_PG))
    if database_url is None:
        raise SystemExit("path_counts needs PostgreSQL (the floors read and write with raw psycopg)")
    env = run.app_environment(database_url, os.environ.get("PATH_COUNTS_REDIS_URL", DEFAULT_REDIS))
    _tracking, order_gid, _message = run.seed(env)  # sets os.environ for the app and the floors
    floor_pg = database_url.replace("postgresql+psycopg://", "postgresql://")
    os.environ["BENCH_FLOOR_PG"] = floor_pg
    from app import create_app
    from bench import block_floor, ingest_floor
    from bench.ingest_script import signed_bodies

    ingest_floor.prepare(floor_pg)
    bodies = signed_bodies(env["SHOPIFY_API_SECRET"], 9_000_000_000_000)
    sent, run_id = [0], uuid.uuid4().hex[:8]
    auth = {"Authorization": f"Bearer {run.session_token(env)}"}
    url = f"/api/v1/order-status?order_id={order_gid}"
    app = create_app()

    def conditional_get(flask_app) -> Callable[[], None]:
        client = flask_app.test_client()
        headers = {**auth, "If-None-Match": client.get(url, headers=auth).headers["ETag"]}

        def request() -> None:
            assert client.get(url, headers=headers).status_code == 304

        return request

    def webhook_post(flask_app) -> Callable[[], None]:
        client = flask_app.test_client()

        def request() -> None:
            sent[0] += 1
            body, signature = bodies[sent[0] % len(bodies)]
            event = f"{run_id}-{sent[0]}"
            headers = {"Content-Type": "application/json", "X-Shopify-Topic": "orders/create",
                       "X-Shopify-Hmac-Sha256": signature, "X-Shopify-Shop-Domain": run.DOMAIN,
                       "X-Shopify-API-Version": "2026-10", "X-Shopify-Event-Id": event,
                       "X-Shopify-Webhook-Id": f"w-{event}"}
            assert client.post("/webhooks/shopify", data=body, headers=headers).status_code == 200

        return request

    paths = {"block_etag": conditional_get(app), "block_etag_floor": conditional_get(block_floor.app),
             "ingest": webhook_post(app), "ingest_floor": webhook_post(ingest_floor.app)}
    for request in paths.values():
        for _ in range(WARM_UP):
            request()
    return paths


def profile_counts(request: Callable[[], None], n: int) -> dict[str, float]:
    """Python calls, SQL statements (psycopg cursor executions) and Redis commands per request."""
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(n):
        request()
    profile.disable()
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]

    def calls_of(file_part: str, function: str) -> int:
        return sum(v[1] for k, v in stats.items() if k[2] == function and file_part in k[0])

    return {"calls": round(sum(v[1] for v in stats.values()) / n, 1),
            "sql": round(calls_of("psycopg/cursor.py", "execute") / n, 2),
            "redis": round(calls_of("redis/connection.py", "send_packed_command") / n, 2)}


def _callgrind_child(flags: Path, n: int) -> None:
    """Under valgrind: wait for the parent to switch the counting on around each path's requests."""
    paths = prepare()
    for name in PATHS:
        (flags / f"ready.{name}").touch()
        while not (flags / f"go.{name}").exists():
            time.sleep(0.05)
        for _ in range(n):
            paths[name]()
        (flags / f"done.{name}").touch()
        while not (flags / f"next.{name}").exists():
            time.sleep(0.05)


def callgrind_instructions(n: int) -> dict[str, int]:
    """Instructions per request of each path: the child runs under callgrind with counting off,
    and callgrind_control switches it on only while a path's `n` requests run."""
    flags = Path(tempfile.mkdtemp(prefix="path-counts-"))
    child = subprocess.Popen(
        ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={flags}/out",
         sys.executable, "-m", "bench.path_counts", "--requests", str(n), "--callgrind-child", str(flags)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    pid, result = str(child.pid), {}
    for name in PATHS:
        while not (flags / f"ready.{name}").exists():
            if child.poll() is not None:
                raise SystemExit(f"the callgrind child exited ({child.returncode}) before {name}")
            time.sleep(0.5)
        for command in (["-z"], ["-i", "on"]):
            subprocess.run(["callgrind_control", *command, pid], check=True, capture_output=True)
        (flags / f"go.{name}").touch()
        while not (flags / f"done.{name}").exists():
            time.sleep(0.2)
        for command in (["-i", "off"], ["-d", name]):
            subprocess.run(["callgrind_control", *command, pid], check=True, capture_output=True)
        dump = max(flags.glob("out.*"), key=lambda path: path.stat().st_mtime)
        totals = [line for line in dump.read_text().splitlines() if line.startswith(("summary:", "totals:"))]
        result[name] = int(totals[-1].split()[1]) // n
        dump.rename(flags / f"{name}.callgrind")
        (flags / f"next.{name}").touch()
    child.wait(timeout=120)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--callgrind", action="store_true", help="also count instructions (slow)")
    parser.add_argument("--callgrind-child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.callgrind_child:
        _callgrind_child(args.callgrind_child, args.requests)
        return 0
    paths = prepare()
    figures = {name: profile_counts(paths[name], args.requests) for name in PATHS}
    if args.callgrind:
        for name, instructions in callgrind_instructions(max(args.requests // 2, 1)).items():
            figures[name]["instructions"] = instructions
    for app_path, floor in (("block_etag", "block_etag_floor"), ("ingest", "ingest_floor")):
        key = "instructions" if args.callgrind else "calls"
        figures[app_path][f"floor_share_of_{key}"] = round(figures[floor][key] / figures[app_path][key], 3)
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
