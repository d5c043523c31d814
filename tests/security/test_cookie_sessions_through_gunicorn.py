"""The session cookie (app/web/cookie_sessions.py) as the world meets it: plain HTTP to the app
under gunicorn. A platform's webhook and a buyer's tracking page get no cookie and no
`Vary: Cookie` (a shared cache may keep the buyer's page), the merchant's login link gets its
Secure cookie and the admin opens with it, and a stranger's cookie, signed with a guessed key
for the same shop or copied from a buyer's page, opens nothing."""
from __future__ import annotations

import json
import time

import httpx
import pytest

from app.extensions import db
from app.links.tracking_page import tracking_token
from app.web.cookie_sessions import CookieOnlySessions
from bench.servers import gunicorn
from tests.integration.test_faults import process_env
from tests.support.admin_sessions import login_link
from tests.support.factories import make_order
from tests.support.payload_files import shopify_headers


def _forged_cookie(app, shop_id: int) -> str:
    """A session naming the shop as signed in, signed with an attacker's guess at the key."""
    with app.test_request_context():
        real, app.secret_key = app.secret_key, "an attacker's guess"
        try:
            serializer = CookieOnlySessions().get_signing_serializer(app)
            assert serializer is not None
            return serializer.dumps({"admin_shop_id": shop_id, "admin_until": time.time() + 3600,
                                     "csrf_token": "x"})
        finally:
            app.secret_key = real


def _no_cookie(response: httpx.Response) -> None:
    assert "set-cookie" not in response.headers, response.url
    assert "cookie" not in response.headers.get("vary", "").lower(), response.url


@pytest.mark.slow
def test_only_the_admin_sign_in_gets_a_session_cookie_under_gunicorn(config, app, shop, wc_shop):
    order = make_order(shop, platform_order_id="1043")
    db.session.commit()
    tracking = "/t/" + tracking_token(order)
    body = json.dumps({"id": 77, "name": "#77"}).encode()
    forged = _forged_cookie(app, wc_shop.id)
    link = login_link(wc_shop)

    with gunicorn("app:create_app()", process_env(config), probe="/healthz/live") as base, \
            httpx.Client(base_url=base, follow_redirects=False) as world:
        webhook = world.post("/webhooks/shopify", content=body,
                             headers=shopify_headers(body, "orders/create", "cookie-gunicorn"))
        assert webhook.status_code == 200
        _no_cookie(webhook)
        page = world.get(tracking)
        assert page.status_code == 200
        _no_cookie(page)

        for cookie in (forged, "eyJ.bm90.c2lnbmVk"):
            refused = world.get("/admin/", headers={"Cookie": f"session={cookie}"})
            assert refused.status_code == 401, cookie
        signed_in = world.get(link)
        assert signed_in.status_code == 303
        set_cookie = signed_in.headers["set-cookie"]
        assert set_cookie.startswith("session=") and "Secure" in set_cookie and "HttpOnly" in set_cookie
        assert "cookie" in signed_in.headers["vary"].lower()
        cookie = set_cookie.split(";", 1)[0]
        assert world.get("/admin/", headers={"Cookie": cookie}).status_code == 200
        # The admin's cookie on a buyer's page changes nothing there and is not written back.
        again = world.get(tracking, headers={"Cookie": cookie})
        assert again.status_code == 200 and "set-cookie" not in again.headers
