"""A WooCommerce store goes away (plugin deleted, keys revoked): work stops, mail is cancelled,
data is purged once the grace period is over, and reconnecting in time keeps everything."""
import base64
import hashlib
import hmac
import json
import time
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from app.domain.followups.sync import sync_followups
from app.domain.privacy.lifecycle import REDACT_GRACE
from app.extensions import db
from app.jobs.purge import purge_disconnected_shops
from app.models import DeliveryState, MessageState, Order, ScheduledMessage, Shop, WebhookDelivery
from tests.support.factories import add_parcel, make_order

SECRET = "whsec_store"


@pytest.fixture
def store(app):
    shop = Shop(platform="woocommerce", domain="https://laden.example", name="Laden", api_key="ck_1",
                api_secret="cs_1", webhook_secret=SECRET, locale="de")
    db.session.add(shop)
    db.session.flush()
    order = make_order(shop, placed_at=datetime.now(timezone.utc) - timedelta(hours=2))
    add_parcel(order, shipped_at=datetime.now(timezone.utc) - timedelta(minutes=30))
    sync_followups(db.session, [order], datetime.now(timezone.utc))
    db.session.commit()
    return shop


def _goodbye(client, shop, secret=SECRET, expires_in=240):
    body = json.dumps({"exp": int(time.time()) + expires_in}).encode()
    signature = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()
    return client.post(f"/woocommerce/disconnect/{shop.shop_key}", data=body,
                       headers={"Content-Type": "application/json", "X-Aftersales-Signature": signature})


def test_the_plugins_goodbye_stops_work_and_cancels_planned_mail(client, store):
    assert _goodbye(client, store).status_code == 200
    shop = db.session.get(Shop, store.id)
    assert shop.uninstalled_at is not None and shop.api_key is None
    assert shop.redact_after - shop.uninstalled_at == REDACT_GRACE
    states = set(db.session.scalars(select(ScheduledMessage.state)).all())
    assert states == {MessageState.CANCELLED}
    assert _goodbye(client, store).status_code == 200  # said twice: still fine


@pytest.mark.parametrize("secret, expires_in, status",
                         [("other", 240, 401), (SECRET, -5, 401), (SECRET, 3600, 401)])
def test_a_forged_or_stale_goodbye_changes_nothing(client, store, secret, expires_in, status):
    assert _goodbye(client, store, secret, expires_in).status_code == status
    assert db.session.get(Shop, store.id).uninstalled_at is None


def test_a_goodbye_for_an_unknown_store_is_404(client):
    assert client.post("/woocommerce/disconnect/nope", data=b"{}").status_code == 404


def test_data_is_purged_only_after_the_grace_period(client, store):
    db.session.add(WebhookDelivery(platform="woocommerce", delivery_key="d1", topic="order.updated",
                                   shop_id=store.id, body=b"{}", state=DeliveryState.PROCESSED))
    db.session.commit()
    _goodbye(client, store)
    uninstalled = db.session.get(Shop, store.id).uninstalled_at
    assert purge_disconnected_shops(uninstalled + REDACT_GRACE - timedelta(minutes=1)) == 0
    assert purge_disconnected_shops(uninstalled + REDACT_GRACE + timedelta(minutes=1)) == 1
    db.session.expire_all()
    for model in (Shop, Order, ScheduledMessage, WebhookDelivery):
        assert db.session.scalar(select(func.count()).select_from(model)) == 0


def test_reconnecting_within_the_grace_period_keeps_the_data(client, store):
    _goodbye(client, store)
    shop = db.session.get(Shop, store.id)
    shop.uninstalled_at = shop.redact_after = None  # what the key handshake does on reconnect
    db.session.commit()
    assert purge_disconnected_shops(datetime.now(timezone.utc) + REDACT_GRACE * 2) == 0
    assert db.session.scalar(select(func.count()).select_from(Order)) == 1
