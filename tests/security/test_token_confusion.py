"""Token confusion across every kind of token the app issues or accepts.

For one shop and order, each kind is minted as the app or the plugin really makes it, in the one
format of app/links/signer.py and, where links already sent or old plugins still carry it, in the
format before it (app/links/legacy.py); then each is sent to every token-taking endpoint that is
not its own. Each must be refused (4xx) and
change nothing: no sign-in, no unsubscribe, no confirmed address or subscription, no click
(review or module click).
The Shopify admin / extension pair is covered in test_shopify_token_confusion.py."""
from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select

from app.domain.privacy.suppressions import email_hash
from app.extensions import db
from app.links import signer
from app.links.admin_login import sign_login_token
from app.links.embed import embed_token
from app.links.module_clicks import click_url
from app.links.newsletter_confirm import confirm_token as newsletter_token
from app.links.review import review_click_url
from app.links.test_address import confirm_token as recipient_token
from app.links.tracking_page import tracking_token
from app.links.unsubscribe import unsubscribe_token
from app.models import MessageState, ModuleClick, ScheduledMessage, Suppression, TestRecipient
from tests.support.admin_sessions import WC_SECRET
from tests.support.factories import make_order
from tests.support.link_tokens import old_app_token, old_embed_token, old_login_token

ORDER_KEY = "wc_order_Xy12AbCdEf34g"


@pytest.fixture
def minted(app, client, wc_shop):
    """Every token kind, valid for its own endpoint, for one WooCommerce shop and order."""
    now = datetime.now(timezone.utc)
    order = make_order(wc_shop, platform_order_id="812", platform_order_key=ORDER_KEY, placed_at=now)
    message = ScheduledMessage(shop_id=wc_shop.id, order=order, customer=order.customer,
                               kind="review_request",
                               stream="marketing", sequence=0, send_at=now, state=MessageState.SENT)
    recipient = TestRecipient(shop_id=wc_shop.id, address="owner@laden.example", created_at=now)
    db.session.add_all([message, recipient])
    db.session.commit()
    state_url = client.get("/woocommerce/connect", query_string={"store_url": "https://laden.example"})
    hashed, made = email_hash(order.customer.email), recipient.created_at
    mark = (made - datetime(1970, 1, 1, tzinfo=timezone.utc)) // timedelta(microseconds=1)
    with app.test_request_context():
        secret = app.config["SECRET_KEY"]
        old = {
            "old tracking": old_app_token(secret, "tracking-page", {"s": wc_shop.id, "o": order.id}),
            "old unsubscribe": old_app_token(secret, "unsubscribe",
                                             {"s": wc_shop.id, "h": hashed, "c": order.customer.id}),
            "old review click": old_app_token(secret, "review-click", {"m": message.id}),
            "old module click": old_app_token(secret, "module-click", {
                "s": wc_shop.id, "o": order.id, "m": "reorder", "u": "https://laden.example/cart"}),
            "old newsletter confirm": old_app_token(secret, "newsletter-confirm",
                                                    {"s": wc_shop.id, "c": order.customer.id, "h": hashed}),
            "old test address": old_app_token(secret, "test-address-confirm", {
                "s": wc_shop.id, "r": recipient.id, "h": email_hash(recipient.address), "t": mark}),
            "shopify state": signer.sign("shopify-oauth-state",
                                         {"state": "s", "shop": "laden.myshopify.com"}),
        }
    return {**old,
        "old embed": old_embed_token(wc_shop.shop_key, 812, ORDER_KEY, WC_SECRET, int(time.time()) + 600),
        "old login link": old_login_token(wc_shop.shop_key, WC_SECRET, 7, int(time.time()) + 120,
                                          nonce="n" + str(time.time())),
        "tracking": tracking_token(order),
        "embed": embed_token(wc_shop.shop_key, 812, ORDER_KEY, WC_SECRET, int(time.time())),
        "login link": sign_login_token(wc_shop.shop_key, WC_SECRET, 7, time.time()),
        "unsubscribe": unsubscribe_token(wc_shop.id, order.customer.email, order.customer.id),
        "review click": review_click_url(message).rsplit("/", 1)[1],
        "module click": click_url(order, "reorder", "https://laden.example/cart").rsplit("/c/", 1)[1],
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
    "module click": ("GET", "/c/{}", "module click"),
    "newsletter confirm": ("POST", "/n/{}", "newsletter confirm"),
    "test address confirm": ("POST", "/test-address/{}", "test address"),
    "connect return": ("GET", "/woocommerce/connected?success=1&user_id={}", "connect state"),
}
# Links already sent and old plugins: each endpoint also takes its own kind's old format.
OLD_FORMAT = {"tracking page": "old tracking", "tracking json": "old tracking", "embed": "old embed",
              "embed page": "old embed", "admin login": "old login link", "unsubscribe": "old unsubscribe",
              "review click": "old review click", "module click": "old module click",
              "newsletter confirm": "old newsletter confirm",
              "test address confirm": "old test address"}
# The embed takes our tracking token too (app/web/tracking.py `_embed_order`): one order, one shop.
ALSO_ACCEPTED = {("embed", "tracking"), ("embed page", "tracking"), ("embed", "old tracking"),
                 ("embed page", "old tracking"), *OLD_FORMAT.items()}


def _effects() -> tuple:
    return (db.session.scalar(select(func.count()).select_from(Suppression)),
            db.session.scalar(select(func.count()).select_from(TestRecipient)
                              .where(TestRecipient.confirmed_at.is_not(None))),
            db.session.scalar(select(func.count()).select_from(ScheduledMessage)
                              .where(ScheduledMessage.clicked_at.is_not(None))),
            db.session.scalar(select(func.count()).select_from(ModuleClick)))


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


def test_each_old_format_token_still_works_at_its_own_endpoint(app, minted):
    """Links in mails already sent and tokens of a plugin not yet updated (until the dates in
    app/links/legacy.py)."""
    for endpoint, kind in OLD_FORMAT.items():
        method, template, _ = ENDPOINTS[endpoint]
        response = app.test_client().open(template.format(minted[kind]), method=method)
        assert response.status_code < 400, (endpoint, response.status_code)


def test_an_expired_login_link_and_a_long_lived_one_are_refused(client, wc_shop):
    old = sign_login_token(wc_shop.shop_key, WC_SECRET, 7, time.time() - timedelta(minutes=6).total_seconds())
    assert client.get(f"/admin/login?token={old}").status_code == 401
    ahead = sign_login_token(wc_shop.shop_key, WC_SECRET, 7, time.time() + 3600)
    assert client.get(f"/admin/login?token={ahead}").status_code == 401
    # plugin 0.1.0's own format: the expiry is its claim, capped at five minutes
    long = old_login_token(wc_shop.shop_key, WC_SECRET, 7, int(time.time()) + 3600)
    assert client.get(f"/admin/login?token={long}").status_code == 401
