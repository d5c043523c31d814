"""Hostile input: whatever a sender puts in a body or a header, the answer is a clear
4xx or a recorded 'malformed', never a crash, and text reaching a page or a mail is escaped."""
import json

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from app.extensions import db
from app.links.tracking_page import tracking_token
from app.mail.render import render_message
from app.models import DeliveryState, Order, ScheduledMessage, WebhookDelivery
from app.read_model.from_orm import message_view
from connectors.base import IncomingRequest, MalformedPayload, ParsedEvent, Secrets
from connectors.shopify.mapping import (
    FULFILLMENT_TOPICS,
    LIFECYCLE_TOPICS,
    ORDER_TOPICS,
    parse_webhook,
)
from connectors.shopify.webhooks import verify_webhook
from connectors.signature import body_signature
from tests.support.payload_files import fresh_payload, load_payload, shopify_headers

TOPICS = sorted({*ORDER_TOPICS, *FULFILLMENT_TOPICS, *LIFECYCLE_TOPICS, "fulfillment_events/create",
                 "refunds/create", "something/else"})
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=12), children, max_size=5),
    max_leaves=25,
)
FIELDS = ["id", "order_id", "name", "email", "created_at", "updated_at", "line_items", "fulfillments",
          "tracking_numbers", "tracking_number", "shipment_status", "status", "customer", "total_price",
          "currency", "refund_line_items", "shipping_address", "happened_at", "orders_to_redact"]
shopify_like = st.fixed_dictionaries({}, optional={field: json_values for field in FIELDS})


def _parse_or_malformed(topic: str, body: bytes):
    try:
        return parse_webhook(topic, body)
    except MalformedPayload as exc:
        return exc


@settings(max_examples=300, deadline=None)
@given(topic=st.sampled_from(TOPICS), payload=shopify_like)
def test_any_json_object_maps_or_is_called_malformed(topic, payload):
    result = _parse_or_malformed(topic, json.dumps(payload).encode())
    assert isinstance(result, (MalformedPayload, *ParsedEvent.__args__))


@settings(max_examples=200, deadline=None)
@given(topic=st.sampled_from(TOPICS), body=st.binary(max_size=200))
def test_any_bytes_map_or_are_called_malformed(topic, body):
    result = _parse_or_malformed(topic, body)
    assert isinstance(result, (MalformedPayload, *ParsedEvent.__args__))


@settings(max_examples=60, deadline=None)
@given(topic=st.sampled_from(sorted(ORDER_TOPICS)), mutation=st.dictionaries(
    st.sampled_from(FIELDS), json_values, min_size=1, max_size=3))
def test_a_real_order_with_fields_replaced_maps_or_is_called_malformed(topic, mutation):
    order = json.loads(load_payload("shopify/orders_create.json"))
    order.update(mutation)
    result = _parse_or_malformed(topic, json.dumps(order).encode())
    assert isinstance(result, (MalformedPayload, *ParsedEvent.__args__))


@settings(max_examples=200, deadline=None)
@given(body=st.binary(max_size=300), hmac=st.text(max_size=60),
       method=st.sampled_from(["POST", "GET", "PUT"]), sign=st.booleans())
def test_the_verifier_answers_every_request_with_a_status(body, hmac, method, sign):
    headers = {"X-Shopify-Hmac-Sha256": body_signature(body, "s3cret") if sign else hmac,
               "X-Shopify-Shop-Domain": "x.myshopify.com"}
    verdict = verify_webhook(IncomingRequest(method, headers, body, "https://app/webhooks/shopify"),
                             Secrets("s3cret", ()))
    assert verdict.status in (200, 400, 401, 405)
    assert verdict.ok == (sign and method == "POST")


def test_deeply_nested_json_is_400_and_kept(client, shop, post_shopify):
    body = b"[" * 100_000 + b"]" * 100_000
    response = post_shopify("orders/create", body, "evt-deep")
    assert response.status_code == 400
    assert "malformed" in response.json["message"]
    assert db.session.scalars(select(WebhookDelivery.state)).all() == [DeliveryState.MALFORMED]


def test_invalid_utf8_is_400_and_kept(client, shop, post_shopify):
    response = post_shopify("orders/create", b'{"id": "\xff\xfe"}', "evt-utf8")
    assert response.status_code == 400
    assert db.session.scalars(select(WebhookDelivery.state)).all() == [DeliveryState.MALFORMED]


def test_oversized_body_is_413_and_not_read(client, shop, app):
    app.config["MAX_WEBHOOK_BYTES"] = 1000
    body = json.dumps({"id": 1, "note": "x" * 2000}).encode()
    response = client.post("/webhooks/shopify", data=body,
                           headers=shopify_headers(body, "orders/create", "big"))
    assert response.status_code == 413
    assert response.json["message"] == "body too large"


INJECTION = "<script>alert('x')</script>' OR 1=1; DROP TABLE orders; --"


def test_injection_strings_are_stored_verbatim_and_shown_escaped(client, shop, post_shopify, run_jobs, app):
    order = json.loads(load_payload("shopify/orders_create.json"))
    order["name"] = INJECTION
    order["line_items"][0]["title"] = INJECTION
    assert post_shopify("orders/create", order, "evt-inj").status_code == 200
    assert post_shopify("fulfillments/create", fresh_payload("shopify/fulfillments_create.json"),
                        "evt-f").status_code == 200
    run_jobs()
    stored = db.session.scalars(select(Order)).one()
    assert stored.name == INJECTION  # parameters, not SQL: stored as typed, table still there
    page = client.get(f"/t/{tracking_token(stored)}").get_data(as_text=True)
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(" in page
    shipped = db.session.scalars(select(ScheduledMessage).where(ScheduledMessage.kind == "shipped")).one()
    mail = render_message(message_view(shipped))
    html = mail.get_body(("html",)).get_content()
    assert "<script>alert" not in html
    assert "&lt;script&gt;" in html


WOO_TOPICS = ["order.created", "order.updated", "order.deleted", "order.restored", "product.updated"]
woo_like = st.fixed_dictionaries({}, optional={field: json_values for field in [
    "id", "status", "number", "order_key", "currency", "total", "date_created_gmt", "date_modified_gmt",
    "billing", "shipping", "customer_id", "line_items", "refunds", "meta_data"]})


@settings(max_examples=300, deadline=None)
@given(topic=st.sampled_from(WOO_TOPICS), payload=woo_like)
def test_any_woocommerce_json_maps_or_is_called_malformed(topic, payload):
    from connectors.woocommerce.mapping import parse_webhook as parse_woo

    try:
        result = parse_woo(topic, json.dumps(payload).encode())
    except MalformedPayload as exc:
        result = exc
    assert isinstance(result, (MalformedPayload, *ParsedEvent.__args__))


@settings(max_examples=100, deadline=None)
@given(mutation=st.dictionaries(st.sampled_from(["status", "meta_data", "line_items", "refunds", "billing",
                                                 "date_modified_gmt", "id"]), json_values, min_size=1,
                                                 max_size=3))
def test_a_real_woocommerce_order_with_fields_replaced_maps_or_is_called_malformed(mutation):
    from connectors.woocommerce.mapping import parse_webhook as parse_woo

    order = json.loads(load_payload("woocommerce/order_completed_tracking.json"))
    order.update(mutation)
    try:
        result = parse_woo("order.updated", json.dumps(order).encode())
    except MalformedPayload as exc:
        result = exc
    assert isinstance(result, (MalformedPayload, *ParsedEvent.__args__))
