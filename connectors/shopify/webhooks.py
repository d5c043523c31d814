"""Shopify webhook verification (through Shopify's `shopifyapp`) and delivery identity."""
from __future__ import annotations

import hashlib
from datetime import datetime

import shopify_app

from connectors.base import DeliveryIdentity, IncomingRequest, Secrets, Verification
from connectors.payloads import parse_timestamp
from connectors.signature import signature_matches


def _lowered(headers) -> dict[str, str]:
    """The headers by lower-case name, built once per check (not once per header read:
    intake reads six of them, and each rebuild lowered every header again)."""
    return {k.lower(): v for k, v in headers.items()}


def _header(lowered: dict[str, str], name: str) -> str | None:
    """Header lookup in `_lowered` headers, accepting the un-prefixed `shopify-*` form too."""
    for key in (f"x-shopify-{name}", f"shopify-{name}"):
        if lowered.get(key):
            return lowered[key]
    return None


def verify_webhook(request: IncomingRequest, secrets: Secrets) -> Verification:
    """Verify the body HMAC against the current and the previous client secret.

    `shopifyapp` does the work for every body it can take. It cannot take a body that is not
    UTF-8, one nested too deeply for its log redaction (it parses the JSON), or an HMAC
    header with non-ASCII characters; those are checked here over the raw bytes, with the
    same answers (405, 400, 401), so hostile input never becomes a 500.
    """
    headers = _lowered(request.headers)
    received = _header(headers, "hmac-sha256")
    if received is not None and not received.isascii():
        return _verify_bytes(request, headers, secrets)
    try:
        body_text = request.body.decode("utf-8")
    except UnicodeDecodeError:
        return _verify_bytes(request, headers, secrets)
    try:
        result = shopify_app.verify_webhook_req(
            {"method": request.method, "headers": dict(request.headers),
             "url": request.url, "body": body_text},
            {"client_id": "", "client_secret": secrets.current,
             "old_client_secret": secrets.previous[0] if secrets.previous else None},
        )
    except RecursionError:
        return _verify_bytes(request, headers, secrets)
    return Verification(
        ok=result.ok,
        status=result.response.status,
        reason=result.log.code,
        shop_domain=_header(headers, "shop-domain"),
    )


def _verify_bytes(request: IncomingRequest, headers: dict[str, str], secrets: Secrets) -> Verification:
    """The HMAC over the raw bytes, for bodies and headers `shopifyapp` cannot take."""
    if request.method != "POST":
        return Verification(False, 405, "post_method_expected")
    received = _header(headers, "hmac-sha256")
    if not received:
        return Verification(False, 400, "missing_hmac")
    if not received.isascii() or not signature_matches(request.body, received,
                                                       (secrets.current, *secrets.previous)):
        return Verification(False, 401, "invalid_hmac")
    # Signed by Shopify but not something we can parse: store it and let parsing call it malformed.
    return Verification(True, 200, "verified", _header(headers, "shop-domain"))


def identify_delivery(request: IncomingRequest) -> DeliveryIdentity:
    """Dedupe on the event id (one per event), else the webhook id, else the body hash."""
    headers = _lowered(request.headers)
    key = (
        _header(headers, "event-id")
        or _header(headers, "webhook-id")
        or "sha256:" + hashlib.sha256(request.body).hexdigest()
    )
    triggered: datetime | None = None
    raw_triggered = _header(headers, "triggered-at")
    if raw_triggered:
        try:
            triggered = parse_timestamp(raw_triggered)
        except ValueError:
            triggered = None
    return DeliveryIdentity(
        delivery_key=key[:200],
        topic=(_header(headers, "topic") or "unknown")[:80],
        shop_domain=_header(headers, "shop-domain"),
        triggered_at=triggered,
    )
