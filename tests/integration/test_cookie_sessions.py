"""The session cookie is opened only when a request brings one (app/web/cookie_sessions.py):
a webhook or a buyer's request builds no signing serializer and gets no cookie and no
`Vary: Cookie`, while the admin's sign-in still writes the cookie and reads it back, and a
forged cookie still opens an empty session, as Flask's own interface answers."""
from __future__ import annotations

import pytest
from flask.sessions import SecureCookieSessionInterface

from app.web.cookie_sessions import CookieOnlySessions
from tests.support.admin_sessions import login_link


@pytest.fixture
def serializers_built(monkeypatch) -> list[int]:
    built: list[int] = []
    original = SecureCookieSessionInterface.get_signing_serializer

    def counted(self, app):
        built.append(1)
        return original(self, app)

    monkeypatch.setattr(SecureCookieSessionInterface, "get_signing_serializer", counted)
    return built


def test_the_app_uses_the_cookie_only_interface(app):
    assert isinstance(app.session_interface, CookieOnlySessions)


def test_a_webhook_builds_no_serializer_and_sets_no_cookie(post_shopify, shop, serializers_built):
    response = post_shopify("orders/create", {"id": 1, "name": "#1"}, "cookie-1")
    assert response.status_code == 200
    assert serializers_built == []
    assert "Set-Cookie" not in response.headers and "Cookie" not in response.vary


def test_the_admin_sign_in_still_writes_and_reads_its_cookie(client, wc_shop, serializers_built):
    response = client.get(login_link(wc_shop))
    assert response.status_code == 303 and "session=" in response.headers["Set-Cookie"]
    assert "Cookie" in response.vary
    written = len(serializers_built)
    assert written >= 1
    page = client.get("/admin/")  # the cookie comes back: opened and verified
    assert page.status_code == 200 and len(serializers_built) > written


def test_a_forged_cookie_opens_an_empty_session(client, wc_shop):
    client.set_cookie("session", "eyJmb3JnZWQiOnRydWV9.forged.signature")
    assert client.get("/admin/").status_code == 401
