"""The 17TRACK push endpoint trusts only a body signed with a 17TRACK key configured here."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Shipment, Shop, TrackingEvent, TrackingProviderKey, WebhookDelivery
from tests.support.fakes.tracking_providers import push_signature
from tests.support.tracking_setup import SEVENTEEN_KEY, due_parcel, seventeen_item

PUSH_URL = "/webhooks/tracking/17track"
NUMBER = "01234567890128"


def _stored() -> tuple[int, int]:
    return (db.session.scalar(select(func.count()).select_from(TrackingEvent)),
            db.session.scalar(select(func.count()).select_from(WebhookDelivery)))


def _body(tag: str) -> bytes:
    item = seventeen_item("gettrackinfo_delivered.json", carrier=100007, newest_at=datetime.now(timezone.utc))
    return json.dumps({"event": "TRACKING_UPDATED",
                       "data": {"number": NUMBER, "carrier": 100007, "param": None,
                                                              "tag": tag,
                                                              "track_info": item["track_info"]}}).encode()


@pytest.fixture
def parcel(shop, fake_17track):
    parcel = due_parcel(shop, NUMBER, carrier="DPD", order_id="a")
    parcel.tracking_provider = "17track"
    db.session.commit()
    return parcel


@pytest.mark.parametrize("headers", [
    {},  # no sign header
    {"sign": "0" * 64},
    {"sign": push_signature(b"another body", SEVENTEEN_KEY)},
    {"sign": "not hex at all"},
])
def test_a_push_whose_sign_does_not_verify_is_401_and_stores_nothing(client, parcel, headers):
    response = client.post(PUSH_URL, data=_body(str(parcel.id)), headers=headers)
    assert response.status_code == 401
    assert _stored() == (0, 0)
    db.session.expire_all()
    assert db.session.get(Shipment, parcel.id).status == "in_transit"


def test_signed_with_a_key_that_is_not_ours_is_401(client, parcel):
    body = _body(str(parcel.id))
    response = client.post(PUSH_URL, data=body,
                           headers={"sign": push_signature(body, "an attackers 17track key")})
    assert response.status_code == 401 and _stored() == (0, 0)


def test_a_malformed_body_with_a_bad_sign_is_401_not_400(client, parcel):
    response = client.post(PUSH_URL, data=b"{not json",
                           headers={"sign": push_signature(b"{not json", "wrong")})
    assert response.status_code == 401 and _stored() == (0, 0)


def test_without_any_17track_key_configured_every_push_is_401(client, shop):
    body = _body("1")
    response = client.post(PUSH_URL, data=body, headers={"sign": push_signature(body, SEVENTEEN_KEY)})
    assert response.status_code == 401 and _stored() == (0, 0)


def test_a_shops_own_key_reaches_only_that_shops_parcels(client, parcel, app):
    """Shop B's merchant holds a 17TRACK account of its own: a push signed with it names shop A's parcel."""
    other = Shop(platform="woocommerce", domain="https://b.example", name="B", webhook_secret="s")
    db.session.add(other)
    db.session.flush()
    db.session.add(TrackingProviderKey(shop_id=other.id, provider="17track", api_key="shop-b-17track-key"))
    db.session.commit()
    body = _body(str(parcel.id))
    response = client.post(PUSH_URL, data=body, headers={"sign": push_signature(body, "shop-b-17track-key")})
    assert response.status_code == 200 and response.get_json()["message"] == "applied to 0 parcel(s)"
    assert _stored() == (0, 0)
    ours = client.post(PUSH_URL, data=body, headers={"sign": push_signature(body, SEVENTEEN_KEY)})
    assert ours.get_json()["message"] == "applied to 1 parcel(s)"


def test_only_post_and_bodies_within_the_webhook_limit(client, parcel, app):
    refused = client.get(PUSH_URL)
    assert (refused.status_code, refused.json) == (
        405, {"status": 405, "message": "method not allowed: pushes are POSTed"})
    app.config["MAX_WEBHOOK_BYTES"] = 1000
    body = _body(str(parcel.id))
    assert len(body) > 1000
    response = client.post(PUSH_URL, data=body, headers={"sign": push_signature(body, SEVENTEEN_KEY)})
    assert response.status_code == 413 and _stored() == (0, 0)
    assert response.json == {"status": 413, "message": "body too large"}


@pytest.mark.slow
def test_pushes_over_real_http_through_gunicorn(config, app, parcel):
    """As 17TRACK sends it: a raw POST with its `sign` header to the app under gunicorn; a
    stranger's push (unsigned, or signed with another key) changes nothing."""
    import httpx

    from bench.servers import gunicorn
    from tests.integration.test_faults import process_env

    env = process_env(config, SEVENTEENTRACK_API_KEY=SEVENTEEN_KEY,
                      SEVENTEENTRACK_API_URL=app.config["SEVENTEENTRACK_API_URL"])
    body = _body(str(parcel.id))
    with gunicorn("app:create_app()", env, probe="/healthz/live") as base:
        forged = httpx.post(base + PUSH_URL, content=body, headers={"sign": push_signature(body, "not ours")})
        unsigned = httpx.post(base + PUSH_URL, content=body, headers={"Content-Type": "application/json"})
        assert (forged.status_code, unsigned.status_code) == (401, 401) and _stored() == (0, 0)
        signed = httpx.post(base + PUSH_URL, content=body,
                            headers={"sign": push_signature(body, SEVENTEEN_KEY),
                                                                    "Content-Type": "application/json"})
        assert signed.status_code == 200, signed.text
    db.session.expire_all()
    assert db.session.get(Shipment, parcel.id).status == "delivered"
