"""The periodic table: each entry runs once per interval across all workers sharing one Redis
(the tests' embedded Redis), every-tick entries run on every tick, per-shop entries serve
each shop once per interval, and an entry that raises is reported while the rest still run."""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import replace
from datetime import datetime, timedelta, timezone

from sqlalchemy import text

from app.extensions import db, queues
from app.jobs.periodic import LOCK_PREFIX, PERIODIC, Periodic, run_periodic, run_table
from app.jobs.transit_learning import learn_transit_job_id
from app.models import Shop, WebhookDelivery
from tests.support.periodic_ticks import tick

INTERVAL = timedelta(milliseconds=400)


class Runs:
    """A job that notes when it ran and which worker ran it."""

    def __init__(self) -> None:
        self.at: list[tuple[float, str]] = []

    def __call__(self) -> int:
        self.at.append((time.monotonic(), threading.current_thread().name))
        return 1


def entry(name: str) -> Periodic:
    return next(entry for entry in PERIODIC if entry.name == name)


def test_the_table_keeps_the_intervals_the_self_throttling_calls_had(app):
    seconds = {e.name: e.interval() for e in PERIODIC}
    reconcile = float(app.config["RECONCILE_INTERVAL_SECONDS"])
    assert seconds == {
        "dispatch": None, "reconciliations": reconcile,
        "recommendation_refreshes": 3600.0, "interval_learning": 86400.0,
        "transit_learning": 86400.0, "sender_domains": 86400.0, "carrier_polls": 60.0, "engagement": 60.0,
        "purged_shops": 300.0, "purged_mail_reports": 300.0, "dropped_webhook_bodies": 300.0,
        "purged_data_exports": 300.0}
    assert [e.name for e in PERIODIC if e.shops] == [
        "reconciliations", "recommendation_refreshes", "interval_learning", "transit_learning",
        "sender_domains"]


def test_the_tick_returns_every_count_it_returned_before(app):
    counts = run_periodic()
    assert set(counts) == {
        "queued", "redriven_messages", "redriven_deliveries", "redriven_retries", "reconciliations",
        "recommendation_refreshes", "interval_learning", "transit_learning", "sender_domains",
        "carrier_polls", "engagement", "purged_shops", "purged_mail_reports", "dropped_webhook_bodies",
        "purged_data_exports"}


def test_two_workers_on_one_redis_run_an_entry_once_per_interval_and_every_tick_entries_always(app):
    throttled, each_tick = Runs(), Runs()
    table = (Periodic("throttled", throttled, every=INTERVAL), Periodic("each_tick", each_tick))
    ticks: dict[str, int] = {}
    until = time.monotonic() + 5 * INTERVAL.total_seconds() - 0.05

    def worker() -> None:
        name = threading.current_thread().name
        with app.app_context():
            while time.monotonic() < until:
                run_table(table)
                ticks[name] = ticks.get(name, 0) + 1
                time.sleep(0.013)

    workers = [threading.Thread(target=worker, name=f"worker-{n}") for n in (1, 2)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    assert min(ticks.values()) > 20  # both workers ticked all along
    assert len(each_tick.at) == sum(ticks.values())  # every tick, on every worker
    starts = [at for at, _worker in throttled.at]
    assert len(starts) == 5  # at 0, 0.4, 0.8, 1.2, 1.6 s (the window closes at 1.95 s)
    gaps = [later - earlier for earlier, later in zip(starts, starts[1:], strict=False)]
    assert min(gaps) >= INTERVAL.total_seconds() - 0.02, gaps  # never twice within the interval


def test_alternating_workers_serve_each_shop_once_per_interval_and_a_new_shop_at_once(app, shop):
    quick = replace(entry("transit_learning"), every=INTERVAL)
    other = Shop(platform="woocommerce", domain="https://zwei.example", name="Zwei", locale="de")
    db.session.add(other)
    db.session.commit()
    assert run_table([quick]) == {"transit_learning": 2}  # worker 1
    assert run_table([quick]) == {"transit_learning": 0}  # worker 2: both shops' intervals hold
    third = Shop(platform="woocommerce", domain="https://drei.example", name="Drei", locale="de")
    db.session.add(third)
    db.session.commit()
    assert run_table([quick]) == {"transit_learning": 1}  # the new shop: on the next tick
    keys = queues.redis.keys(f"{LOCK_PREFIX}transit_learning:*")
    shop_ids = {s.id for s in (shop, other, third)}
    assert {int(key.decode().rsplit(":", 1)[1]) for key in keys} == shop_ids
    assert all(queues.job_is_live(learn_transit_job_id(s.id)) for s in (shop, other, third))
    time.sleep(INTERVAL.total_seconds() + 0.05)
    assert run_table([quick]) == {"transit_learning": 3}


def test_the_carrier_pass_is_enqueued_once_a_minute(app):
    assert tick("carrier_polls") == 1
    assert tick("carrier_polls") == 0
    assert queues.job_is_live(f"carrier-poll-{int(time.time()) // 60}")
    assert 59_000 < queues.redis.pttl(f"{LOCK_PREFIX}carrier_polls") <= 60_000


def test_an_entry_that_raises_is_logged_and_reported_and_the_rest_still_run(app, caplog):
    app.config["WEBHOOK_BODY_RETENTION_DAYS"] = 7
    db.session.add(WebhookDelivery(
        platform="shopify", delivery_key="old", shop_domain="johns-apparel.myshopify.com",
        topic="orders/create", body=b"{}", state="processed",
        received_at=datetime.now(timezone.utc) - timedelta(days=8)))
    db.session.commit()

    def broken() -> int:
        db.session.execute(text("SELECT id FROM no_such_table"))
        return 0

    table = [replace(e, run=broken) if e.name == "purged_shops" else e for e in PERIODIC]
    with caplog.at_level(logging.ERROR, logger="app.jobs.periodic"):
        counts = run_table(table)
    assert list(counts["failed"]) == ["purged_shops"]
    assert "no_such_table" in counts["failed"]["purged_shops"]
    assert "purged_shops" not in counts
    assert counts["dropped_webhook_bodies"] == 1  # later entries ran, on a usable session
    assert counts["purged_mail_reports"] == 0 and counts["purged_data_exports"] == 0
    [record] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert record.getMessage().startswith("periodic purged_shops failed after ") and record.exc_info


def test_a_failure_text_names_no_buyer(app):
    def bounced() -> int:
        raise RuntimeError("450 4.2.0 <kunde@example.com>: mailbox busy")

    counts = run_table([Periodic("bounced", bounced), Periodic("after", Runs())])
    assert counts == {"after": 1,
                      "failed": {"bounced": "RuntimeError: 450 4.2.0 <[address]>: mailbox busy"}}


def test_shops_not_enqueued_because_redis_failed_are_due_again_on_the_next_tick(app, shop):
    other = Shop(platform="woocommerce", domain="https://zwei.example", name="Zwei", locale="de")
    db.session.add(other)
    db.session.commit()
    first, second = sorted((shop.id, other.id))

    def refusing(shop_id: int) -> str:
        if shop_id == second:
            raise ConnectionError("Redis went away")
        return learn_transit_job_id(shop_id)

    flaky = replace(entry("transit_learning"), job_id=refusing)
    assert run_table([flaky])["failed"] == {"transit_learning": "ConnectionError: Redis went away"}
    assert queues.job_is_live(learn_transit_job_id(first))
    assert run_table([entry("transit_learning")]) == {"transit_learning": 1}  # only the second
    assert queues.job_is_live(learn_transit_job_id(second))
