"""One battery every platform connector must pass: the same promises, each platform's wire format.

A new connector joins by adding a `Platform` below; nothing else in the battery changes.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Callable

import pytest

from connectors import get_connector
from connectors.base import (
    IgnoredEvent,
    IncomingRequest,
    MalformedPayload,
    OrderEvent,
    Secrets,
    ShipmentStatus,
)
from tests.conftest import load_payload

BIG_ID = 820982911946154508  # above 2**53: a float would change it


def _b64_hmac(body: bytes, secret: str) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


@dataclass(frozen=True)
class Platform:
    name: str
    order_topic: str
    order_payload: str  # under tests/payloads/
    sign: Callable[[bytes, str, str, str], dict]  # (body, secret, topic, delivery id) → headers
    set_unknown_status: Callable[[dict], None]  # puts an unheard-of status value into an order
    unknown_status_of: Callable[[OrderEvent], object]  # where that value shows after mapping


def _shopify_headers(body, secret, topic, delivery_id):
    return {"X-Shopify-Hmac-Sha256": _b64_hmac(body, secret), "X-Shopify-Topic": topic,
            "X-Shopify-Shop-Domain": "johns-apparel.myshopify.com", "X-Shopify-Event-Id": delivery_id,
            "X-Shopify-API-Version": "2026-10"}


def _woo_headers(body, secret, topic, delivery_id):
    return {"X-WC-Webhook-Signature": _b64_hmac(body, secret), "X-WC-Webhook-Topic": topic,
            "X-WC-Webhook-Source": "https://laden.example/", "X-WC-Webhook-Delivery-ID": delivery_id,
            "X-WC-Webhook-Resource": "order", "X-WC-Webhook-Event": topic.split(".")[1]}


def _shopify_unknown(order: dict) -> None:
    order["fulfillments"] = [{"id": 1, "order_id": order["id"], "status": "success",
                              "shipment_status": "unheard-of-in-contract", "tracking_number": "1Z999AA10123456784",
                              "created_at": order["created_at"], "updated_at": order["updated_at"],
                              "line_items": []}]


def _woo_unknown(order: dict) -> None:
    order["status"] = "unheard-of-in-contract"


PLATFORMS = [
    Platform("shopify", "orders/create", "shopify/orders_create.json", _shopify_headers, _shopify_unknown,
             lambda event: event.fulfillments[0].status),
    Platform("woocommerce", "order.updated", "woocommerce/order_completed_tracking.json", _woo_headers,
             _woo_unknown, lambda event: event.fulfillments[0].status),
]


@pytest.fixture(params=PLATFORMS, ids=lambda p: p.name)
def platform(request) -> Platform:
    return request.param


def _request(platform: Platform, body: bytes, secret="s3cret", delivery_id="d-1", method="POST"):
    return IncomingRequest(method, platform.sign(body, secret, platform.order_topic, delivery_id), body,
                           f"https://app.example/webhooks/{platform.name}")


def _order(platform: Platform) -> dict:
    return json.loads(load_payload(platform.order_payload))


def test_a_correct_signature_verifies(platform):
    body = load_payload(platform.order_payload)
    verdict = get_connector(platform.name).verify(_request(platform, body), Secrets("s3cret", ()))
    assert (verdict.ok, verdict.status) == (True, 200)


def test_the_previous_secret_verifies_during_rotation(platform):
    body = load_payload(platform.order_payload)
    verdict = get_connector(platform.name).verify(_request(platform, body, secret="old"), Secrets("new", ("old",)))
    assert verdict.ok


@pytest.mark.parametrize("tamper", ["wrong secret", "changed body"])
def test_a_wrong_signature_is_401(platform, tamper):
    body = load_payload(platform.order_payload)
    request = _request(platform, body, secret="other" if tamper == "wrong secret" else "s3cret")
    if tamper == "changed body":
        request = IncomingRequest("POST", request.headers, body.replace(b"1", b"2", 1), request.url)
    verdict = get_connector(platform.name).verify(request, Secrets("s3cret", ()))
    assert (verdict.ok, verdict.status) == (False, 401)


def test_a_wrong_method_is_405(platform):
    body = load_payload(platform.order_payload)
    verdict = get_connector(platform.name).verify(_request(platform, body, method="GET"), Secrets("s3cret", ()))
    assert (verdict.ok, verdict.status) == (False, 405)


def test_the_same_delivery_has_the_same_key_and_another_does_not(platform):
    connector = get_connector(platform.name)
    body = load_payload(platform.order_payload)
    first = connector.identify(_request(platform, body, delivery_id="d-1"))
    again = connector.identify(_request(platform, body, delivery_id="d-1"))
    other = connector.identify(_request(platform, body, delivery_id="d-2"))
    assert first.delivery_key == again.delivery_key != other.delivery_key
    assert first.topic == platform.order_topic


def test_an_order_maps_with_string_ids_that_survive_exactly(platform):
    order = _order(platform)
    order["id"] = BIG_ID
    event = get_connector(platform.name).parse(platform.order_topic, json.dumps(order).encode())
    assert isinstance(event, OrderEvent)
    assert event.platform_order_id == str(BIG_ID)
    assert event.lines and all(isinstance(line.platform_line_id, str) for line in event.lines)
    assert event.email and "@" in event.email


def test_an_unknown_status_value_maps_to_unknown_and_does_not_crash(platform):
    order = _order(platform)
    platform.set_unknown_status(order)
    event = get_connector(platform.name).parse(platform.order_topic, json.dumps(order).encode())
    assert platform.unknown_status_of(event) == ShipmentStatus.UNKNOWN


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b'{"id": {"nested": true}, "line_items": "x"}'])
def test_a_malformed_body_raises_malformed_payload(platform, body):
    with pytest.raises(MalformedPayload):
        get_connector(platform.name).parse(platform.order_topic, body)


def test_an_unused_topic_is_ignored_with_a_reason(platform):
    event = get_connector(platform.name).parse("something/else.entirely", load_payload(platform.order_payload))
    assert isinstance(event, IgnoredEvent) and event.reason
