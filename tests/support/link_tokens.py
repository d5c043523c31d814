"""The one link format written out independently of app/links/signer.py (for forgeries and
known answers), and tokens exactly as the code before it made them (legacy formats)."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json

from itsdangerous import URLSafeSerializer, URLSafeTimedSerializer


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def v1_token(secret: str, purpose: str, data, issued_at: int) -> str:
    """'v1.' B64(body) '.' B64(HMAC(K, 'v1.' B64(body))), K = HMAC(secret, 'aftersales-link:'
    purpose), body = JSON {"p": purpose, "t": issued_at, "d": data}."""
    envelope = {"p": purpose, "t": issued_at, "d": data}
    body = b64(json.dumps(envelope, separators=(",", ":")).encode())
    key = hmac.new(secret.encode(), f"aftersales-link:{purpose}".encode(), hashlib.sha256).digest()
    return f"v1.{body}." + b64(hmac.new(key, f"v1.{body}".encode(), hashlib.sha256).digest())


# Salts of the itsdangerous serializers the links used before the one format (timed or not).
OLD_SALTS = {"tracking-page": ("tracking-page-v1", True), "unsubscribe": ("unsubscribe-v1", False),
             "review-click": ("review-click-v1", False), "module-click": ("module-click-v1", False),
             "newsletter-confirm": ("newsletter-confirm-v1", True),
             "test-address-confirm": ("test-recipient-confirm-v1", True)}


def old_app_token(secret: str, purpose: str, data) -> str:
    """A link as the app made it before the one format (now: itsdangerous stamps the clock)."""
    salt, timed = OLD_SALTS[purpose]
    return (URLSafeTimedSerializer if timed else URLSafeSerializer)(secret, salt=salt).dumps(data)


def old_embed_token(shop_key: str, order_id: int, order_key: str, secret: str, expires: int) -> str:
    """An embed token as plugin 0.1.0 makes it."""
    payload = b64(json.dumps({"s": shop_key, "o": order_id, "k": order_key, "e": expires},
                             separators=(",", ":")).encode())
    return f"{payload}.{b64(hmac.new(secret.encode(), payload.encode(), hashlib.sha256).digest())}"


def old_login_token(shop_key: str, secret: str, user: int, expires: int,
                    nonce: str = "n0nce") -> str:
    """A sign-in link token as plugin 0.1.0 makes it (hex signature)."""
    payload = b64(json.dumps({"shop": shop_key, "user": user, "exp": expires, "nonce": nonce},
                             separators=(",", ":")).encode())
    return f"{payload}.{hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()}"
