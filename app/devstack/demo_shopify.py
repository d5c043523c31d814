"""A demo shop and one order's life, played through signed Shopify webhooks (local demos)."""
from __future__ import annotations

import json
import time
import uuid
from datetime import datetime, timedelta, timezone

import httpx

from connectors.signature import body_signature

DEMO_DOMAIN = "demo-shop.myshopify.com"
DEMO_TRACKING_NUMBER = "00340434161094042557"  # DHL Paket format (20 digits)


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone(timedelta(hours=1))).isoformat(timespec="seconds")


def demo_order(order_id: int, placed: datetime) -> dict:
    """An orders/create body in Shopify's webhook shape (REST, lowercase)."""
    return {
        "id": order_id, "admin_graphql_api_id": f"gid://shopify/Order/{order_id}",
        "name": "#1001", "order_number": 1001, "email": "buyer@example.com",
        "created_at": _iso(placed), "updated_at": _iso(placed), "cancelled_at": None,
        "currency": "EUR", "total_price": "89.90", "financial_status": "paid",
        "fulfillment_status": None, "customer_locale": "de", "buyer_accepts_marketing": False,
        "customer": {"id": 7001, "email": "buyer@example.com",
                     "email_marketing_consent": {"state": "not_subscribed"}},
        "shipping_address": {"country_code": "DE"},
        "line_items": [
            {"id": 9001, "product_id": 5001, "variant_id": 6001, "title": "Leinenhemd",
             "quantity": 1, "price": "59.90", "sku": "SHIRT-L"},
            {"id": 9002, "product_id": 5002, "variant_id": 6002, "title": "Pflegespray",
             "quantity": 2, "price": "15.00", "sku": "CARE-1"},
        ],
        "fulfillments": [],
    }


def demo_fulfillment(order_id: int, shipped: datetime, updated: datetime,
                     shipment_status: str | None) -> dict:
    """A fulfillments/create|update body in Shopify's webhook shape."""
    return {
        "id": order_id + 1, "order_id": order_id, "status": "success",
        "created_at": _iso(shipped), "updated_at": _iso(updated),
        "tracking_company": "DHL", "shipment_status": shipment_status,
        "tracking_number": DEMO_TRACKING_NUMBER, "tracking_numbers": [DEMO_TRACKING_NUMBER],
        "tracking_url": f"https://www.dhl.de/de/privatkunden/pakete-empfangen/verfolgen.html?piececode="
                        f"{DEMO_TRACKING_NUMBER}",
        "tracking_urls": [],
        "line_items": [{"id": 9001, "quantity": 1}, {"id": 9002, "quantity": 2}],
    }


def post_webhook(base_url: str, secret: str, topic: str, payload: dict) -> int:
    body = json.dumps(payload).encode()
    headers = {
        "Content-Type": "application/json", "X-Shopify-Topic": topic,
        "X-Shopify-Hmac-Sha256": body_signature(body, secret),
        "X-Shopify-Shop-Domain": DEMO_DOMAIN, "X-Shopify-API-Version": "2026-10",
        "X-Shopify-Event-Id": str(uuid.uuid4()), "X-Shopify-Webhook-Id": str(uuid.uuid4()),
        "X-Shopify-Triggered-At": datetime.now(timezone.utc).isoformat(),
    }
    return httpx.post(f"{base_url}/webhooks/shopify", content=body, headers=headers, timeout=10).status_code


def play_lifecycle(base_url: str, secret: str, order_id: int, pause: float = 1.0) -> list[tuple[str, int]]:
    """Order placed → shipped with DHL tracking → out for delivery; returns (step, status)."""
    now = datetime.now(timezone.utc)
    placed, shipped = now - timedelta(hours=3), now - timedelta(minutes=5)
    steps = [
        ("orders/create", demo_order(order_id, placed)),
        ("fulfillments/create", demo_fulfillment(order_id, shipped, shipped, "in_transit")),
        ("fulfillments/update", demo_fulfillment(order_id, shipped, now, "out_for_delivery")),
    ]
    results = []
    for topic, payload in steps:
        results.append((topic, post_webhook(base_url, secret, topic, payload)))
        time.sleep(pause)
    return results
