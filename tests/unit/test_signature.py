"""HMAC known answers: the signature scheme both platforms use, and Shopify's verifier."""
from connectors.base import IncomingRequest, Secrets
from connectors.shopify.webhooks import verify_webhook
from connectors.signature import body_signature, signature_matches

BODY = b'{"foo": "bar"}'
EXPECTED = "B23tXN681gZ0qIWNRrgtzBE9XSDo5yaUu6wfmhu3a7g="


def test_known_answer_vector():
    assert body_signature(BODY, "test_secret_key") == EXPECTED


def test_signature_matches_current_and_previous_secret_only():
    assert signature_matches(BODY, EXPECTED, ["other", "test_secret_key"])
    assert not signature_matches(BODY, EXPECTED, ["other"])
    assert not signature_matches(BODY + b" ", EXPECTED, ["test_secret_key"])


def _request(body=BODY, hmac=EXPECTED, method="POST"):
    headers = {"X-Shopify-Topic": "orders/create", "X-Shopify-Shop-Domain": "a.myshopify.com"}
    if hmac is not None:
        headers["X-Shopify-Hmac-Sha256"] = hmac
    return IncomingRequest(method=method, headers=headers, body=body)


def test_shopify_verifier_statuses():
    secrets = Secrets("test_secret_key")
    assert verify_webhook(_request(), secrets).ok
    assert verify_webhook(_request(), Secrets("new_secret", ("test_secret_key",))).ok
    assert verify_webhook(_request(hmac="AAAA"), secrets).status == 401
    assert verify_webhook(_request(hmac=None), secrets).status == 400
    assert verify_webhook(_request(method="GET"), secrets).status == 405


def test_shopify_verifier_handles_non_utf8_body():
    body = b'{"x": "\xff"}'
    secrets = Secrets("test_secret_key")
    good = verify_webhook(_request(body=body, hmac=body_signature(body, "test_secret_key")), secrets)
    assert good.ok and good.shop_domain == "a.myshopify.com"
    assert verify_webhook(_request(body=body, hmac=EXPECTED), secrets).status == 401
