"""OAuth 1.0a one-legged query signing, exactly as WooCommerce checks it on plain-http stores.

`WC_REST_Authentication::check_oauth_signature`: the parameters (query + oauth_*) sorted
by key, each key and value rawurlencoded, joined `k=v` and rawurlencoded again, joined by
`%26`; string to sign `METHOD&rawurlencode(url without query)&params`; key `secret&`.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from urllib.parse import quote

SIGNATURE_METHOD = "HMAC-SHA256"


def rawurlencode(value: str) -> str:
    """PHP's rawurlencode (RFC 3986: only A-Z a-z 0-9 - _ . ~ stay)."""
    return quote(str(value), safe="~")


def string_to_sign(method: str, base_url: str, params: dict[str, str]) -> str:
    pairs = sorted((rawurlencode(k), rawurlencode(v)) for k, v in params.items() if k != "oauth_signature")
    joined = "%26".join(rawurlencode(f"{k}={v}") for k, v in pairs)
    return f"{method.upper()}&{rawurlencode(base_url)}&{joined}"


def signature(method: str, base_url: str, params: dict[str, str], consumer_secret: str,
              algorithm: str = SIGNATURE_METHOD) -> str:
    digest = hashlib.sha1 if algorithm == "HMAC-SHA1" else hashlib.sha256
    mac = hmac.new(f"{consumer_secret}&".encode(), string_to_sign(method, base_url, params).encode(), digest)
    return base64.b64encode(mac.digest()).decode()


def signed_params(method: str, base_url: str, params: dict[str, str], consumer_key: str,
                  consumer_secret: str, now: float | None = None, nonce: str | None = None) -> dict[str, str]:
    """`params` plus the oauth_* fields and their signature (fresh timestamp and nonce)."""
    signed = {
        **params,
        "oauth_consumer_key": consumer_key,
        "oauth_timestamp": str(int(now if now is not None else time.time())),
        "oauth_nonce": nonce or secrets.token_hex(16),
        "oauth_signature_method": SIGNATURE_METHOD,
    }
    signed["oauth_signature"] = signature(method, base_url, signed, consumer_secret)
    return signed
