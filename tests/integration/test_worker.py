"""The worker: the real `python -m app.worker` process, and failures that stay visible."""
import os
import subprocess
import sys
import time

import pytest
from rq.registry import ScheduledJobRegistry
from sqlalchemy import select

from app.extensions import db, queues
from app.models import DeliveryState, WebhookDelivery
from tests.support.payload_files import fresh_payload, load_payload


@pytest.mark.slow
def test_worker_process_runs_the_loop_to_a_sent_mail(app, config, shop, post_shopify, smtp_inbox):
    port = app.extensions["mail_sender"].port
    env = {**os.environ, **{k: str(v) for k, v in config.items() if v is not None and k.isupper()},
           "SMTP_URL": f"smtp://127.0.0.1:{port}", "DISPATCH_INTERVAL_SECONDS": "0.3"}
    worker = subprocess.Popen([sys.executable, "-m", "app.worker"], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        assert post_shopify("orders/create", load_payload("shopify/orders_create.json"),
                            "w-1").status_code == 200
        assert (
            post_shopify(
                "fulfillments/create", fresh_payload("shopify/fulfillments_create.json"), "w-2"
            ).status_code
            == 200
        )
        deadline = time.monotonic() + 30
        while not smtp_inbox and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        worker.terminate()
        output = worker.communicate(timeout=20)[0].decode(errors="replace")
    assert len(smtp_inbox) == 1, output[-3000:]
    assert "dispatch {'queued': 1" in output


def test_a_crashing_job_is_recorded_and_scheduled_for_retry(app, shop, post_shopify, run_jobs, monkeypatch,
                                                            caplog):
    import app.domain.orders.events as events

    def explode(*_args):
        raise RuntimeError("database hiccup")

    monkeypatch.setattr(events, "apply_facts", explode)
    assert post_shopify("orders/create", load_payload("shopify/orders_create.json"), "c-1").status_code == 200
    run_jobs()
    delivery = db.session.scalars(select(WebhookDelivery)).one()
    db.session.refresh(delivery)
    assert delivery.state == DeliveryState.FAILED
    assert "RuntimeError: database hiccup" in delivery.error
    assert f"delivery-{delivery.id}" in ScheduledJobRegistry(queue=queues.get("webhooks")).get_job_ids()
    assert f"delivery {delivery.id} failed (will retry)" in caplog.text
