"""One-use login links from the WooCommerce plugin into our admin, signed per shop.

Format (easy to build in PHP): `<payload>.<signature>` where payload is the unpadded
base64url of `{"shop": shop_key, "user": wp_user_id, "exp": unix_seconds, "nonce": "...",
"locale": "de_DE"}` (`locale`, the WordPress user's language for the admin, is optional)
and signature is hex HMAC-SHA256 of the payload string with the shop's webhook secret
(`hash_hmac('sha256', $payload, $secret)`). A link lives at most five minutes and opens
the admin once; the one-use mark is a Redis `SET NX` kept as long as the link could live.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from connectors.signature import same_secret

MAX_LIFETIME_SECONDS = 300
# Clocks of the WordPress host and ours may disagree a little.
CLOCK_SKEW_SECONDS = 30
# WordPress locales are like "de_DE_formal"; anything longer is not one.
MAX_LOCALE_LENGTH = 20


@dataclass(frozen=True)
class LoginClaims:
    shop_key: str
    wp_user_id: int
    expires: int
    nonce: str
    locale: str = ""


class LoginLinkError(Exception):
    """The link cannot open the admin; `status` is 401 (bad, expired) or 403 (wrong shop, reused)."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign_login_token(shop_key: str, secret: str, wp_user_id: int, now: float,
                     lifetime: int = 120, locale: str = "") -> str:
    """What the plugin does: a token for one user of one shop, valid `lifetime` seconds."""
    claims = {"shop": shop_key, "user": wp_user_id, "exp": int(now) + lifetime,
              "nonce": secrets.token_urlsafe(12)}
    payload = _b64(json.dumps({**claims, "locale": locale} if locale else claims).encode())
    return f"{payload}.{hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()}"


def read_login_token(token: str, secret_for: Callable[[str], str | None], now: float) -> LoginClaims:
    """Check the token's shape, shop, signature and lifetime; raise LoginLinkError if any fails."""
    payload, _, signature = token.partition(".")
    try:
        data = json.loads(_unb64(payload))
    except (ValueError, UnicodeDecodeError):
        raise LoginLinkError(401, "This login link is malformed. Open the app again from WordPress.") from None
    if not isinstance(data, dict) or not isinstance(data.get("shop"), str) \
            or not isinstance(data.get("user"), int) or not isinstance(data.get("exp"), int):
        raise LoginLinkError(401, "This login link is malformed. Open the app again from WordPress.")
    secret = secret_for(data["shop"])
    if secret is None:
        raise LoginLinkError(403, "This login link is for a shop that is not connected to the app.")
    expected = hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()
    if not same_secret(signature, expected):
        raise LoginLinkError(403, "This login link was not signed by your shop. Open the app again from WordPress.")
    if data["exp"] < now:
        raise LoginLinkError(401, "This login link has expired. Open the app again from WordPress.")
    if data["exp"] > now + MAX_LIFETIME_SECONDS + CLOCK_SKEW_SECONDS:
        raise LoginLinkError(401, "This login link lives longer than five minutes and is refused.")
    locale = data.get("locale")
    locale = locale if isinstance(locale, str) and len(locale) <= MAX_LOCALE_LENGTH else ""
    return LoginClaims(data["shop"], data["user"], data["exp"], str(data.get("nonce", "")), locale)


def token_fingerprint(token: str) -> str:
    """The key under which a used token is remembered (never the token itself)."""
    return "admin-login-used:" + hashlib.sha256(token.encode()).hexdigest()
