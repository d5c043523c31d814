"""The webhook side of the connector battery (tests/unit/test_connector_verification.py,
tests/unit/test_connector_parsing.py): each platform's name, recorded order and how it signs
a delivery, and the `platform` fixture (registered in tests/conftest.py) that runs a test once
per platform. A new connector joins by adding a `Platform` here."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Callable

import pytest

from connectors.base import IncomingRequest, OrderEvent
from tests.support.payload_files import load_payload


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
                              "shipment_status": "unheard-of-in-contract",
                              "tracking_number": "1Z999AA10123456784",
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


def signed_request(platform: Platform, body: bytes, secret="s3cret", delivery_id="d-1", method="POST"):
    return IncomingRequest(method, platform.sign(body, secret, platform.order_topic, delivery_id), body,
                           f"https://app.example/webhooks/{platform.name}")


def order_of(platform: Platform) -> dict:
    return json.loads(load_payload(platform.order_payload))
