"""Fixtures for tests against the fake WooCommerce REST server: the store and its shop."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from app.extensions import db
from app.models import Shop
from tests.support.fakes.woocommerce_rest import FakeWooCommerce
from tests.support.payload_files import load_payload

CONSUMER_KEY = "ck_4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e"
CONSUMER_SECRET = "cs_0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b"
WEBHOOK_SECRET = "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3f4"


def gmt(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")


def rest_order(order_id: int, name: str = "order_processing.json", placed: datetime | None = None,
               **overrides) -> dict:
    """A recorded REST order with a fresh creation time and its own id."""
    payload = json.loads(load_payload(f"woocommerce/{name}"))
    placed = placed or datetime.now(timezone.utc) - timedelta(hours=1)
    payload.update(id=order_id, number=str(order_id), date_created_gmt=gmt(placed), date_created=gmt(placed),
                   date_paid_gmt=gmt(placed), date_paid=gmt(placed), **overrides)
    return payload


@pytest.fixture
def fake_store(app, tmp_path):
    fake = FakeWooCommerce(CONSUMER_KEY, CONSUMER_SECRET, tls_dir=tmp_path).start()
    app.config["WOOCOMMERCE_TLS_VERIFY"] = fake.ca_path
    yield fake
    fake.stop()


@pytest.fixture
def wc_store_shop(app, fake_store):
    shop = Shop(platform="woocommerce", domain=fake_store.store_url, name="Fake store",
                api_key=CONSUMER_KEY, api_secret=CONSUMER_SECRET, webhook_secret=WEBHOOK_SECRET,
                support_email="hilfe@store.example",
                installed_at=datetime.now(timezone.utc) - timedelta(days=1))
    db.session.add(shop)
    db.session.commit()
    return shop
