"""The whole loop once: signed webhooks → order and parcel → block → mail over real SMTP."""
import json
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from app.extensions import db, queues
from app.jobs.dispatch import dispatch_due
from app.links.tracking_page import tracking_token
from app.models import MessageState, Order, ScheduledMessage
from tests.support.payload_files import fresh_payload, load_payload

ORDER_ID = "820982911946154508"


def _fulfillment() -> dict:
    return json.loads(fresh_payload("shopify/fulfillments_create.json"))


def _ingest_order_and_fulfillment(post_shopify, run_jobs):
    assert post_shopify("orders/create", load_payload("shopify/orders_create.json"),
                        "evt-1").status_code == 200
    assert post_shopify("fulfillments/create", fresh_payload("shopify/fulfillments_create.json"),
                        "evt-2").status_code == 200
    run_jobs()


def test_recorded_webhooks_end_in_a_mail_and_a_block(client, shop, post_shopify, run_jobs, smtp_inbox):
    _ingest_order_and_fulfillment(post_shopify, run_jobs)
    order = db.session.scalars(select(Order)).one()
    assert order.platform_order_id == ORDER_ID
    tracking_number = _fulfillment()["tracking_number"] or _fulfillment()["tracking_numbers"][0]

    planned = db.session.scalars(select(ScheduledMessage).where(ScheduledMessage.kind == "shipped")).one()
    assert (planned.kind, planned.stream, planned.state) == (
        "shipped", "transactional", MessageState.PLANNED)

    assert dispatch_due()["queued"] == 1
    run_jobs()
    assert len(smtp_inbox) == 1
    mail = smtp_inbox[0]["mail"]
    assert mail.get_content_type() == "multipart/alternative"
    assert mail["Message-ID"] == f"<sm-{planned.id}.{shop.id}@app.example.test>"
    # the shop speaks German, but the buyer checked out in English (customer_locale "en")
    assert mail["Content-Language"] == "en" and mail["Date"]
    assert mail["Subject"] == "Your order #9999 is on its way"
    assert mail["To"] == "jon@example.com"
    text = mail.get_body(preferencelist=("plain",)).get_content()
    html = mail.get_body(preferencelist=("html",)).get_content()
    assert tracking_number in text and tracking_number in html
    assert 'style="' in html  # CSS inlined for mail clients
    assert db.session.get(ScheduledMessage, planned.id).state == MessageState.SENT

    facts = client.get(f"/t/{tracking_token(order)}.json").get_json()
    parcels = facts["modules"]["tracking"]["parcels"]
    assert [p["tracking_number"] for p in parcels] == [tracking_number]
    assert facts["order"]["name"] == order.name
    page = client.get(f"/t/{tracking_token(order)}")
    assert page.status_code == 200 and tracking_number in page.get_data(as_text=True)


def test_order_id_survives_exactly(client, shop, post_shopify, run_jobs):
    _ingest_order_and_fulfillment(post_shopify, run_jobs)
    order = db.session.scalars(select(Order)).one()
    assert order.platform_order_id == ORDER_ID
    facts = client.get(f"/t/{tracking_token(order)}.json").get_json()
    assert facts["order"]["name"] == order.name


def test_forged_or_foreign_tracking_token_is_404(client, shop, post_shopify, run_jobs):
    _ingest_order_and_fulfillment(post_shopify, run_jobs)
    assert client.get("/t/not-a-token.json").status_code == 404
    order = db.session.scalars(select(Order)).one()
    token = tracking_token(order)
    # Change the signature's first character: all six of its bits count (the last one's may not,
    # so "…xx" at the end now and then still carried the valid signature).
    payload, signature = token.rsplit(".", 1)
    forged = f"{payload}.{'B' if signature[0] == 'A' else 'A'}{signature[1:]}"
    assert client.get(f"/t/{forged}.json").status_code == 404


def test_out_of_order_events_keep_the_newest_state(client, shop, post_shopify, run_jobs):
    created = json.loads(load_payload("shopify/orders_create.json"))
    newer = dict(created, financial_status="refunded", updated_at="2099-01-01T10:00:00+01:00")
    assert post_shopify("orders/updated", newer, "evt-new").status_code == 200
    run_jobs()
    assert post_shopify("orders/create", created, "evt-old").status_code == 200
    run_jobs()
    order = db.session.scalars(select(Order)).one()
    assert order.financial_status == "refunded"
    assert order.status == "refunded"

    fulfillment = _fulfillment()
    delivered = dict(fulfillment, shipment_status="delivered", updated_at="2099-01-02T10:00:00+01:00")
    assert post_shopify("fulfillments/update", delivered, "f-new").status_code == 200
    run_jobs()
    assert post_shopify("fulfillments/create", fulfillment, "f-old").status_code == 200
    run_jobs()
    db.session.expire_all()
    shipment = db.session.scalars(select(Order)).one().shipments[0]
    assert shipment.status == "delivered"


def _queued_message_after_redis_flush(post_shopify, run_jobs, flush_after_queueing: bool):
    _ingest_order_and_fulfillment(post_shopify, run_jobs)
    if flush_after_queueing:
        assert dispatch_due()["queued"] == 1
    queues.redis.flushdb()
    later = datetime.now(timezone.utc) + timedelta(minutes=5)
    return dispatch_due(later)


def test_redis_flushed_after_planning_loses_no_mail(client, shop, post_shopify, run_jobs, smtp_inbox):
    counts = _queued_message_after_redis_flush(post_shopify, run_jobs, flush_after_queueing=False)
    assert counts["queued"] == 1
    run_jobs()
    assert len(smtp_inbox) == 1


def test_redis_flushed_after_queueing_sends_exactly_once(client, shop, post_shopify, run_jobs, smtp_inbox):
    counts = _queued_message_after_redis_flush(post_shopify, run_jobs, flush_after_queueing=True)
    assert counts["redriven_messages"] == 1
    run_jobs()
    later = datetime.now(timezone.utc) + timedelta(minutes=10)
    assert dispatch_due(later) == {
        "queued": 0, "redriven_messages": 0, "redriven_deliveries": 0, "redriven_retries": 0}
    run_jobs()
    assert len(smtp_inbox) == 1


def test_redis_flushed_before_processing_redrives_the_delivery(client, shop, post_shopify, run_jobs):
    assert post_shopify("orders/create", load_payload("shopify/orders_create.json"),
                        "evt-1").status_code == 200
    queues.redis.flushdb()
    run_jobs()
    assert db.session.scalars(select(Order)).first() is None
    later = datetime.now(timezone.utc) + timedelta(minutes=5)
    assert dispatch_due(later)["redriven_deliveries"] == 1
    run_jobs()
    assert db.session.scalars(select(Order)).one().platform_order_id == ORDER_ID


def test_payload_without_updated_at_is_versioned_by_triggered_at(client, shop, post_shopify, run_jobs):
    """A retried delivery of an older event (no updated_at in the body) loses to a newer one."""
    created = json.loads(load_payload("shopify/orders_create.json"))
    created.pop("updated_at")
    refunded = dict(created, financial_status="refunded")
    paid = dict(created, financial_status="paid")
    assert post_shopify("orders/updated", refunded, "evt-new",
                        triggered_at="2026-11-20T10:00:00Z").status_code == 200
    run_jobs()
    assert post_shopify("orders/updated", paid, "evt-old-retried",
                        triggered_at="2026-11-19T10:00:00Z").status_code == 200
    run_jobs()
    order = db.session.scalars(select(Order)).one()
    assert order.financial_status == "refunded"
    assert order.platform_updated_at == datetime(2026, 11, 20, 10, tzinfo=timezone.utc)


def test_no_buyer_address_or_name_reaches_the_logs(app, client, shop, post_shopify, run_jobs, caplog):
    """The whole loop at DEBUG with the console sender: the logs carry ids, never the buyer."""
    import logging

    from app.mail.senders import ConsoleSender

    app.extensions["mail_sender"] = ConsoleSender()
    caplog.set_level(logging.DEBUG)
    _ingest_order_and_fulfillment(post_shopify, run_jobs)
    assert dispatch_due(datetime.now(timezone.utc) + timedelta(days=1))["queued"] == 1
    run_jobs()
    assert db.session.scalars(
        select(ScheduledMessage.state).where(ScheduledMessage.kind == "shipped")
    ).all() == [MessageState.SENT]
    assert "message-id=<sm-" in caplog.text
    for personal in ("jon@example.com", "john@example.com", "Steve", "Shipper", "Smith", "Shipping Street",
                     "555-555-SHIP", "123 Elm St."):
        assert personal not in caplog.text
