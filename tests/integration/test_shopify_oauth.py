"""The authorization-code fallback: signed links, fresh timestamps, state, code exchange."""
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Shop
from connectors.shopify.oauth import query_hmac, valid_shop_domain, verify_query
from tests.support.app_config import SHOPIFY_SECRET
from tests.support.fakes.shopify_admin import FakeShopify

DOMAIN = "some-shop.myshopify.com"


def test_documented_query_hmac_vector():
    # ShopifyAPI's test of the example in Shopify's OAuth documentation (secret "hush")
    params = {"shop": DOMAIN, "code": "a94a110d86d2452eb3e2af4cfb8a3828", "timestamp": "1337178173"}
    assert query_hmac(params, "hush") == "2cb1a277650a659f1b11e92a4a64275b128e037f2c3390e3c8fd2d8721dac9e2"


def test_stale_or_forged_query_is_refused():
    params = {"shop": DOMAIN, "timestamp": str(int(time.time()) - 120)}
    params["hmac"] = query_hmac(params, "s")
    assert not verify_query(params, ("s",))
    fresh = {"shop": DOMAIN, "timestamp": str(int(time.time()))}
    fresh["hmac"] = query_hmac(fresh, "s")
    assert verify_query(fresh, ("s",)) and not verify_query(fresh, ("other",))


@pytest.mark.parametrize("value,expected", [
    ("Some-Shop.myshopify.com", "some-shop.myshopify.com"), ("evil.com", None),
    ("a.myshopify.com.evil.com", None), ("-x.myshopify.com", None), (None, None)])
def test_shop_domain_is_sanitised(value, expected):
    assert valid_shop_domain(value) == expected


def signed(params: dict) -> dict:
    params = {**params, "timestamp": str(int(time.time()))}
    return {**params, "hmac": query_hmac(params, SHOPIFY_SECRET)}


@pytest.fixture
def fake_shopify(app):
    fake = FakeShopify().start()
    app.config["SHOPIFY_API_ORIGIN"] = fake.origin
    yield fake
    fake.stop()


def test_install_link_to_callback_stores_tokens(client, fake_shopify):
    begin = client.get("/shopify/auth", query_string=signed({"shop": DOMAIN}))
    assert begin.status_code == 302
    target = urlsplit(begin.headers["Location"])
    assert (target.netloc, target.path) == (DOMAIN, "/admin/oauth/authorize")
    state = parse_qs(target.query)["state"][0]
    assert parse_qs(target.query)["redirect_uri"] == ["https://app.example.test/shopify/auth/callback"]

    done = client.get("/shopify/auth/callback",
                      query_string=signed({"shop": DOMAIN, "code": "one-time-code", "state": state}))
    assert done.status_code == 302
    assert done.headers["Location"] == f"https://{DOMAIN}/admin/apps/test-client-id"
    shop = db.session.scalars(select(Shop)).one()
    assert shop.access_token in fake_shopify.shop(DOMAIN).access_tokens and shop.refresh_token


def test_callback_with_a_foreign_state_is_refused(client, fake_shopify):
    client.get("/shopify/auth", query_string=signed({"shop": DOMAIN}))
    response = client.get("/shopify/auth/callback",
                          query_string=signed({"shop": DOMAIN, "code": "c", "state": "guessed"}))
    assert response.status_code == 400
    assert db.session.scalars(select(Shop)).first() is None


def test_unsigned_install_link_is_refused(client):
    response = client.get("/shopify/auth", query_string={"shop": DOMAIN, "timestamp": str(int(time.time())),
                                                          "hmac": "00"})
    assert response.status_code == 400 and b"not signed by Shopify" in response.data
