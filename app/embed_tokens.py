"""Tokens the WooCommerce companion plugin signs for the embed: shop, order, order key, expiry.

Format: base64url(JSON {"s": shop_key, "o": order id, "k": order key, "e": expiry unix})
+ "." + base64url(HMAC-SHA256(shop webhook secret, payload part)), both without padding.
The plugin (theme_blocks/woocommerce/aftersales/includes/token.php) makes the same bytes.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from dataclasses import dataclass

from sqlalchemy import select

from app.extensions import db
from app.models import Shop
from connectors.signature import same_secret

# The plugin mints a fresh token on every page view with a one-hour life; a token
# claiming to live longer than this was not made by it and is refused.
MAX_LIFETIME_SECONDS = 24 * 3600


@dataclass(frozen=True)
class EmbedClaims:
    shop: Shop
    platform_order_id: str
    order_key: str


class EmbedTokenError(Exception):
    """The token is refused; `status` is the HTTP answer (403 forged/expired, 404 unknown)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def looks_like_embed_token(token: str) -> bool:
    """Embed tokens have one dot; itsdangerous tracking tokens have two."""
    return token.count(".") == 1


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(payload_part: str, secret: str) -> str:
    return _b64encode(hmac.new(secret.encode(), payload_part.encode("ascii"), hashlib.sha256).digest())


def embed_token(shop_key: str, order_id: int | str, order_key: str, secret: str, expires: int) -> str:
    """Make a token exactly as the plugin does (tests, demos)."""
    claims = {"s": shop_key, "o": int(order_id), "k": order_key, "e": int(expires)}
    payload = _b64encode(json.dumps(claims, separators=(",", ":")).encode())
    return f"{payload}.{_signature(payload, secret)}"


def _claims(payload_part: str) -> dict:
    try:
        data = json.loads(_b64decode(payload_part))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise EmbedTokenError(403, "embed token is malformed") from None
    if not isinstance(data, dict):
        raise EmbedTokenError(403, "embed token is malformed")
    order_id = data.get("o")
    if isinstance(order_id, str) and order_id.isdigit():
        order_id = int(order_id)
    if (not isinstance(data.get("s"), str) or not isinstance(order_id, int) or isinstance(order_id, bool)
            or order_id <= 0 or not isinstance(data.get("k"), str) or not isinstance(data.get("e"), int)):
        raise EmbedTokenError(403, "embed token lacks shop, order, order key or expiry")
    return {**data, "o": order_id}


def verify_embed_token(token: str, now: float | None = None) -> EmbedClaims:
    """Check the signature with the shop's secret, then expiry; raise EmbedTokenError if refused."""
    payload_part, dot, signature = token.partition(".")
    if not dot or not payload_part or not signature:
        raise EmbedTokenError(403, "embed token is malformed")
    data = _claims(payload_part)
    shop = db.session.scalars(
        select(Shop).where(Shop.shop_key == data["s"], Shop.platform == "woocommerce")
    ).first()
    if shop is None or not shop.active:
        raise EmbedTokenError(404, "shop is unknown or no longer installed")
    if not shop.webhook_secret:
        raise EmbedTokenError(403, "shop has no signing secret")
    if not same_secret(signature, _signature(payload_part, shop.webhook_secret)):
        raise EmbedTokenError(403, "embed token signature does not match")
    now = time.time() if now is None else now
    if data["e"] <= now:
        raise EmbedTokenError(403, "embed token has expired")
    if data["e"] > now + MAX_LIFETIME_SECONDS:
        raise EmbedTokenError(403, "embed token expiry is too far in the future")
    return EmbedClaims(shop=shop, platform_order_id=str(data["o"]), order_key=data["k"])
