"""Shopify signs admin id tokens and checkout/customer-account tokens with one secret and one
audience. A buyer holds the latter on every thank-you page; it must never open the admin,
and an admin token must never stand in for a buyer at the block API."""
from __future__ import annotations

import time
import uuid

import jwt
import pytest

from tests.integration.test_block_api import get as get_block
from tests.integration.test_block_api import order, session_token  # noqa: F401 (fixture)
from tests.support.admin_sessions import SHOPIFY_DOMAIN, id_token
from tests.support.app_config import SHOPIFY_SECRET


def _token(**claims) -> str:
    now = int(time.time())
    base = {"aud": "test-client-id", "exp": now + 60, "nbf": now - 5, "iat": now - 5,
            "jti": str(uuid.uuid4())}
    return jwt.encode({**base, **claims}, SHOPIFY_SECRET, algorithm="HS256")


SHOP = f"https://{SHOPIFY_DOMAIN}"
# Minted when a test runs (they live a minute): a token minted at import would have expired
# by the time a slow run reaches it, and be refused for that instead.
BUYER_TOKENS = {
    "checkout guest": lambda: session_token(),
    "customer account": lambda: session_token(sub="115310627314723954"),
    "extension token with a forged iss but no sid": lambda: _token(dest=SHOP, iss=f"{SHOP}/admin"),
    "extension token with sid but no iss": lambda: _token(dest=SHOP, sid="s"),
    "admin-looking token for another shop's admin": lambda: _token(
        dest=SHOP, iss="https://other.myshopify.com/admin", sid="s", sub="1"),
}
ADMIN_SURFACES = [("GET", "/admin/privacy"), ("GET", "/admin/"), ("GET", "/admin/modules"),
                  ("POST", "/admin/privacy/erasures"), ("POST", "/admin/privacy/exports"),
                  ("GET", "/shopify/app")]


@pytest.mark.parametrize("kind", BUYER_TOKENS)
@pytest.mark.parametrize("method, path", ADMIN_SURFACES)
def test_a_buyers_token_never_opens_the_admin(client, shop, kind, method, path):
    response = client.open(path, method=method, query_string={"shop": SHOPIFY_DOMAIN},
                           headers={"Authorization": f"Bearer {BUYER_TOKENS[kind]()}"},
                           data={"email": "buyer@example.com"} if method == "POST" else None)
    assert response.status_code == 401, (kind, path, response.status_code)
    assert b"Not an admin session token" in response.data


def test_a_buyers_token_in_the_document_url_never_opens_the_admin(client, shop):
    response = client.get("/admin/privacy", query_string={"shop": SHOPIFY_DOMAIN, "embedded": "1",
                                                          "id_token": session_token()})
    assert response.status_code == 401


def test_the_admin_still_opens_with_an_admin_token(client, shop):
    response = client.get("/admin/privacy", query_string={"shop": SHOPIFY_DOMAIN},
                          headers={"Authorization": f"Bearer {id_token()}"})
    assert response.status_code == 200


def test_an_admin_token_is_refused_by_the_block_api(client, order):  # noqa: F811 (fixture)
    response = get_block(client, id_token())
    assert response.status_code == 401
    assert "admin id token" in response.get_json()["error"]
    assert get_block(client, session_token()).status_code == 200  # the buyer's own token still works
