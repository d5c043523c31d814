"""Liveness and readiness for load balancers and orchestrators, on any host name.

/healthz/live: the process answers; nothing else is asked (restart the process when it fails).
/healthz/ready: the database and Redis each answer within CHECK_SECONDS; otherwise 503 and
which one failed, by the error's type only (no address, no password). /healthz is the same as
/healthz/ready, as it has always been: probes and the local stack that read it as "can serve"
keep that meaning.

A check runs in a thread of its own so that a database or Redis that hangs (a lost packet, a
full pool) costs the probe CHECK_SECONDS, not the worker; while a hung check of a kind is still
running, the next probe says so at once instead of starting another.
"""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from flask import Blueprint
from sqlalchemy import text

from app.extensions import db, queues

bp = Blueprint("health", __name__)
CHECK_SECONDS = 2.0
_executors: dict[str, ThreadPoolExecutor] = {}
_busy: dict[str, threading.Event] = {}
_lock = threading.Lock()


@bp.get("/healthz/live")
def live():
    """200 while the process serves requests."""
    return {"status": "ok"}


@bp.get("/healthz/ready")
@bp.get("/healthz")
def ready():
    """200 when the database and Redis both answer in time; 503 naming the ones that did not."""
    checks = {"database": _check("database", _ping_database), "redis": _check("redis", _ping_redis)}
    failed = [name for name, state in checks.items() if state != "ok"]
    body: dict[str, object] = {"status": "ok" if not failed else "unavailable", "checks": checks}
    if failed:
        body["failed"] = failed
    return body, 503 if failed else 200


def _ping_database() -> None:
    with db.autocommit() as conn:
        conn.execute(text("SELECT 1"))


def _ping_redis() -> None:
    queues.redis.ping()


def _check(name: str, probe) -> str:
    """"ok", "timeout" or "error: <type>" for one dependency."""
    with _lock:
        executor = _executors.get(name)
        if executor is None:
            executor = _executors[name] = ThreadPoolExecutor(max_workers=1,
                                                             thread_name_prefix=f"health-{name}")
            _busy[name] = threading.Event()
        busy = _busy[name]
        if busy.is_set():
            return "timeout"
        busy.set()

    def run() -> None:
        try:
            probe()
        finally:
            busy.clear()

    try:
        executor.submit(run).result(timeout=CHECK_SECONDS)
    except FutureTimeout:
        return "timeout"
    except Exception as exc:  # report, do not raise: this is the health page
        return f"error: {type(exc).__name__}"
    return "ok"
