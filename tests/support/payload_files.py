"""Recorded platform payloads (tests/payloads) and the headers Shopify signs them with."""
from __future__ import annotations

import json
from pathlib import Path

from connectors.signature import body_signature
from tests.support.app_config import SHOPIFY_SECRET

PAYLOADS = Path(__file__).resolve().parents[1] / "payloads"


def load_payload(name: str) -> bytes:
    return (PAYLOADS / name).read_bytes()


def fresh_payload(name: str, minutes_ago: int = 10, **overrides) -> bytes:
    """A recorded payload whose created_at/updated_at are moved to just now.

    The recorded samples date from 2021-2022; a shipping notice for a parcel sent that
    long ago is rightly skipped as stale, so tests of the live path move the clock.
    """
    from datetime import datetime, timedelta, timezone

    payload = json.loads(load_payload(name))
    moment = (datetime.now(timezone.utc) - timedelta(minutes=minutes_ago)).isoformat(timespec="seconds")
    payload.update(created_at=moment, updated_at=moment, **overrides)
    return json.dumps(payload).encode()


def shopify_headers(body: bytes, topic: str, event_id: str, secret: str = SHOPIFY_SECRET,
                    domain: str = "johns-apparel.myshopify.com", triggered_at: str | None = None) -> dict:
    headers = {
        "Content-Type": "application/json",
        "X-Shopify-Hmac-Sha256": body_signature(body, secret),
        "X-Shopify-Topic": topic,
        "X-Shopify-Shop-Domain": domain,
        "X-Shopify-API-Version": "2026-10",
        "X-Shopify-Webhook-Id": f"webhook-{event_id}",
        "X-Shopify-Event-Id": event_id,
    }
    if triggered_at:
        headers["X-Shopify-Triggered-At"] = triggered_at
    return headers
