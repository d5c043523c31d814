"""A session token is verified by shopifyapp once and then known until its `exp`; after
that, and under another secret, it is verified (and refused) afresh."""
from __future__ import annotations

import time

import shopify_app

from connectors.base import IncomingRequest, Secrets
from connectors.shopify.session_token import verify_extension_request
from tests.integration.test_block_api import session_token
from tests.support.app_config import SHOPIFY_SECRET

CLIENT_ID = "test-client-id"


def _request(token: str) -> IncomingRequest:
    return IncomingRequest("GET", {"Authorization": f"Bearer {token}"}, b"",
                           "https://app.example/api/v1/order-status")


def _counting_verifier(monkeypatch) -> list:
    calls = []
    real = shopify_app.verify_checkout_ui_ext_req

    def counted(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(shopify_app, "verify_checkout_ui_ext_req", counted)
    return calls


def test_the_same_token_is_verified_once_while_it_is_valid(monkeypatch):
    calls = _counting_verifier(monkeypatch)
    token = session_token(ttl=60)
    first = verify_extension_request(_request(token), CLIENT_ID, Secrets(SHOPIFY_SECRET))
    again = verify_extension_request(_request(token), CLIENT_ID, Secrets(SHOPIFY_SECRET))
    assert first.ok and again == first and len(calls) == 1


def test_a_known_token_past_its_exp_goes_to_shopifyapp_again(monkeypatch):
    calls = _counting_verifier(monkeypatch)
    token = session_token(ttl=60)
    assert verify_extension_request(_request(token), CLIENT_ID, Secrets(SHOPIFY_SECRET)).ok
    later = verify_extension_request(_request(token), CLIENT_ID, Secrets(SHOPIFY_SECRET),
                                     clock=lambda: time.time() + 61)
    assert len(calls) == 2
    # shopifyapp itself judges by the real clock (the token is still valid for it), so the
    # answer is its verdict, not a stale cached one: asked again, not assumed.
    assert later.ok


def test_another_secret_does_not_reuse_a_token_verified_under_the_old_one(monkeypatch):
    token = session_token(ttl=60)
    assert verify_extension_request(_request(token), CLIENT_ID, Secrets(SHOPIFY_SECRET)).ok
    rotated = verify_extension_request(_request(token), CLIENT_ID, Secrets("a-new-secret"))
    assert not rotated.ok and rotated.status == 401


def test_a_refused_token_is_not_remembered(monkeypatch):
    calls = _counting_verifier(monkeypatch)
    token = session_token(secret="wrong", ttl=60)
    for _ in range(2):
        assert not verify_extension_request(_request(token), CLIENT_ID, Secrets(SHOPIFY_SECRET)).ok
    assert len(calls) == 2


def test_known_extension_session_answers_only_for_a_token_verified_and_still_valid():
    from connectors.shopify.session_token import known_extension_session

    token = session_token(ttl=60)
    header = f"Bearer {token}"
    assert known_extension_session(header, CLIENT_ID, Secrets(SHOPIFY_SECRET)) is None
    verified = verify_extension_request(_request(token), CLIENT_ID, Secrets(SHOPIFY_SECRET))
    assert verified.ok
    assert known_extension_session(header, CLIENT_ID, Secrets(SHOPIFY_SECRET)) == verified
    assert known_extension_session(header, CLIENT_ID, Secrets(SHOPIFY_SECRET),
                                   clock=lambda: time.time() + 61) is None
    assert known_extension_session(header, CLIENT_ID, Secrets("a-new-secret")) is None
    assert known_extension_session(header, "another-client", Secrets(SHOPIFY_SECRET)) is None
    assert known_extension_session("", CLIENT_ID, Secrets(SHOPIFY_SECRET)) is None
