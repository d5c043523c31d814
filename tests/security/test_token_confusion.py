"""Token confusion across every kind of token the app issues or accepts.

For one shop and order, each kind is minted as the app or the plugin really makes it; then each
is sent to every token-taking endpoint that is not its own. Each must be refused (4xx) and
change nothing: no sign-in, no unsubscribe, no confirmed address or subscription, no click.
The Shopify admin / extension pair is covered in test_shopify_token_confusion.py."""
from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select

from app.admin_login_links import sign_login_token
from app.embed_tokens import embed_token
from app.extensions import db
from app.models import MessageState, ScheduledMessage, Suppression, TestRecipient
from app.newsletter_links import confirm_token as newsletter_token
from app.review_clicks import review_click_url
from app.test_recipient_links import confirm_token as recipient_token
from app.tracking_links import tracking_token
from app.unsubscribe_links import unsubscribe_token
from tests.admin_sessions import WC_SECRET
from tests.factories import make_order

ORDER_KEY = "wc_order_Xy12AbCdEf34g"


@pytest.fixture
def minted(app, client, wc_shop):
    """Every token kind, valid for its own endpoint, for one WooCommerce shop and order."""
    now = datetime.now(timezone.utc)
    order = make_order(wc_shop, platform_order_id="812", platform_order_key=ORDER_KEY, placed_at=now)
    message = ScheduledMessage(shop_id=wc_shop.id, order=order, customer=order.customer, kind="review_request",
                               stream="marketing", sequence=0, send_at=now, state=MessageState.SENT)
    recipient = TestRecipient(shop_id=wc_shop.id, address="owner@laden.example", created_at=now)
    db.session.add_all([message, recipient])
    db.session.commit()
    state_url = client.get("/woocommerce/connect", query_string={"store_url": "https://laden.example"})
    return {
        "tracking": tracking_token(order),
        "embed": embed_token(wc_shop.shop_key, 812, ORDER_KEY, WC_SECRET, int(time.time()) + 600),
        "login link": sign_login_token(wc_shop.shop_key, WC_SECRET, 7, time.time(), 120),
        "unsubscribe": unsubscribe_token(wc_shop.id, order.customer.email, order.customer.id),
        "review click": review_click_url(message).rsplit("/", 1)[1],
        "newsletter confirm": newsletter_token(wc_shop.id, order.customer.id, order.customer.email),
        "test address": recipient_token(wc_shop.id, recipient.id, recipient.address, recipient.created_at),
        "connect state": parse_qs(urlsplit(state_url.headers["Location"]).query)["user_id"][0],
    }


# endpoint → (method, URL template, the token kind it is for)
ENDPOINTS = {
    "tracking page": ("GET", "/t/{}", "tracking"),
    "tracking json": ("GET", "/t/{}.json", "tracking"),
    "embed": ("GET", "/embed/v1/order-status?token={}", "embed"),
    "embed page": ("GET", "/embed/v1/order-page?token={}", "embed"),
    "admin login": ("GET", "/admin/login?token={}", "login link"),
    "unsubscribe": ("POST", "/u/{}", "unsubscribe"),
    "review click": ("GET", "/r/{}", "review click"),
    "newsletter confirm": ("POST", "/n/{}", "newsletter confirm"),
    "test address confirm": ("POST", "/test-address/{}", "test address"),
    "connect return": ("GET", "/woocommerce/connected?success=1&user_id={}", "connect state"),
}
# The embed takes our tracking token too (app/web/tracking.py `_embed_order`): one order, one shop.
ALSO_ACCEPTED = {("embed", "tracking"), ("embed page", "tracking")}


def _effects() -> tuple:
    return (db.session.scalar(select(func.count()).select_from(Suppression)),
            db.session.scalar(select(func.count()).select_from(TestRecipient)
                              .where(TestRecipient.confirmed_at.is_not(None))),
            db.session.scalar(select(func.count()).select_from(ScheduledMessage)
                              .where(ScheduledMessage.clicked_at.is_not(None))))


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_no_token_works_anywhere_but_at_its_own_endpoint(app, client, minted, endpoint):
    method, template, own = ENDPOINTS[endpoint]
    for kind, token in minted.items():
        if kind == own or (endpoint, kind) in ALSO_ACCEPTED:
            continue
        before = _effects()
        with app.test_client() as stranger:
            response = stranger.open(template.format(token), method=method)
            with stranger.session_transaction() as session:
                assert "admin_shop_id" not in session, (endpoint, kind)
        db.session.expire_all()
        assert 400 <= response.status_code < 500, (endpoint, kind, response.status_code)
        assert _effects() == before, (endpoint, kind)


def test_each_token_does_work_at_its_own_endpoint(app, client, minted):
    """The battery would pass vacuously if every endpoint refused everything."""
    for endpoint, (method, template, own) in ENDPOINTS.items():
        with app.test_client() as owner:
            if endpoint == "connect return":
                owner.get("/woocommerce/connect", query_string={"store_url": "https://laden.example"})
                continue  # its cookie-bound state is tested in test_woocommerce_connect_takeover.py
            response = owner.open(template.format(minted[own]), method=method)
        assert response.status_code < 400, (endpoint, response.status_code)


def test_an_expired_login_link_and_a_long_lived_one_are_refused(client, wc_shop):
    old = sign_login_token(wc_shop.shop_key, WC_SECRET, 7, time.time() - timedelta(hours=1).total_seconds(), 120)
    assert client.get(f"/admin/login?token={old}").status_code == 401
    long = sign_login_token(wc_shop.shop_key, WC_SECRET, 7, time.time(), 3600)
    assert client.get(f"/admin/login?token={long}").status_code == 401
