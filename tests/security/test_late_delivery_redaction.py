"""A delivery naming the buyer that still waits (or retries) when customers/redact is applied
is applied afterwards: its body goes then, and the buyer it brings back is erased again."""
import threading

import pytest
from sqlalchemy import select

from app.domain.privacy.suppressions import email_hash, lift_suppression
from app.extensions import db
from app.jobs.deliveries import drain_deliveries, process_delivery
from app.models import (
    Customer,
    DeliveryState,
    MessageState,
    Order,
    ScheduledMessage,
    Shop,
    Suppression,
    WebhookDelivery,
)
from tests.integration.test_shopify_privacy import FULFILLMENT
from tests.support.sql_statements import recorded_statements
from tests.unit.test_shopify_mapping import ORDER

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
    assert (order.name == "#9999" and order.customer.email is None
            and order.customer.suppressed_reason == "redacted")
    _nothing_of_jon_is_kept()


def test_an_order_retried_after_its_buyer_was_erased_loses_its_body_and_its_buyer(
        client, shop, post_shopify, run_jobs, monkeypatch):
    import app.domain.orders.events as events

    def blink(*_args):
        raise RuntimeError("the database blinked")

    monkeypatch.setattr(events, "apply_facts", blink)
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
    assert db.session.scalars(select(Suppression.reason)
                              .where(Suppression.email_hash == hashed)).all() == ["redacted"]


def test_a_parcel_of_an_erased_buyer_applied_afterwards_loses_its_body(client, shop, post_shopify, run_jobs):
    assert post_shopify("orders/create", ORDER, "o-1").status_code == 200
    run_jobs()
    assert post_shopify("fulfillments/create", dict(FULFILLMENT, destination={"name": "Jon Doe"}),
                        "f-1").status_code == 200
    assert post_shopify("customers/redact", REDACT, "cr-1").status_code == 200
    assert process_delivery(_delivery("cr-1").id) == "customer redacted (1 record(s))"
    assert _delivery("f-1").body is not None  # still to be applied: it keeps its body until then
    run_jobs()
    parcel = _delivery("f-1")
    assert parcel.state == DeliveryState.PROCESSED and parcel.body is None
    assert (db.session.scalars(select(Order)).one().shipments[0].tracking_number
            == FULFILLMENT["tracking_numbers"][0])
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


OTHER = "other-shop.myshopify.com"
LISTED_LOOKUP = "SELECT suppressions.shop_id, suppressions.email_hash"
ERASED_LOOKUP = "SELECT orders.shop_id, orders.platform_order_id"


def _lookups(statements: list[str]) -> list[str]:
    return [s for s in statements if s.startswith((LISTED_LOOKUP, ERASED_LOOKUP))]


def test_a_batch_of_shops_with_nobody_erased_looks_for_no_erased_buyer(
        client, shop, post_shopify, run_jobs):
    assert post_shopify("orders/create", ORDER, "o-1").status_code == 200
    with recorded_statements() as statements:
        run_jobs()
    assert _delivery("o-1").state == "processed" and _delivery("o-1").body is not None
    assert _lookups(statements) == []
    assert len([s for s in statements if s.startswith("SELECT shops.id, EXISTS")]) == 1  # the check


def test_the_lookups_run_for_the_shop_that_erased_a_buyer_and_only_there(
        client, shop, post_shopify, run_jobs):
    other = Shop(platform="shopify", domain=OTHER, name="Other", access_token="shpat_other",
                 locale="de")
    db.session.add(other)
    db.session.commit()
    assert post_shopify("orders/create", ORDER, "a-1").status_code == 200
    assert post_shopify("orders/create", ORDER, "b-1", domain=OTHER).status_code == 200
    run_jobs()
    redact = dict(REDACT, shop_domain=OTHER)
    assert post_shopify("customers/redact", redact, "cr-b", domain=OTHER).status_code == 200
    assert process_delivery(_delivery("cr-b").id) == "customer redacted (1 record(s))"
    # Jon orders again in both shops; one drain applies both deliveries in one batch.
    again = dict(ORDER, updated_at="2030-01-01T00:00:00+01:00")
    assert post_shopify("orders/updated", again, "a-2").status_code == 200
    assert post_shopify("orders/updated", again, "b-2", domain=OTHER).status_code == 200
    with recorded_statements() as statements:
        run_jobs()
    assert {_delivery(k).state for k in ("a-2", "b-2")} == {"processed"}
    assert _delivery("b-2").body is None and _delivery("a-2").body is not None
    db.session.expire_all()
    buyers = {c.shop_id: c for c in db.session.scalars(select(Customer))}
    assert buyers[other.id].email is None and buyers[other.id].suppressed_reason == "redacted"
    assert buyers[shop.id].email == JON and buyers[shop.id].suppressed_reason is None
    assert len(_lookups(statements)) == 2


def test_an_erased_buyer_whose_address_was_lifted_still_loses_later_parcels(
        client, shop, post_shopify, run_jobs):
    """The check asks for erased buyers too, not only for listed addresses: the shop may
    take the address off its list, and a parcel of the erased buyer's order still goes."""
    assert post_shopify("orders/create", ORDER, "o-1").status_code == 200
    run_jobs()
    assert post_shopify("customers/redact", REDACT, "cr-1").status_code == 200
    assert process_delivery(_delivery("cr-1").id) == "customer redacted (1 record(s))"
    assert lift_suppression(db.session, shop.id, JON) == "redacted"
    db.session.commit()
    assert db.session.scalars(select(Suppression)).all() == []
    assert post_shopify("fulfillments/create", dict(FULFILLMENT, destination={"name": "Jon Doe"}),
                        "f-1").status_code == 200
    run_jobs()
    assert _delivery("f-1").state == "processed" and _delivery("f-1").body is None
