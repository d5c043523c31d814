"""The processes a benchmark needs: gunicorn serving an app, and the databases behind it."""
from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import redis
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def gunicorn(app_spec: str, env: dict[str, str], *, workers: int = 2, probe: str = "/",
             args: tuple[str, ...] = ()):
    """Serve `app_spec` with the Procfile's settings (sync workers) on a loopback port.

    BENCH_WORKERS and BENCH_GUNICORN_ARGS (e.g. "--worker-class gthread --threads 4") try
    other settings; they apply to the baseline and the app alike. `args` go to gunicorn too
    (the scale run's settings file, which counts each worker's SQL and Redis calls).
    """
    port = free_port()
    workers_setting = os.environ.get("BENCH_WORKERS", str(workers))
    extra = os.environ.get("BENCH_GUNICORN_ARGS", "").split()
    process = subprocess.Popen(
        [str(BIN / "gunicorn"), "--workers", workers_setting, "--bind", f"127.0.0.1:{port}",
         "--log-level", "warning", *extra, *args, app_spec],
        env={**os.environ, **env}, cwd=Path(__file__).resolve().parents[1],
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base + probe, process)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)


def _wait_until_up(url: str, process: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited with {process.returncode} before serving {url}")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise SystemExit(f"gunicorn did not answer at {url}")


def fresh_postgres(url: str) -> str | None:
    """Drop and create the bench database; None when PostgreSQL is not reachable."""
    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    except Exception as exc:  # noqa: BLE001 - any failure means "no PostgreSQL here"
        print(f"PostgreSQL not reachable at {target.host}:{target.port} ({type(exc).__name__}); "
              "falling back to SQLite", flush=True)
        return None
    finally:
        admin.dispose()
    return url


@contextlib.contextmanager
def bench_redis(url: str | None, folder: Path):
    """The given Redis (flushed), else the local one on db 14, else an embedded one."""
    for candidate in filter(None, [url, "redis://127.0.0.1:6379/14"]):
        try:
            redis.Redis.from_url(candidate, socket_connect_timeout=1).flushdb()
        except redis.RedisError:
            continue
        yield candidate
        return
    from app.devstack.embedded_redis import start_embedded_redis

    process, embedded = start_embedded_redis(folder)
    try:
        yield embedded
    finally:
        process.terminate()
        process.wait(timeout=10)
