"""The WooCommerce embed: plugin-signed tokens in, the order-status HTML fragment out."""
from __future__ import annotations

import time

import pytest

from app.extensions import db
from app.links.embed import EmbedTokenError, embed_token, verify_embed_token
from app.links.tracking_page import tracking_token
from app.models import Shop
from tests.support.factories import make_order

SECRET = "whsec0123456789abcdef"
ORDER_KEY = "wc_order_Xy12AbCdEf34g"


@pytest.fixture
def woo_shop(app):
    shop = Shop(platform="woocommerce", domain="shop.example", name="Woo Shop",
                webhook_secret=SECRET, locale="de")
    db.session.add(shop)
    db.session.commit()
    return shop


@pytest.fixture
def woo_order(woo_shop):
    order = make_order(woo_shop, platform_order_id="812", platform_order_key=ORDER_KEY)
    db.session.commit()
    return order


def token_for(shop, order_id="812", key=ORDER_KEY, secret=SECRET, expires_in=3600) -> str:
    """A token that expires `expires_in` seconds from now (the app takes one for an hour)."""
    return embed_token(shop.shop_key, order_id, key, secret, int(time.time()) + expires_in - 3600)


def refused(token: str) -> EmbedTokenError:
    with pytest.raises(EmbedTokenError) as caught:
        verify_embed_token(token)
    return caught.value


def test_valid_token_names_shop_order_and_key(woo_shop):
    claims = verify_embed_token(token_for(woo_shop))
    assert (claims.shop.id, claims.platform_order_id, claims.order_key) == (woo_shop.id, "812", ORDER_KEY)


@pytest.mark.parametrize("make, status, message", [
    (lambda shop: token_for(shop, expires_in=-1), 403, "embed token has expired"),
    (lambda shop: token_for(shop, expires_in=30 * 86400), 403,
     "embed token claims a time too far in the future"),
    (lambda shop: token_for(shop, secret="someone-elses-secret"), 403,
     "embed token signature does not match"),
    (lambda shop: "not-a-token", 403, "embed token is malformed"),
    (lambda shop: "%%%.abc", 403, "embed token is malformed"),
])
def test_refused_tokens_say_why(woo_shop, make, status, message):
    error = refused(make(woo_shop))
    assert (error.status, error.message) == (status, message)


def test_tampered_payload_breaks_the_signature(woo_shop):
    good = token_for(woo_shop, order_id="812")
    forged_body = token_for(woo_shop, order_id="813").split(".")[1]
    error = refused(f"v1.{forged_body}.{good.split('.')[2]}")
    assert (error.status, error.message) == (403, "embed token signature does not match")


def test_other_shops_secret_and_unknown_or_uninstalled_shop(woo_shop):
    other = Shop(platform="woocommerce", domain="other.example", webhook_secret="other-secret")
    db.session.add(other)
    db.session.commit()
    # signed by the other shop but claiming this shop's key
    assert refused(token_for(woo_shop, secret="other-secret")).status == 403
    unknown = embed_token("no-such-shop", 812, ORDER_KEY, SECRET, int(time.time()))
    assert (refused(unknown).status, refused(unknown).message) == (404,
                                                                   "shop is unknown or no longer installed")
    from datetime import datetime, timezone
    woo_shop.uninstalled_at = datetime.now(timezone.utc)
    db.session.commit()
    assert refused(token_for(woo_shop)).status == 404


def test_fragment_for_a_valid_token_with_cors_and_private_cache(client, woo_order, woo_shop):
    response = client.get("/embed/v1/order-status", query_string={"token": token_for(woo_shop)})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response.headers
    assert response.headers["Cache-Control"] == "private, max-age=30"
    html = response.get_data(as_text=True)
    assert 'class="as-block"' in html and "#1001" in html


@pytest.mark.parametrize("kwargs, status, message", [
    ({"expires_in": -5}, 403, "embed token has expired"),
    ({"secret": "wrong"}, 403, "embed token signature does not match"),
    ({"key": "wc_order_guessed"}, 403, "order key does not match this order"),
    ({"order_id": "999"}, 404, "order not found (yet): the shop has not sent it to us"),
])
def test_fragment_refusals_are_plain_text_with_cors(client, woo_order, woo_shop, kwargs, status, message):
    response = client.get("/embed/v1/order-status", query_string={"token": token_for(woo_shop, **kwargs)})
    assert response.status_code == status
    assert response.get_data(as_text=True) == message
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_order_of_another_shop_is_not_found(client, woo_shop, woo_order):
    other = Shop(platform="woocommerce", domain="other.example", webhook_secret="other-secret")
    db.session.add(other)
    db.session.commit()
    token = embed_token(other.shop_key, 812, ORDER_KEY, "other-secret", int(time.time()))
    response = client.get("/embed/v1/order-status", query_string={"token": token})
    assert response.status_code == 404


def test_order_without_stored_key_is_bound_by_shop_and_id(client, woo_shop):
    make_order(woo_shop, platform_order_id="900")
    db.session.commit()
    token = token_for(woo_shop, order_id="900", key="wc_order_anything")
    assert client.get("/embed/v1/order-status", query_string={"token": token}).status_code == 200


def test_tracking_token_still_accepted(client, woo_order):
    response = client.get("/embed/v1/order-status", query_string={"token": tracking_token(woo_order)})
    assert response.status_code == 200 and 'class="as-block"' in response.get_data(as_text=True)
    bad = client.get("/embed/v1/order-status", query_string={"token": "a.b.c"})
    assert bad.status_code == 404 and bad.headers["Access-Control-Allow-Origin"] == "*"


def test_preflight_and_noscript_page_redirect(client, woo_order, woo_shop):
    assert client.options("/embed/v1/order-status").status_code == 204
    page = client.get("/embed/v1/order-page", query_string={"token": token_for(woo_shop)})
    assert page.status_code == 303 and "/t/" in page.headers["Location"]
    assert client.get(page.headers["Location"]).status_code == 200
    assert client.get("/embed/v1/order-page",
                      query_string={"token": token_for(woo_shop, expires_in=-1)}).status_code == 403
