"""WooCommerce webhook intake end to end: signature, ping, dedupe, worker → Order + Shipment."""
import hashlib
import json
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.extensions import db, queues
from app.models import DeliveryState, Order, Shipment, Shop, WebhookDelivery
from connectors.base import IncomingRequest, Secrets
from connectors.signature import body_signature
from connectors.woocommerce.webhooks import identify_delivery, verify_webhook
from tests.support.payload_files import load_payload

SECRET = "wc_secret_abc123"
# openssl dgst -sha256 -hmac wc_secret_abc123 -binary order_processing.json | base64
PROCESSING_SIGNATURE = "loGkSqdvh8Gb/vHv01qDG4QiRGF2AM3+kIVsH6tgfrs="


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def wc_headers(body: bytes, topic: str = "order.updated",
               delivery_id: str = "d41d8cd98f00b204e9800998ecf8427e",
               secret: str = SECRET) -> dict:
    resource, event = topic.split(".")
    return {
        "Content-Type": "application/json",
        "User-Agent": "WooCommerce/10.0.2 Hookshot (WordPress/6.8.3)",
        "X-WC-Webhook-Source": "https://laden.example/",
        "X-WC-Webhook-Topic": topic,
        "X-WC-Webhook-Resource": resource,
        "X-WC-Webhook-Event": event,
        "X-WC-Webhook-Signature": body_signature(body, secret),
        "X-WC-Webhook-ID": "2",
        "X-WC-Webhook-Delivery-ID": delivery_id,
    }


@pytest.fixture
def wc_shop(app):
    shop = Shop(platform="woocommerce", domain="https://laden.example", name="Laden",
                api_key="ck_test", api_secret="cs_test", webhook_secret=SECRET, locale="de")
    db.session.add(shop)
    db.session.commit()
    return shop


@pytest.fixture
def post_wc(client, wc_shop):
    def post(name_or_body, topic="order.updated", delivery_id="d41d8cd98f00b204e9800998ecf8427e", **kwargs):
        body = load_payload(f"woocommerce/{name_or_body}") if isinstance(name_or_body, str) else name_or_body
        return client.post(f"/webhooks/woocommerce/{wc_shop.shop_key}", data=body,
                           headers=wc_headers(body, topic, delivery_id, **kwargs))

    return post


def test_signature_known_answer_over_the_raw_php_escaped_bytes():
    body = load_payload("woocommerce/order_processing.json")
    assert b"https:\\/\\/example.com\\/wp-json" in body  # wp_json_encode escapes "/"
    assert body_signature(body, SECRET) == PROCESSING_SIGNATURE
    request = IncomingRequest("POST", {"x-wc-webhook-signature": PROCESSING_SIGNATURE}, body)
    assert verify_webhook(request, Secrets(SECRET)).ok
    reserialised = json.dumps(json.loads(body)).encode()
    request = IncomingRequest("POST", {"X-WC-Webhook-Signature": PROCESSING_SIGNATURE}, reserialised)
    assert verify_webhook(request, Secrets(SECRET)).status == 401


def test_bad_signature_is_401_and_stores_nothing(post_wc):
    response = post_wc("order_processing.json", secret="someone-elses-secret")
    assert response.status_code == 401
    assert count(WebhookDelivery) == 0


def test_missing_signature_on_a_json_body_is_401(client, wc_shop):
    response = client.post(f"/webhooks/woocommerce/{wc_shop.shop_key}",
                           data=load_payload("woocommerce/order_processing.json"),
                           headers={"Content-Type": "application/json",
                                    "X-WC-Webhook-Topic": "order.updated"})
    assert response.status_code == 401
    assert count(WebhookDelivery) == 0


def test_ping_is_200_and_stores_nothing(client, wc_shop):
    response = client.post(f"/webhooks/woocommerce/{wc_shop.shop_key}",
                           data=load_payload("woocommerce/ping.txt"),
                           headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 200
    assert response.get_json()["message"] == "ping acknowledged"
    assert count(WebhookDelivery) == 0
    assert queues.get("webhooks").count == 0


def test_unknown_shop_key_is_404_and_stores_nothing(client, wc_shop):
    body = load_payload("woocommerce/order_processing.json")
    response = client.post("/webhooks/woocommerce/not-a-shop-key", data=body, headers=wc_headers(body))
    assert response.status_code == 404
    assert count(WebhookDelivery) == 0


def test_uninstalled_shop_is_404(client, wc_shop):
    from datetime import datetime, timezone

    wc_shop.uninstalled_at = datetime.now(timezone.utc)
    db.session.commit()
    body = load_payload("woocommerce/order_processing.json")
    assert client.post(f"/webhooks/woocommerce/{wc_shop.shop_key}", data=body,
                       headers=wc_headers(body)).status_code == 404


def test_wrong_method_is_405(client, wc_shop):
    assert client.get(f"/webhooks/woocommerce/{wc_shop.shop_key}").status_code == 405


def test_duplicate_delivery_is_stored_once(post_wc, wc_shop):
    for _ in range(3):
        assert post_wc("order_processing.json", delivery_id="same-delivery").status_code == 200
    stored = db.session.scalars(select(WebhookDelivery)).one()
    digest = hashlib.sha256(load_payload("woocommerce/order_processing.json")).hexdigest()[:16]
    assert stored.delivery_key == f"same-delivery:727:2017-03-22T19:28:08:{digest}"
    assert stored.topic == "order.updated"
    assert stored.shop_id == wc_shop.id
    assert stored.shop_domain == "https://laden.example"
    assert queues.get("webhooks").count == 1


def test_reused_delivery_id_with_a_newer_modification_is_a_new_delivery(post_wc):
    assert post_wc("order_processing.json", delivery_id="reused").status_code == 200
    assert post_wc("order_completed_tracking.json", delivery_id="reused").status_code == 200
    keys = sorted(key.rsplit(":", 1)[0] for key in db.session.scalars(select(WebhookDelivery.delivery_key)))
    assert keys == ["reused:727:2017-03-22T19:28:08", "reused:727:2017-03-24T12:12:40"]


def test_reused_delivery_id_and_time_with_another_body_is_a_new_delivery(post_wc):
    """Created and completed with tracking in the same second: equal delivery id, order id and
    date_modified_gmt (seen against a real WooCommerce), but the second body must not be lost."""
    first = json.loads(load_payload("woocommerce/order_processing.json"))
    second = {**first, "status": "completed"}
    assert post_wc(json.dumps(first).encode(), delivery_id="same-second").status_code == 200
    assert post_wc(json.dumps(second).encode(), delivery_id="same-second").status_code == 200
    assert post_wc(json.dumps(second).encode(), delivery_id="same-second").status_code == 200
    assert db.session.query(WebhookDelivery).count() == 2


def test_identity_falls_back_to_date_modified_and_to_the_body_hash():
    body = b'{"id":9,"date_modified":"2026-01-02T03:04:05"}'
    identity = identify_delivery(IncomingRequest("POST", {"X-WC-Webhook-Delivery-ID": "abc",
                                                          "X-WC-Webhook-Resource": "order",
                                                          "X-WC-Webhook-Event": "created"}, body))
    assert identity.delivery_key == f"abc:9:2026-01-02T03:04:05:{hashlib.sha256(body).hexdigest()[:16]}"
    assert identity.topic == "order.created"
    anonymous = identify_delivery(IncomingRequest("POST", {}, b'{"id":9}'))
    assert anonymous.delivery_key.startswith("sha256:") and anonymous.delivery_key.endswith(":9")
    assert anonymous.topic == "unknown"


def test_malformed_body_is_400_and_stored(post_wc):
    response = post_wc(b'{"id":727,"line_items":[', delivery_id="broken")
    assert response.status_code == 400
    stored = db.session.scalars(select(WebhookDelivery)).one()
    assert stored.state == DeliveryState.MALFORMED
    assert stored.body == b'{"id":727,"line_items":['
    assert queues.get("webhooks").count == 0


def test_webhook_to_worker_gives_order_and_shipment_with_tracking(post_wc, run_jobs, wc_shop):
    assert post_wc("order_processing.json",
                   topic="order.created", delivery_id="c1").status_code == 200
    assert post_wc("order_completed_tracking.json", delivery_id="u2").status_code == 200
    run_jobs()
    assert [d.state for d in db.session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id))] == [
        "processed", "processed"]
    order = db.session.scalars(select(Order)).one()
    assert (order.shop_id, order.platform_order_id, order.name) == (wc_shop.id, "727", "#727")
    assert order.currency == "USD" and order.total_price == Decimal("29.35")
    assert order.financial_status == "paid" and order.fulfillment_status == "fulfilled"
    assert order.status == "shipped"
    assert order.customer.email == "john.doe@example.com"
    assert sorted((line.platform_line_id, line.quantity) for line in order.lines) == [("315", 2), ("316", 1)]
    shipment = db.session.scalars(select(Shipment)).one()
    assert shipment.order_id == order.id
    assert shipment.tracking_number == "9400111899223197428490"
    assert shipment.carrier == "usps"
    assert shipment.status == "in_transit"
    assert shipment.platform_fulfillment_id == "6b1c3a1e0b8e4f7c9d2a5e3f4b6c8d0a"
    assert shipment.shipped_at.replace(tzinfo=None).isoformat() == "2017-03-24T00:00:00"


def test_late_older_delivery_does_not_move_the_order_back(post_wc, run_jobs):
    assert post_wc("order_completed_tracking.json", delivery_id="new").status_code == 200
    run_jobs()
    assert post_wc("order_processing.json", delivery_id="old").status_code == 200
    run_jobs()
    order = db.session.scalars(select(Order)).one()
    assert order.fulfillment_status == "fulfilled"
    assert order.status == "shipped"


def test_refund_deliveries_mark_the_order(post_wc, run_jobs):
    assert post_wc("order_partially_refunded.json", delivery_id="r1").status_code == 200
    run_jobs()
    order = db.session.scalars(select(Order)).one()
    assert order.financial_status == "partially_refunded"
    assert order.status == "shipped"
    assert post_wc("order_refunded.json", delivery_id="r2").status_code == 200
    run_jobs()
    order = db.session.scalars(select(Order)).one()
    assert order.financial_status == "refunded"
    assert order.status == "refunded"
    assert order.refunded_at is not None


def test_checkout_draft_is_ignored_and_creates_no_order(post_wc, run_jobs):
    assert post_wc("order_checkout_draft.json", delivery_id="draft").status_code == 200
    run_jobs()
    stored = db.session.scalars(select(WebhookDelivery)).one()
    assert stored.state == DeliveryState.IGNORED
    assert "checkout-draft" in stored.error
    assert count(Order) == 0


def test_order_deleted_cancels_the_known_order(post_wc, run_jobs):
    assert post_wc("order_processing.json", delivery_id="c1").status_code == 200
    run_jobs()
    assert post_wc("order_deleted.json", topic="order.deleted", delivery_id="del").status_code == 200
    run_jobs()
    order = db.session.scalars(select(Order)).one()
    assert order.cancelled_at is not None
    assert order.status == "cancelled"
    stored = db.session.scalars(select(WebhookDelivery).where(WebhookDelivery.topic == "order.deleted")).one()
    assert stored.state == DeliveryState.PROCESSED


def test_order_deleted_for_an_unknown_order_creates_nothing(post_wc, run_jobs):
    assert post_wc("order_deleted.json", topic="order.deleted", delivery_id="del").status_code == 200
    run_jobs()
    assert count(Order) == 0
    assert db.session.scalars(select(WebhookDelivery)).one().state == DeliveryState.PROCESSED


def test_unknown_status_is_processed_without_a_crash(post_wc, run_jobs):
    body = json.loads(load_payload("woocommerce/order_completed_tracking.json"))
    body["status"] = "awaiting-pickup-xyz"
    assert post_wc(json.dumps(body).encode(), delivery_id="odd").status_code == 200
    run_jobs()
    assert db.session.scalars(select(WebhookDelivery)).one().state == DeliveryState.PROCESSED
    assert db.session.scalars(select(Shipment)).one().status == "unknown"


def test_the_order_key_from_the_webhook_binds_the_plugins_embed_token(client, post_wc, run_jobs, wc_shop):
    """The plugin signs (shop, order id, order key); the key the webhook brought must match."""
    import time

    from app.links.embed import embed_token

    assert post_wc("order_completed_tracking.json", delivery_id="k1").status_code == 200
    run_jobs()
    assert db.session.scalars(select(Order)).one().platform_order_key == "wc_order_58d2d042d1d"
    made = int(time.time())
    right = embed_token(wc_shop.shop_key, "727", "wc_order_58d2d042d1d", SECRET, made)
    wrong = embed_token(wc_shop.shop_key, "727", "wc_order_guessed", SECRET, made)
    assert client.get("/embed/v1/order-status", query_string={"token": right}).status_code == 200
    assert client.get("/embed/v1/order-status", query_string={"token": wrong}).status_code == 403
