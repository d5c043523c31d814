"""A WooCommerce demo shop and one order's life, played through signed WooCommerce webhooks
(local demos). The bodies have the shape a real WooCommerce 10 sends (REST v3 orders; see
tests/payloads/woocommerce/recorded/), the tracking that of the Shipment Tracking plugin."""
from __future__ import annotations

import json
import secrets
import uuid
from datetime import datetime, timedelta, timezone

import httpx

from connectors.signature import body_signature

DEMO_STORE_URL = "https://demo-laden.example"
DEMO_TRACKING_NUMBER = "00340434161094042558"


def _wc_time(moment: datetime) -> str:
    """WooCommerce's `*_gmt` format: ISO 8601 without offset or fraction."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")


def demo_wc_order(order_id: int, placed: datetime, modified: datetime,
                  shipped: datetime | None = None) -> dict:
    """A REST v3 order body: paid and `processing`, or `completed` with DHL tracking."""
    tracking = [] if shipped is None else [{"key": "_wc_shipment_tracking_items", "value": [{
        "tracking_provider": "", "custom_tracking_provider": "DHL Paket",
        "tracking_link": f"https://www.dhl.de/de/privatkunden/pakete-empfangen/verfolgen.html?piececode="
                         f"{DEMO_TRACKING_NUMBER}",
        "tracking_number": DEMO_TRACKING_NUMBER, "date_shipped": str(int(shipped.timestamp())),
        "status_shipped": 1, "tracking_id": uuid.uuid4().hex}]}]
    address = {"first_name": "Erika", "last_name": "Beispiel", "address_1": "Beispielstraße 1",
               "city": "Berlin", "postcode": "10115", "country": "DE"}
    return {
        "id": order_id, "parent_id": 0, "number": str(order_id),
        "order_key": f"wc_order_{secrets.token_hex(6)}",
        "status": "processing" if shipped is None else "completed", "currency": "EUR", "version": "10.0.2",
        "date_created_gmt": _wc_time(placed), "date_modified_gmt": _wc_time(modified),
        "date_paid_gmt": _wc_time(placed), "date_completed_gmt": _wc_time(shipped) if shipped else None,
        "total": "25.80", "customer_id": 0, "customer_note": "", "created_via": "checkout",
        "billing": {**address, "email": "kundin@example.com", "phone": ""}, "shipping": address,
        "meta_data": tracking, "refunds": [],
        "line_items": [{"id": 1, "name": "Filterkaffee 500 g", "product_id": 10, "variation_id": 0,
                        "quantity": 2, "sku": "COFFEE-500", "price": 12.9, "total": "25.80"}],
    }


def wc_webhook(shop_key: str, secret: str, topic: str, payload: dict) -> tuple[str, bytes, dict]:
    """Path, body and headers of one delivery, signed as WooCommerce signs it."""
    body = json.dumps(payload).encode()
    resource, event = topic.split(".")
    headers = {
        "Content-Type": "application/json", "User-Agent": "WooCommerce/10.0.2 Hookshot (WordPress/6.8.3)",
        "X-WC-Webhook-Source": f"{DEMO_STORE_URL}/", "X-WC-Webhook-Topic": topic,
        "X-WC-Webhook-Resource": resource, "X-WC-Webhook-Event": event,
        "X-WC-Webhook-Signature": body_signature(body, secret), "X-WC-Webhook-ID": "1",
        "X-WC-Webhook-Delivery-ID": uuid.uuid4().hex,
    }
    return f"/webhooks/woocommerce/{shop_key}", body, headers


def demo_wc_steps(order_id: int) -> list[tuple[str, dict]]:
    """Order paid → completed with DHL tracking."""
    now = datetime.now(timezone.utc)
    placed, shipped = now - timedelta(hours=2), now - timedelta(minutes=3)
    return [("order.created", demo_wc_order(order_id, placed, placed)),
            ("order.updated", demo_wc_order(order_id, placed, shipped, shipped))]


def play_wc_lifecycle(base_url: str, shop_key: str, secret: str, order_id: int) -> list[tuple[str, int]]:
    """Post the demo steps to a running app; returns (step, HTTP status)."""
    results = []
    for topic, payload in demo_wc_steps(order_id):
        path, body, headers = wc_webhook(shop_key, secret, topic, payload)
        results.append((topic, httpx.post(f"{base_url}{path}", content=body, headers=headers,
                                          timeout=10).status_code))
    return results
