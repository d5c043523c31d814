"""Intake kicks one drain for a burst; a drain applies every waiting delivery in order,
isolates a failing one, and a lost kick is made good by the dispatcher."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from rq.registry import ScheduledJobRegistry
from sqlalchemy import select

from app.extensions import db, queues
from app.jobs.deliveries import DRAIN_KEY
from app.jobs.dispatch import dispatch_due
from app.models import DeliveryState, Order, WebhookDelivery
from tests.support.payload_files import load_payload


def _order(order_id: int) -> dict:
    return dict(json.loads(load_payload("shopify/orders_create.json")), id=order_id, name=f"#D{order_id}")


def _states() -> dict[str, str]:
    db.session.expire_all()
    return {d.delivery_key: d.state for d in db.session.scalars(select(WebhookDelivery))}


def test_a_burst_of_webhooks_is_one_drain_job_that_applies_them_all(client, shop, post_shopify, run_jobs):
    for n in range(7):
        assert post_shopify("orders/create", _order(5000 + n), f"burst-{n}").status_code == 200
    assert queues.get("webhooks").count == 1  # the first kick; the others found it pending
    run_jobs()
    assert set(_states().values()) == {DeliveryState.PROCESSED}
    assert db.session.scalars(select(Order.platform_order_id).order_by(Order.platform_order_id)).all() == [
        str(5000 + n) for n in range(7)]


def test_a_failing_delivery_is_set_apart_and_the_rest_of_its_batch_applied(
        client, shop, post_shopify, run_jobs, monkeypatch):
    import app.domain.orders.events as events

    real_apply = events.apply_facts

    def apply_or_fail(session, context, shop, event, now):
        if getattr(event, "platform_order_id", None) == "6001":
            raise RuntimeError("this one breaks")
        return real_apply(session, context, shop, event, now)

    monkeypatch.setattr(events, "apply_facts", apply_or_fail)
    for n in range(3):
        assert post_shopify("orders/create", _order(6000 + n), f"mixed-{n}").status_code == 200
    run_jobs()
    states = _states()
    failed = db.session.scalars(select(WebhookDelivery)
                                .where(WebhookDelivery.state == DeliveryState.FAILED)).one()
    assert sorted(states.values()) == [DeliveryState.FAILED, DeliveryState.PROCESSED, DeliveryState.PROCESSED]
    assert "RuntimeError: this one breaks" in failed.error and failed.attempts == 1
    # Its own job, with RQ's back-off, takes it from here.
    assert f"delivery-{failed.id}" in ScheduledJobRegistry(queue=queues.get("webhooks")).get_job_ids()
    assert {o for (o,) in db.session.execute(select(Order.platform_order_id))} == {"6000", "6002"}


def test_a_kick_whose_job_was_lost_is_made_good_by_the_dispatcher(client, shop, post_shopify, run_jobs):
    queues.redis.set(DRAIN_KEY, "1", px=60_000)  # a kick that set its key and then lost its job
    assert post_shopify("orders/create", _order(7001), "lost-kick").status_code == 200
    run_jobs()
    assert _states() == {"lost-kick": DeliveryState.RECEIVED}
    assert dispatch_due(datetime.now(timezone.utc) + timedelta(seconds=30))["redriven_deliveries"] == 1
    run_jobs()
    assert _states() == {"lost-kick": DeliveryState.PROCESSED}


def test_a_waiting_delivery_whose_body_is_gone_is_ignored_and_the_rest_applied(
        client, shop, post_shopify, run_jobs):
    """Nothing drops a waiting body today (retention and redaction keep them); if anything ever
    does, the drain says so on that row instead of failing the batch."""
    for n in range(2):
        assert post_shopify("orders/create", _order(7000 + n), f"bodiless-{n}").status_code == 200
    gone = db.session.scalars(select(WebhookDelivery)
                              .where(WebhookDelivery.delivery_key.like("%bodiless-0%"))).one()
    gone.body = None
    db.session.commit()
    run_jobs()
    db.session.expire_all()
    assert (gone.state, gone.error) == (DeliveryState.IGNORED, "ignored: body dropped: nothing to apply")
    assert db.session.scalars(select(Order.platform_order_id)).all() == ["7001"]
