"""A delivery naming the buyer that still waits (or retries) when customers/redact is applied
is applied afterwards: its body goes then, and the buyer it brings back is erased again."""
import threading

import pytest
from sqlalchemy import select

from app.domain.privacy.suppressions import email_hash
from app.extensions import db
from app.jobs.deliveries import drain_deliveries, process_delivery
from app.models import (
    Customer,
    DeliveryState,
    MessageState,
    Order,
    ScheduledMessage,
    Suppression,
    WebhookDelivery,
)
from tests.test_shopify_mapping import ORDER
from tests.test_shopify_privacy import FULFILLMENT

JON = "jon@example.com"
REDACT = {"shop_id": 1, "shop_domain": "johns-apparel.myshopify.com", "customer": {"id": 1, "email": JON},
          "orders_to_redact": [ORDER["id"]]}


def _delivery(key: str) -> WebhookDelivery:
    db.session.expire_all()
    return db.session.scalars(select(WebhookDelivery).where(WebhookDelivery.delivery_key == key)).one()


def _nothing_of_jon_is_kept() -> None:
    db.session.expire_all()
    assert db.session.scalars(select(Customer).where(Customer.email == JON)).all() == []
    bodies = db.session.scalars(select(WebhookDelivery.body).where(WebhookDelivery.body.is_not(None))).all()
    assert [b for b in bodies if JON.encode() in b or str(ORDER["id"]).encode() in b] == []
    assert db.session.scalars(select(ScheduledMessage.state).where(
        ScheduledMessage.state.in_((MessageState.PLANNED, MessageState.QUEUED)))).all() == []


def test_an_order_applied_by_the_drain_after_its_buyer_was_erased_is_erased_too(
        client, shop, post_shopify, run_jobs):
    assert post_shopify("orders/create", ORDER, "o-1").status_code == 200
    assert post_shopify("customers/redact", REDACT, "cr-1").status_code == 200
    # Another worker applies the redaction while the order still waits in the queue.
    assert process_delivery(_delivery("cr-1").id) == "customer redacted (0 record(s))"
    run_jobs()  # the drain applies the order after it
    assert _delivery("o-1").state == DeliveryState.PROCESSED and _delivery("o-1").body is None
    order = db.session.scalars(select(Order)).one()
    assert order.name == "#9999" and order.customer.email is None and order.customer.suppressed_reason == "redacted"
    _nothing_of_jon_is_kept()


def test_an_order_retried_after_its_buyer_was_erased_loses_its_body_and_its_buyer(
        client, shop, post_shopify, run_jobs, monkeypatch):
    import app.jobs.delivery_batches as batches

    def blink(*_args):
        raise RuntimeError("the database blinked")

    monkeypatch.setattr(batches, "apply_facts", blink)
    assert post_shopify("orders/create", ORDER, "o-1").status_code == 200
    run_jobs()  # the drain's attempt fails: its retry waits in RQ's schedule
    monkeypatch.undo()
    assert _delivery("o-1").state == DeliveryState.FAILED and _delivery("o-1").retry_at is not None
    assert post_shopify("customers/redact", REDACT, "cr-1").status_code == 200
    run_jobs()
    assert _delivery("cr-1").state == DeliveryState.PROCESSED
    assert process_delivery(_delivery("o-1").id).startswith("order ")  # the retry
    assert _delivery("o-1").body is None
    _nothing_of_jon_is_kept()
    hashed = email_hash(JON)
    assert db.session.scalars(select(Suppression.reason).where(Suppression.email_hash == hashed)).all() == ["redacted"]


def test_a_parcel_of_an_erased_buyer_applied_afterwards_loses_its_body(client, shop, post_shopify, run_jobs):
    assert post_shopify("orders/create", ORDER, "o-1").status_code == 200
    run_jobs()
    assert post_shopify("fulfillments/create", dict(FULFILLMENT, destination={"name": "Jon Doe"}), "f-1").status_code == 200
    assert post_shopify("customers/redact", REDACT, "cr-1").status_code == 200
    assert process_delivery(_delivery("cr-1").id) == "customer redacted (1 record(s))"
    assert _delivery("f-1").body is not None  # still to be applied: it keeps its body until then
    run_jobs()
    parcel = _delivery("f-1")
    assert parcel.state == DeliveryState.PROCESSED and parcel.body is None
    assert db.session.scalars(select(Order)).one().shipments[0].tracking_number == FULFILLMENT["tracking_numbers"][0]
    assert _delivery("cr-1").body is None  # the request's own body went when it was applied
    _nothing_of_jon_is_kept()


def test_a_redaction_waits_for_an_order_being_applied_and_erases_what_it_brought(
        app, shop, post_shopify, monkeypatch):
    if db.dialect != "postgresql":
        pytest.skip("SQLite admits one writer at a time; row locks are PostgreSQL's")
    import app.jobs.delivery_batches as batches

    real, applied, release, errors = batches.redact_late_arrivals, threading.Event(), threading.Event(), []

    def then_hold(*args):
        outcome = real(*args)  # nothing erased yet: the redaction is not committed
        applied.set()
        release.wait(10)  # the drain commits the order (and Jon's address) only after this
        return outcome

    def drain() -> None:
        with app.app_context():
            try:
                drain_deliveries()
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

    monkeypatch.setattr(batches, "redact_late_arrivals", then_hold)
    assert post_shopify("orders/create", ORDER, "o-1").status_code == 200
    draining = threading.Thread(target=drain)
    draining.start()
    assert applied.wait(10)
    assert post_shopify("customers/redact", REDACT, "cr-1").status_code == 200
    threading.Timer(1.0, release.set).start()
    try:
        assert process_delivery(_delivery("cr-1").id) == "customer redacted (1 record(s))"
    finally:
        release.set()
        draining.join(30)
    assert errors == []
    assert _delivery("o-1").state == DeliveryState.PROCESSED and _delivery("o-1").body is None
    _nothing_of_jon_is_kept()
