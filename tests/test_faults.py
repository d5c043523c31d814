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
from sqlalchemy import func, select, update

from app.extensions import db
from app.mail.sink import start_sink
from app.models import Order, ScheduledMessage, WebhookDelivery
from tests.bench.servers import gunicorn
from tests.conftest import InboxHandler, fresh_payload, shopify_headers

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
                                 .where(ScheduledMessage.state == "sent"))
        db.session.commit()
        if sent >= expected:
            break
        time.sleep(0.3)
    return sent


def test_two_worker_processes_never_send_the_same_mail_twice(config, app, shop, client, post_shopify, run_jobs):
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
