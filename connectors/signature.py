"""Base64 HMAC-SHA256 over the raw body: the signature scheme of both platforms' webhooks.

Also the one comparison every signature and token check uses (`same_secret`): constant
time, and never an exception for what a sender typed. `hmac.compare_digest` raises
TypeError for a str with non-ASCII characters (a header arrives latin-1 decoded, a query
parameter or form field as UTF-8), which would be a 500 instead of a refusal.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable


def _bytes(value: str | bytes) -> bytes:
    return value if isinstance(value, bytes) else value.encode("utf-8", "surrogatepass")


def same_secret(received: str | bytes, expected: str | bytes) -> bool:
    """Constant-time equality of a received token, signature or secret with the expected one.

    Both sides are compared as UTF-8 bytes, so any text (non-ASCII, even lone surrogates)
    is simply unequal to an ASCII secret rather than a TypeError.
    """
    return hmac.compare_digest(_bytes(received), _bytes(expected))


def body_signature(body: bytes, secret: str) -> str:
    """Return base64(HMAC-SHA256(secret, body))."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def signature_matches(body: bytes, received: str, secrets: Iterable[str]) -> bool:
    """Compare in constant time against every accepted secret."""
    return any(same_secret(received, body_signature(body, s)) for s in secrets if s)
