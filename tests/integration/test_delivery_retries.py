"""A failed delivery's retry lives in Redis; SQL keeps when it is due, so the dispatcher
redrives a retry that a flushed or restarted Redis lost, after its back-off and never
beyond MAX_ATTEMPTS."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from app.extensions import db, queues
from app.jobs.deliveries import MAX_ATTEMPTS
from app.jobs.dispatch import dispatch_due
from app.models import DeliveryState, Order, WebhookDelivery
from tests.support.payload_files import load_payload


@pytest.fixture
def flaky_apply(monkeypatch):
    """Applying an event raises for the first `failures` attempts, then applies (and counts):
    in the drain's batch and in the delivery's own job (a batch of one) alike."""
    import app.domain.orders.events as events

    calls = {"failures": 1, "failed": 0, "applied": 0}

    def flaky(real):
        def apply(session, context, shop, event, now):
            if calls["failed"] < calls["failures"]:
                calls["failed"] += 1
                raise RuntimeError("the database blinked")
            calls["applied"] += 1
            return real(session, context, shop, event, now)
        return apply

    monkeypatch.setattr(events, "apply_facts", flaky(events.apply_facts))
    return calls


def _fail_once_in_the_drain(post_shopify, run_jobs) -> WebhookDelivery:
    order = dict(json.loads(load_payload("shopify/orders_create.json")), id=8001, name="#R8001")
    assert post_shopify("orders/create", order, "retry-1").status_code == 200
    run_jobs()  # the drain fails it and schedules its own job 5 s later
    return _delivery()


def _delivery() -> WebhookDelivery:
    db.session.expire_all()
    return db.session.scalars(select(WebhookDelivery)).one()


def test_a_retry_lost_with_redis_is_redriven_after_its_back_off_and_applied_once(
        client, shop, post_shopify, run_jobs, flaky_apply):
    failed = _fail_once_in_the_drain(post_shopify, run_jobs)
    now = datetime.now(timezone.utc)
    assert (failed.state, failed.attempts) == (DeliveryState.FAILED, 1)
    assert now < failed.retry_at <= now + timedelta(seconds=5)
    queues.redis.flushdb()  # the scheduled retry is gone

    assert dispatch_due(now)["redriven_retries"] == 0  # still inside its back-off
    assert dispatch_due(now + timedelta(minutes=2))["redriven_retries"] == 1
    assert dispatch_due(now + timedelta(minutes=2))["redriven_retries"] == 0  # its job is live now
    run_jobs()
    delivery = _delivery()
    assert (delivery.state, delivery.attempts, delivery.retry_at) == (
        DeliveryState.PROCESSED, 2, None)
    assert dispatch_due(now + timedelta(hours=1))["redriven_retries"] == 0
    run_jobs()
    assert flaky_apply["applied"] == 1
    assert db.session.scalar(select(func.count()).select_from(Order)) == 1


def test_a_retry_still_in_redis_is_left_to_redis(client, shop, post_shopify, run_jobs, flaky_apply):
    _fail_once_in_the_drain(post_shopify, run_jobs)
    assert dispatch_due(datetime.now(timezone.utc) + timedelta(minutes=2))["redriven_retries"] == 0
    assert queues.get("webhooks").count == 0  # only the scheduled retry, nothing enqueued beside it


def test_redrives_follow_the_back_off_and_stop_at_max_attempts(client, shop, post_shopify, run_jobs,
                                                               flaky_apply):
    flaky_apply["failures"] = 100
    _fail_once_in_the_drain(post_shopify, run_jobs)
    waits = []
    while True:
        delivery = _delivery()
        if delivery.retry_at is None:
            break
        waits.append((delivery.retry_at - datetime.now(timezone.utc)).total_seconds())
        queues.redis.flushdb()  # every retry job lost
        assert dispatch_due(datetime.now(timezone.utc) + timedelta(hours=1))["redriven_retries"] == 1
        run_jobs()
    assert (delivery.state, delivery.attempts) == (DeliveryState.FAILED, MAX_ATTEMPTS)
    expected = [5, 5, 30, 120, 600, 1800]  # after the drain's and the job's first, then RQ's steps
    assert len(waits) == len(expected), waits
    assert all(abs(wait - step) < 3 for wait, step in zip(waits, expected, strict=True)), waits
    assert dispatch_due(datetime.now(timezone.utc) + timedelta(days=1))["redriven_retries"] == 0
    assert flaky_apply["failed"] == MAX_ATTEMPTS and flaky_apply["applied"] == 0
