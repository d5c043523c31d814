"""The scale run's hold (bench/scale/hold.py): webhooks sent while the real worker process is
stopped wait as a backlog and are drained in one job, the counters see that job and its
claims, and the idle clock is taken out only for the seconds the workers ran."""
import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import DeliveryState, WebhookDelivery
from bench.scale import counters, meter
from bench.scale.day import day_steps, make_orders
from bench.scale.hold import Hold
from bench.scale.shops import make_shops
from bench.scale.templates import create_shops
from bench.scale.wire import fixed_clock, render
from tests.support.app_config import SHOPIFY_SECRET

pytestmark = [pytest.mark.scale]
SEED = 10
ROOT = Path(__file__).resolve().parents[2]


def _state(pid: int) -> str:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]


def _settled_state(pid: int) -> str:
    """The state once a signal just sent has been acted on (it is delivered asynchronously)."""
    deadline = time.monotonic() + 5
    while _state(pid) in ("R", "D") and time.monotonic() < deadline:
        time.sleep(0.01)
    return _state(pid)


def _waiting() -> dict:
    db.session.expire_all()
    states = select(WebhookDelivery.state, func.count()).group_by(WebhookDelivery.state)
    return dict(db.session.execute(states).all())


def test_a_hold_stops_the_whole_group_and_its_guard_lets_it_go():
    parent = subprocess.Popen([sys.executable, "-c", "import os, time\nos.fork()\ntime.sleep(60)"],
                              start_new_session=True)
    try:
        time.sleep(0.5)
        child = int(Path(f"/proc/{parent.pid}/task/{parent.pid}/children").read_text().split()[0])
        hold = Hold([parent.pid], limit=1.0)
        with hold.window():
            # the child too, as RQ's scheduler is a forked child of its worker
            assert (_settled_state(parent.pid), _settled_state(child)) == ("T", "T")
            deadline = time.monotonic() + 10
            while hold.forced == 0 and time.monotonic() < deadline:
                time.sleep(0.05)
            assert "T" not in (_settled_state(parent.pid), _settled_state(child))  # the guard continued them
        assert (hold.holds, hold.forced) == (1, 1) and 1.0 <= hold.paused < 10
        with hold.window():
            assert _settled_state(parent.pid) == "T"
        assert (hold.holds, hold.forced) == (2, 1) and _settled_state(parent.pid) != "T"
    finally:
        os.killpg(parent.pid, signal.SIGKILL)
        parent.wait()


@pytest.mark.slow
def test_webhooks_sent_while_the_worker_is_held_are_drained_as_one_backlog(app, config, client, tmp_path):
    profiles = make_shops(3, SEED)
    create_shops(profiles)
    steps = [s for s in day_steps(make_orders(profiles, 12, SEED), SEED) if not s.duplicate][:20]
    clock = fixed_clock(datetime.now(timezone.utc) - timedelta(days=2))
    env = {**os.environ, **{k: str(v) for k, v in config.items() if v is not None and k.isupper()},
           "DISPATCH_INTERVAL_SECONDS": "3600", "SCALE_COUNTER_DIR": str(tmp_path)}
    worker = subprocess.Popen([sys.executable, "-m", "bench.scale.worker"], env=env, cwd=ROOT,
                              start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while not counters.read(tmp_path) and time.monotonic() < deadline:  # the worker is up
            time.sleep(0.1)
        hold = Hold([worker.pid])
        with hold.window():
            for step in steps:
                delivery = render(step, clock, seed=SEED, shopify_secret=SHOPIFY_SECRET)
                answer = client.post(delivery.path, data=delivery.body, headers=delivery.headers)
                assert answer.status_code == 200
            time.sleep(1.0)
            assert _waiting() == {DeliveryState.RECEIVED: len(steps)}  # nothing taken while held
        deadline = time.monotonic() + 60
        while _waiting() != {DeliveryState.PROCESSED: len(steps)} and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _waiting() == {DeliveryState.PROCESSED: len(steps)}
        time.sleep(counters.WRITE_STATEMENTS_EVERY + 0.5)
        jobs = counters.read_round_trips(tmp_path, ".jobs.json")
        claims = sum(calls for sql, (calls, _) in counters.read_statements(tmp_path).items()
                     if meter.is_claim(sql))
        worker_jobs = sum(f["jobs"] for f in counters.read(tmp_path).values() if f["role"] == "worker")
    finally:
        os.killpg(worker.pid, signal.SIGCONT)
        worker.terminate()
        output = worker.communicate(timeout=30)[0].decode(errors="replace")
    assert jobs == {"drain_deliveries": 1} and worker_jobs == 1, output[-2000:]
    assert claims == 2  # the backlog in one claim, then the claim that finds none left


def _snapshot(wall: float, web_sql: int, worker_sql: int, worker_cpu: float, rows: int) -> meter.Snapshot:
    quiet = {"transactions": 0, "redis": 0, "jobs": 0}
    app = {1: {"role": "web", "cpu": 0.0, "sql": web_sql, **quiet},
           2: {"role": "worker", "cpu": worker_cpu, "sql": worker_sql, **quiet}}
    database = {key: rows if key == "tup_returned" else 0 for key in meter.DATABASE_FIGURES}
    return meter.Snapshot(wall, app, {}, {"commands": 0, "cpu": 0.0}, database, {}, {}, {}, {})


def test_the_workers_idle_clock_is_taken_out_only_for_the_seconds_they_ran():
    # Quiet: over 10 s the workers' clock costs 3 statements, 20 ms and 50 rows a second.
    idle = meter.idle_rates(_snapshot(0, 0, 0, 0.0, 0), _snapshot(10, 0, 30, 0.2, 500))
    # A 100 s stretch, 40 s of it held: the clock ran 60 s; the orders cost 400 + 100 statements.
    before = _snapshot(100, 0, 30, 0.2, 500)
    after = _snapshot(200, 400, 30 + 100 + 180, 0.2 + 1.2, 500 + 3000)
    net = meter.cost(before, after, 100, idle, paused=40)
    assert (net["sql_statements"], net["cpu_ms_worker"], net["rows_read"]) == (5.0, 0.0, 0.0)
    unpaused = meter.cost(before, after, 100, idle)  # the old subtraction would take out 120 too many
    assert unpaused["sql_statements"] == 3.8
