"""Base64 HMAC-SHA256 over the raw body: the signature scheme of both platforms' webhooks."""
from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable


def body_signature(body: bytes, secret: str) -> str:
    """Return base64(HMAC-SHA256(secret, body))."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def signature_matches(body: bytes, received: str, secrets: Iterable[str]) -> bool:
    """Compare in constant time against every accepted secret."""
    return any(
        hmac.compare_digest(received.encode(), body_signature(body, s).encode())
        for s in secrets if s
    )
