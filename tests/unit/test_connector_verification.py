"""The connector battery's verification: every platform connector verifies a signed delivery
(the previous secret too, during a rotation), refuses a wrong signature (401) or method
(405), and identifies a delivery by a key that is the same for the same delivery only. Each
test runs once per platform (tests/support/connector_platforms.py)."""
from __future__ import annotations

import pytest

from connectors import get_connector
from connectors.base import IncomingRequest, Secrets
from tests.support.connector_platforms import signed_request
from tests.support.payload_files import load_payload


def test_a_correct_signature_verifies(platform):
    body = load_payload(platform.order_payload)
    verdict = get_connector(platform.name).verify(signed_request(platform, body), Secrets("s3cret", ()))
    assert (verdict.ok, verdict.status) == (True, 200)


def test_the_previous_secret_verifies_during_rotation(platform):
    body = load_payload(platform.order_payload)
    verdict = get_connector(platform.name).verify(signed_request(platform, body, secret="old"),
                                                  Secrets("new", ("old",)))
    assert verdict.ok


@pytest.mark.parametrize("tamper", ["wrong secret", "changed body"])
def test_a_wrong_signature_is_401(platform, tamper):
    body = load_payload(platform.order_payload)
    request = signed_request(platform, body, secret="other" if tamper == "wrong secret" else "s3cret")
    if tamper == "changed body":
        request = IncomingRequest("POST", request.headers, body.replace(b"1", b"2", 1), request.url)
    verdict = get_connector(platform.name).verify(request, Secrets("s3cret", ()))
    assert (verdict.ok, verdict.status) == (False, 401)


def test_a_wrong_method_is_405(platform):
    body = load_payload(platform.order_payload)
    verdict = get_connector(platform.name).verify(signed_request(platform, body, method="GET"),
                                                  Secrets("s3cret", ()))
    assert (verdict.ok, verdict.status) == (False, 405)


def test_the_same_delivery_has_the_same_key_and_another_does_not(platform):
    connector = get_connector(platform.name)
    body = load_payload(platform.order_payload)
    first = connector.identify(signed_request(platform, body, delivery_id="d-1"))
    again = connector.identify(signed_request(platform, body, delivery_id="d-1"))
    other = connector.identify(signed_request(platform, body, delivery_id="d-2"))
    assert first.delivery_key == again.delivery_key != other.delivery_key
    assert first.topic == platform.order_topic
