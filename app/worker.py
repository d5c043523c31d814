"""Worker entry: `python -m app.worker` runs RQ on webhooks, mail and periodic queues.

It builds the app once, runs the RQ scheduler (for retries with back-off) and a ticker
thread that enqueues the periodic job (the table in app/jobs/periodic.py) every
DISPATCH_INTERVAL_SECONDS; a Redis lock lets only one of many workers enqueue each tick.
"""
from __future__ import annotations

import logging
import threading

from rq import SimpleWorker

from app import create_app
from app.extensions import queues
from app.jobs.interval_locks import take
from app.jobs.runtime import set_worker_app
from app.observability.privacy_scrub import scrub_addresses, scrub_logged_addresses
from app.observability.startup_errors import check_database, check_redis, exit_on_startup_error
from app.queues import QUEUE_NAMES

log = logging.getLogger("app.worker")
TICK_LOCK = "aftersales:dispatch-tick"
MAINTENANCE_SECONDS = 60


def log_failure(job, exc_type, exc_value, _traceback):
    """Make every failed attempt visible with its job id; RQ keeps the failed registry."""
    log.error("job failed id=%s func=%s retries_left=%s error=%s: %s",
              job.id, job.func_name, job.retries_left, exc_type.__name__, scrub_addresses(str(exc_value)))
    return True  # let RQ's default handling (retry or failed registry) go on


def tick_forever(app, stop: threading.Event) -> None:
    from app.jobs.periodic import run_periodic

    interval = app.config["DISPATCH_INTERVAL_SECONDS"]
    while not stop.wait(interval):
        try:
            if take(TICK_LOCK, interval):
                queues.get("periodic").enqueue(run_periodic, result_ttl=60, failure_ttl=24 * 3600)
        except Exception:
            log.exception("dispatcher tick failed; next tick will try again")


def main() -> None:
    # a bad setting: ConfigError, one line and exit 2 (app/observability/startup_errors.py)
    app = create_app()
    # Unreachable at start: one line naming the address (no password) and exit 69.
    check_database(app.config["DATABASE_URL"])
    check_redis(app.config["REDIS_URL"])
    set_worker_app(app)
    scrub_logged_addresses()  # a safety net: error texts are scrubbed where they are made
    stop = threading.Event()
    threading.Thread(target=tick_forever, args=(app, stop), daemon=True).start()
    # SimpleWorker runs jobs in this process instead of forking a work horse per job: a
    # forked horse starts with no database connection and cold statement and template
    # caches, which made each webhook job three times slower. Our jobs catch their own
    # errors and are bounded by RQ's timeout (SIGALRM, main thread), which is what the
    # fork bought. Maintenance every minute rather than RQ's ten: it is when a worker
    # takes over the scheduler of a dead one, so a crashed worker's retries wait a minute.
    worker = SimpleWorker([queues.get(name) for name in QUEUE_NAMES], connection=queues.redis,
                    exception_handlers=[log_failure], maintenance_interval=MAINTENANCE_SECONDS)
    try:
        worker.work(with_scheduler=True, logging_level=app.config["LOG_LEVEL"])
    finally:
        stop.set()


if __name__ == "__main__":
    exit_on_startup_error(main)
