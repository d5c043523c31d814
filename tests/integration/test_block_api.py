"""The extension's block API: session tokens, who may see which order, CORS and ETag."""
import time
import uuid
from datetime import datetime, timedelta, timezone

import jwt
import pytest

from app.extensions import db
from tests.support.app_config import SHOPIFY_SECRET
from tests.support.factories import add_parcel, make_order, set_module
from tests.support.sql_statements import assert_view_costs

URL = "/api/v1/order-status"


def session_token(secret=SHOPIFY_SECRET, aud="test-client-id", shop="johns-apparel", sub=None, ttl=300):
    now = int(time.time())
    claims = {"dest": f"https://{shop}.myshopify.com", "aud": aud, "iat": now, "nbf": now,
              "exp": now + ttl, "jti": str(uuid.uuid4())}
    if sub:
        claims["sub"] = f"gid://shopify/Customer/{sub}"
    return jwt.encode(claims, secret, algorithm="HS256")


@pytest.fixture
def order(app, shop):
    order = make_order(shop, platform_order_id="450789469",
                       placed_at=datetime.now(timezone.utc) - timedelta(hours=1))
    order.customer.platform_customer_id = "115310627314723954"
    add_parcel(order, tracking_number="00340434161094042557")
    db.session.commit()
    return order


def get(client, token=None, order_id="gid://shopify/OrderIdentity/450789469", **headers):
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return client.get(URL, query_string={"order_id": order_id}, headers=headers)


def test_preflight_is_answered_with_cors(client):
    response = client.options(URL)
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Authorization" in response.headers["Access-Control-Allow-Headers"]


@pytest.mark.parametrize("token", [
    None,
    session_token(secret="wrong"),
    session_token(aud="someone-else"),
    session_token(ttl=-60),
])
def test_no_order_data_without_a_valid_token(client, order, token):
    response = get(client, token)
    assert response.status_code == 401
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert b"00340434161094042557" not in response.data


def test_guest_on_the_thank_you_page_sees_the_fresh_order(client, order):
    response = get(client, session_token())
    assert response.status_code == 200
    body = response.get_json()
    assert body["modules"]["tracking"]["parcels"][0]["tracking_number"] == "00340434161094042557"
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_old_secret_still_verifies_during_rotation(client, order):
    assert get(client, session_token(secret="previous_secret_key")).status_code == 200


def test_guest_cannot_read_an_old_order(client, order):
    order.placed_at = datetime.now(timezone.utc) - timedelta(days=10)
    db.session.commit()
    assert get(client, session_token()).status_code == 403


def test_logged_in_buyer_sees_own_order_only(client, order):
    order.placed_at = datetime.now(timezone.utc) - timedelta(days=10)
    db.session.commit()
    assert get(client, session_token(sub="115310627314723954")).status_code == 200
    assert get(client, session_token(sub="999")).status_code == 403


def test_token_of_another_shop_finds_nothing(client, order):
    assert get(client, session_token(shop="other-shop")).status_code == 404


def test_bad_order_id_is_400(client, order):
    assert get(client, session_token(), order_id="gid://shopify/Product/1").status_code == 400


def test_etag_answers_304_when_nothing_changed(client, order):
    first = get(client, session_token())
    etag = first.headers["ETag"]
    again = get(client, session_token(), **{"If-None-Match": etag})
    assert again.status_code == 304
    assert again.headers["Access-Control-Allow-Origin"] == "*"


def test_a_view_costs_one_query_while_nothing_changed_and_two_after_an_order_change(client, order):
    """The fingerprint query alone while the order stands still; after a change, also the
    one that loads everything the presenter reads (no lazy load per parcel or event), and the
    shop's modules only while this process has not read them at the shop's facts version."""
    first = assert_view_costs(lambda: get(client, session_token()), first=3)

    add_parcel(order, tracking_number="1Z999AA10123456784", fulfillment_id="f2", index=1)
    db.session.commit()
    changed = assert_view_costs(lambda: get(client, session_token()), first=2)
    assert len(changed.json["modules"]["tracking"]["parcels"]) == 2
    assert changed.headers["ETag"] != first.headers["ETag"]
    set_module(order.shop, "banner", enabled=False)  # moves the shop's facts version
    db.session.commit()
    assert_view_costs(lambda: get(client, session_token()), first=3)


def test_a_known_token_is_answered_without_building_the_request_again(client, order, monkeypatch):
    """The second call with the same token takes the session verified by the first
    (blocks asks `known_extension_session` first): neither shopifyapp nor the
    IncomingRequest with its URL is needed for it; a preflight still goes the full way."""
    import app.web.blocks as blocks

    token = session_token()
    first = get(client, token)
    assert first.status_code == 200
    calls = []
    real = blocks.verify_extension_request
    monkeypatch.setattr(blocks, "verify_extension_request",
                        lambda *args, **kwargs: calls.append(args) or real(*args, **kwargs))
    again = get(client, token, **{"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.headers["Access-Control-Allow-Origin"] == "*"
    assert calls == []
    assert get(client, session_token()).status_code == 200  # a new token: verified
    assert client.options(URL, headers={"Authorization": f"Bearer {token}"}).status_code == 204
    assert len(calls) == 2
    assert get(client, session_token(secret="wrong")).status_code == 401 and len(calls) == 3
