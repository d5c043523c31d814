"""Webhook intake: verify, store under a unique id, enqueue; clear errors that lose nothing."""
import json

from sqlalchemy import func, select

from app.extensions import db, queues
from app.models import DeliveryState, MessageState, Order, ScheduledMessage, WebhookDelivery
from tests.support.payload_files import fresh_payload, load_payload, shopify_headers


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_bad_signature_is_401_and_stores_nothing(client, shop):
    body = load_payload("shopify/orders_create.json")
    headers = shopify_headers(body, "orders/create", "e1", secret="wrong")
    response = client.post("/webhooks/shopify", data=body, headers=headers)
    assert response.status_code == 401
    assert count(WebhookDelivery) == 0


def test_old_secret_is_accepted_during_rotation(client, shop):
    body = load_payload("shopify/orders_create.json")
    headers = shopify_headers(body, "orders/create", "e1", secret="previous_secret_key")
    assert client.post("/webhooks/shopify", data=body, headers=headers).status_code == 200


def test_wrong_method_is_405(client):
    assert client.get("/webhooks/shopify").status_code == 405
    response = client.put("/webhooks/shopify", data=b"{}")
    assert (response.status_code, response.json) == (
        405, {"status": 405, "message": "method not allowed: webhooks are POSTed"})


def test_missing_hmac_is_400(client):
    response = client.post("/webhooks/shopify", data=b"{}", headers={"X-Shopify-Topic": "orders/create"})
    assert response.status_code == 400


def test_malformed_body_is_400_and_kept_for_replay(client, shop, post_shopify):
    response = post_shopify("orders/create", b'{"id": 1, "line_items": [', "bad-1")
    assert response.status_code == 400
    assert "stored for replay" in response.get_json()["message"]
    stored = db.session.scalars(select(WebhookDelivery)).one()
    assert stored.state == DeliveryState.MALFORMED
    assert stored.body == b'{"id": 1, "line_items": ['
    assert queues.get("webhooks").count == 0


def test_signed_body_with_wrong_shape_fails_visibly(client, shop, post_shopify, run_jobs):
    assert post_shopify("orders/create", {"id": 1.5e17}, "shape-1").status_code == 200
    run_jobs()
    stored = db.session.scalars(select(WebhookDelivery)).one()
    assert stored.state == DeliveryState.FAILED
    assert "malformed" in stored.error
    assert count(Order) == 0


def test_duplicate_delivery_five_times_gives_one_order_and_one_mail(
        client, shop, post_shopify, run_jobs, smtp_inbox):
    order = load_payload("shopify/orders_create.json")
    fulfillment = fresh_payload("shopify/fulfillments_create.json")
    for _ in range(5):
        assert post_shopify("orders/create", order, "evt-order").status_code == 200
        assert post_shopify("fulfillments/create", fulfillment, "evt-ful").status_code == 200
    assert count(WebhookDelivery) == 2
    run_jobs()
    from app.jobs.dispatch import dispatch_due

    dispatch_due()
    run_jobs()
    assert count(Order) == 1
    kinds = db.session.scalars(select(ScheduledMessage.kind)
                               .where(ScheduledMessage.state != MessageState.PLANNED)).all()
    assert kinds == ["shipped"]  # a stall notice stays planned for later
    assert len(smtp_inbox) == 1


def test_unknown_topic_is_acknowledged_and_ignored(client, shop, post_shopify, run_jobs):
    assert post_shopify("products/update", {"id": 5}, "p-1").status_code == 200
    run_jobs()
    stored = db.session.scalars(select(WebhookDelivery)).one()
    assert stored.state == DeliveryState.IGNORED
    assert "not used" in stored.error


def test_delivery_for_unknown_shop_is_kept_and_marked(client, post_shopify, run_jobs):
    body = json.loads(load_payload("shopify/orders_create.json"))
    assert post_shopify("orders/create", body, "x-1", domain="nobody.myshopify.com").status_code == 200
    run_jobs()
    stored = db.session.scalars(select(WebhookDelivery)).one()
    assert stored.state == DeliveryState.IGNORED and "unknown shop" in stored.error
