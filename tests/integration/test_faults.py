"""Faults with real processes: concurrent duplicates through gunicorn, two workers racing.

Each test prints its figures (accepted, stored, sent, lost, duplicated); run with -s to see them.
"""
import json
import os
import subprocess
import sys
import threading
import time
from collections import Counter

import httpx
import pytest
from rq.exceptions import NoSuchJobError
from rq.job import Job
from sqlalchemy import func, select, update

from app.devstack.mail_sink import start_sink
from app.extensions import db, queues
from app.jobs.messages import message_job_id
from app.models import MessageState, Order, ScheduledMessage, Shop, ShopModule, WebhookDelivery
from bench.servers import gunicorn
from tests.support.payload_files import fresh_payload, shopify_headers
from tests.support.smtp_inbox import InboxHandler

pytestmark = [pytest.mark.fault, pytest.mark.slow]


def process_env(config: dict, **overrides) -> dict[str, str]:
    """The app's test configuration as the environment a child process reads."""
    values = {key: str(value) for key, value in config.items() if value is not None and key != "TESTING"}
    values.update(LOG_LEVEL="WARNING", **overrides)
    return values


def report(name: str, **figures) -> None:
    print(f"\n{name}: " + " ".join(f"{key}={value}" for key, value in figures.items()))


def test_same_delivery_five_times_at_once_is_stored_and_applied_once(config, app, shop, run_jobs):
    body = fresh_payload("shopify/orders_create.json")
    headers = shopify_headers(body, "orders/create", "evt-concurrent")
    statuses: list[int] = []
    with gunicorn("app:create_app()", process_env(config), probe="/healthz") as base:
        start = threading.Barrier(5)

        def post() -> None:
            start.wait()
            statuses.append(httpx.post(f"{base}/webhooks/shopify", content=body, headers=headers).status_code)

        threads = [threading.Thread(target=post) for _ in range(5)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    run_jobs()
    stored = db.session.scalar(select(func.count()).select_from(WebhookDelivery))
    orders = db.session.scalar(select(func.count()).select_from(Order))
    report("concurrent duplicates", accepted=statuses.count(200), stored=stored, orders=orders)
    assert statuses == [200] * 5
    assert (stored, orders) == (1, 1)


def _plan_mails(client, post, run_jobs, count: int) -> None:
    # One shipped notice per order: the stall notice each parcel also gets is switched off.
    shop = db.session.scalars(select(Shop)).one()
    db.session.add(ShopModule(shop_id=shop.id, key="mail_delayed", enabled=False))
    db.session.commit()
    for n in range(count):
        order_id = 820982911946154508 + n
        fulfillment = json.loads(fresh_payload("shopify/fulfillments_create.json"))
        fulfillment.update(order_id=order_id, id=255858046 + n)
        order = json.loads(fresh_payload("shopify/orders_create.json"))
        order.update(id=order_id, name=f"#{1000 + n}")
        assert post("orders/create", order, f"o-{n}").status_code == 200
        assert post("fulfillments/create", fulfillment, f"f-{n}").status_code == 200
    run_jobs()
    # Due now, whatever quiet hours the clock of this run falls into.
    db.session.execute(update(ScheduledMessage).values(send_at=ScheduledMessage.created_at))
    db.session.commit()


def _wait_until_all_sent(expected: int, seconds: float = 60) -> int:
    deadline = time.monotonic() + seconds
    sent = 0
    while time.monotonic() < deadline:
        db.session.expire_all()
        sent = db.session.scalar(select(func.count()).select_from(ScheduledMessage)
                                 .where(ScheduledMessage.state == MessageState.SENT))
        db.session.commit()
        if sent >= expected:
            break
        time.sleep(0.3)
    return sent


def test_two_worker_processes_never_send_the_same_mail_twice(config, app, shop, client, post_shopify,
                                                             run_jobs):
    count = 20
    _plan_mails(client, post_shopify, run_jobs, count)
    planned = db.session.scalar(select(func.count()).select_from(ScheduledMessage))
    assert planned == count
    inbox = InboxHandler()
    sink = start_sink(inbox)
    env = {**os.environ, **process_env(config, SMTP_URL=f"smtp://127.0.0.1:{sink.port}",
                                       DISPATCH_INTERVAL_SECONDS="0.2", RECONCILE_INTERVAL_SECONDS="0")}
    workers = [subprocess.Popen([sys.executable, "-m", "app.worker"], env=env) for _ in range(2)]
    try:
        sent = _wait_until_all_sent(count)
        time.sleep(1)  # room for a duplicate to show up, if the claim were broken
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=20)
        sink.stop()
    per_message = Counter(message["mail"]["Message-ID"] for message in inbox.messages)
    duplicated = sum(n - 1 for n in per_message.values())
    report("two workers", planned=planned, sent=sent, received=len(inbox.messages),
           lost=count - len(per_message), duplicated=duplicated)
    assert sent == count
    assert len(per_message) == count
    assert duplicated == 0


def _describe_unsent() -> None:
    """On failure, say where each unsent mail is stuck: its row and its RQ job."""
    for row in db.session.scalars(select(ScheduledMessage)
                                  .where(ScheduledMessage.state != MessageState.SENT)):
        try:
            job = Job.fetch(message_job_id(row.id), connection=queues.redis)
            where = f"job={job.get_status()} retries_left={job.retries_left}"
        except NoSuchJobError:
            where = "job=gone"
        print(f"unsent message {row.id}: state={row.state} attempts={row.attempts} updated={row.updated_at} "
              f"{where}")


class SlowInbox(InboxHandler):
    """Takes a while before it answers 250, so a worker can die in the middle of a send."""

    async def handle_DATA(self, server, session, envelope):
        import asyncio

        await asyncio.sleep(0.3)
        return await super().handle_DATA(server, session, envelope)


@pytest.mark.skipif(not os.environ.get("FAULT_LONG"), reason="takes ~2 minutes (RQ's 60 s heartbeat grace); "
                    "FAULT_LONG=1 runs it, as .ci/run does")
def test_worker_killed_mid_batch_loses_no_mail(config, app, shop, client, post_shopify, run_jobs):
    import signal

    count = 12
    _plan_mails(client, post_shopify, run_jobs, count)
    inbox = SlowInbox()
    sink = start_sink(inbox)
    env = {**os.environ, **process_env(config, SMTP_URL=f"smtp://127.0.0.1:{sink.port}",
                                       DISPATCH_INTERVAL_SECONDS="0.5", RECONCILE_INTERVAL_SECONDS="0")}
    doomed = subprocess.Popen([sys.executable, "-m", "app.worker"], env=env, start_new_session=True)
    survivor = None
    try:
        deadline = time.monotonic() + 60
        while len(inbox.messages) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        os.killpg(doomed.pid, signal.SIGKILL)  # the worker and its work horse, mid-send
        doomed.wait(timeout=10)
        received_before_kill = len(inbox.messages)
        survivor = subprocess.Popen([sys.executable, "-m", "app.worker"], env=env)
        sent = _wait_until_all_sent(count, seconds=240)
        if sent < count:
            _describe_unsent()
    finally:
        if survivor is not None:
            survivor.terminate()
            survivor.wait(timeout=20)
        sink.stop()
    per_message = Counter(message["mail"]["Message-ID"] for message in inbox.messages)
    duplicated = sum(n - 1 for n in per_message.values())
    report("worker killed mid-batch", planned=count, received_before_kill=received_before_kill,
           sent=sent, received=len(inbox.messages), lost=count - len(per_message), duplicated=duplicated)
    assert received_before_kill < count
    assert sent == count
    assert len(per_message) == count  # lost = 0
    # At-least-once: only a kill between the server's 250 and our commit can resend, once.
    assert duplicated <= 1


def test_postgres_down_during_ingest_answers_503_and_loses_nothing(config, redis_url):
    """The platform retries what we answer 503; once the database is back, every webhook is stored once."""
    from app import create_app
    from app.db.migrate import upgrade
    from app.models import Shop
    from tests.support import private_postgres

    reason = private_postgres.available()
    if reason:
        pytest.skip(reason)
    outage = 30.0 if os.environ.get("FAULT_LONG") else 4.0
    pg = private_postgres.PrivatePostgres().init()
    try:
        pg.start()
        upgrade(pg.url)
        own = dict(config, DATABASE_URL=pg.url)
        with create_app(own).app_context():
            db.session.add(Shop(platform="shopify", domain="johns-apparel.myshopify.com", name="J",
                                locale="de"))
            db.session.commit()
            db.session.remove()
        count, statuses, done = 150, Counter(), threading.Event()
        with gunicorn("app:create_app()", process_env(own), probe="/healthz") as base:
            def platform() -> None:  # Shopify's side: retry until a 2xx, like its back-off does
                with httpx.Client(timeout=10) as client:
                    for n in range(count):
                        body = json.dumps({"id": 9_000_000 + n, "name": f"#{n}"}).encode()
                        headers = shopify_headers(body, "orders/create", f"outage-{n}")
                        while True:
                            try:
                                status = client.post(f"{base}/webhooks/shopify", content=body,
                                                     headers=headers).status_code
                            except httpx.HTTPError:
                                status = "connection error"
                            statuses[status] += 1
                            if status == 200:
                                break
                            time.sleep(0.3)
                        time.sleep(0.02)
                done.set()

            sender = threading.Thread(target=platform)
            sender.start()
            time.sleep(1.0)
            pg.stop("immediate")
            time.sleep(outage)
            pg.start()
            sender.join(timeout=outage + 120)
        assert done.is_set(), "the platform never got through"
        with create_app(own).app_context():
            stored = db.session.scalar(select(func.count(func.distinct(WebhookDelivery.delivery_key))))
            rows = db.session.scalar(select(func.count()).select_from(WebhookDelivery))
            db.session.remove()
            db.engine.dispose()
        report("postgres outage", outage_s=outage, webhooks=count, answered=dict(statuses), stored=rows,
               lost=count - stored, duplicated=rows - stored)
        assert statuses[503] > 0, "the outage was not noticed"
        assert set(statuses) <= {200, 503}, statuses
        assert (stored, rows) == (count, count)
    finally:
        pg.destroy()
