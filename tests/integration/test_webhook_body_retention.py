"""Raw webhook bodies hold buyers' personal data: a finished delivery's body goes after
WEBHOOK_BODY_RETENTION_DAYS, oldest first and a batch at a time; a delivery still waiting
or retrying keeps its body, whatever its age, and a recent one can still be replayed."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from app.config import config_from_env
from app.extensions import db
from app.jobs.deliveries import process_delivery
from app.jobs.periodic import run_periodic
from app.jobs.purge import drop_old_webhook_bodies
from app.models import DeliveryState, Order, WebhookDelivery
from tests.integration.test_delivery_retries import flaky_apply  # noqa: F401 - fixture
from tests.support.payload_files import load_payload

NOW = datetime.now(timezone.utc)
SECRETS = {"SECRET_KEY": "x", "TOKEN_ENCRYPTION_KEY": "k", "SHOPIFY_API_KEY": "id", "SHOPIFY_API_SECRET": "s"}


def _delivery(key: str, days_old: float, state: str, retry_at: datetime | None = None) -> WebhookDelivery:
    row = WebhookDelivery(platform="shopify", delivery_key=key, shop_domain="johns-apparel.myshopify.com",
                          topic="orders/create", body=b'{"email": "jon@example.com"}', state=state,
                          received_at=NOW - timedelta(days=days_old), retry_at=retry_at)
    db.session.add(row)
    db.session.commit()
    return row


def _kept() -> dict[str, bool]:
    db.session.expire_all()
    return {d.delivery_key: d.body is not None for d in db.session.scalars(select(WebhookDelivery))}


def test_finished_deliveries_lose_their_body_after_the_retention_and_unfinished_ones_never(app):
    _delivery("applied-31d", 31, "processed")
    _delivery("ignored-31d", 31, "ignored")
    _delivery("malformed-31d", 31, "malformed")
    _delivery("given-up-31d", 31, "failed")  # no retry_at: out of attempts
    _delivery("applied-29d", 29, "processed")
    _delivery("waiting-40d", 40, "received")
    _delivery("retrying-40d", 40, "failed", retry_at=NOW + timedelta(minutes=10))
    assert drop_old_webhook_bodies(NOW) == 4
    assert _kept() == {"applied-31d": False, "ignored-31d": False, "malformed-31d": False,
                       "given-up-31d": False,
                       "applied-29d": True, "waiting-40d": True, "retrying-40d": True}
    row = db.session.scalars(select(WebhookDelivery)
                             .where(WebhookDelivery.delivery_key == "applied-31d")).one()
    # the row stays, only the bytes go
    assert (row.state, row.topic) == (DeliveryState.PROCESSED, "orders/create")
    assert drop_old_webhook_bodies(NOW) == 0


def test_bodies_go_oldest_first_a_bounded_batch_at_a_time(app):
    for days in (50, 40, 35):
        _delivery(f"applied-{days}d", days, "processed")
    assert drop_old_webhook_bodies(NOW, limit=2) == 2
    assert _kept() == {"applied-50d": False, "applied-40d": False, "applied-35d": True}
    assert drop_old_webhook_bodies(NOW, limit=2) == 1


def test_the_retention_is_configurable_and_the_periodic_tick_applies_it(app):
    assert config_from_env(SECRETS)["WEBHOOK_BODY_RETENTION_DAYS"] == 30
    assert config_from_env({**SECRETS,
                            "WEBHOOK_BODY_RETENTION_DAYS": "7"})["WEBHOOK_BODY_RETENTION_DAYS"] == 7
    app.config["WEBHOOK_BODY_RETENTION_DAYS"] = 7
    _delivery("applied-8d", 8, "processed")
    _delivery("applied-6d", 6, "processed")
    assert run_periodic()["dropped_webhook_bodies"] == 1
    assert _kept() == {"applied-8d": False, "applied-6d": True}


def test_a_delivery_still_failing_past_the_retention_keeps_its_body_until_it_is_applied(
        client, shop, post_shopify, run_jobs, flaky_apply):  # noqa: F811 - fixture
    order = dict(json.loads(load_payload("shopify/orders_create.json")), id=9101, name="#K9101")
    assert post_shopify("orders/create", order, "slow-1").status_code == 200
    run_jobs()  # fails once; its retry is due in a few seconds
    delivery = db.session.scalars(select(WebhookDelivery)).one()
    delivery.received_at = NOW - timedelta(days=40)  # say its retries took that long
    db.session.commit()
    assert drop_old_webhook_bodies(NOW) == 0
    assert process_delivery(delivery.id).startswith("order ")
    assert db.session.scalars(select(Order.platform_order_id)).all() == ["9101"]
    assert drop_old_webhook_bodies(NOW) == 1  # applied now: it goes


def test_replay_says_when_the_body_is_gone_and_still_replays_a_recent_one(app, shop, post_shopify):
    old = _delivery("applied-31d", 31, "processed")
    assert post_shopify("orders/create", load_payload("shopify/orders_create.json"),
                        "recent-1").status_code == 200
    assert drop_old_webhook_bodies(NOW) == 1
    db.session.expire_all()  # the CLI shares this session; a new process would read afresh
    refused = app.test_cli_runner().invoke(args=["deliveries", "replay", str(old.id), "--now"])
    assert refused.exit_code != 0 and "no body left to replay" in refused.output
    # left as it was
    assert db.session.get(WebhookDelivery, old.id).state == DeliveryState.PROCESSED
    recent = db.session.scalars(select(WebhookDelivery)
                                .where(WebhookDelivery.delivery_key == "recent-1")).one()
    replayed = app.test_cli_runner().invoke(args=["deliveries", "replay", str(recent.id), "--now"])
    assert replayed.exit_code == 0 and replayed.output.startswith("order "), replayed.output
