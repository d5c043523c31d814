"""Tokens the WooCommerce companion plugin signs for the embed: shop, order, order key.

Purpose "embed" of app/links/signer.py, data {"s": shop key, "o": order id, "k": order key},
signed with the shop's signing secret; the plugin (theme_blocks/woocommerce/aftersales/
includes/token.php) makes the same bytes. A token lives an hour from when the plugin made
it (a fresh one on every page view). Tokens of plugin 0.1.0 and older (their own format,
carrying an expiry) are read until the date in app/links/legacy.py.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import select

from app.extensions import db
from app.links import signer
from app.models import Shop

PURPOSE = "embed"
REFUSALS = {
    "malformed": "embed token is malformed",
    "forged": "embed token signature does not match",
    "expired": "embed token has expired",
    "future": "embed token claims a time too far in the future",
    "retired": "embed token was made by an outdated Aftersales plugin; update the plugin",
}


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
    """Whether the token claims to be the plugin's, rather than our tracking token (which the
    embed also takes). Old plugin tokens have one dot; itsdangerous tracking tokens two."""
    if signer.is_current_format(token):
        try:
            signer.peek(PURPOSE, token)
        except signer.BadToken:
            return False
        return True
    return token.count(".") == 1


def embed_token(shop_key: str, order_id: int | str, order_key: str, secret: str,
                issued_at: float | None = None) -> str:
    """Make a token exactly as the plugin does (tests, demos)."""
    return signer.sign(PURPOSE, {"s": shop_key, "o": int(order_id), "k": order_key},
                       secret=secret, now=issued_at)


def _refused(error: signer.BadToken) -> EmbedTokenError:
    return EmbedTokenError(403, REFUSALS[error.reason])


def _claims(data) -> dict:
    if not isinstance(data, dict):
        raise EmbedTokenError(403, "embed token is malformed")
    order_id = data.get("o")
    if isinstance(order_id, str) and order_id.isdigit():
        order_id = int(order_id)
    if (not isinstance(data.get("s"), str) or not isinstance(order_id, int)
            or isinstance(order_id, bool) or order_id <= 0 or not isinstance(data.get("k"), str)):
        raise EmbedTokenError(403, "embed token lacks shop, order or order key")
    return {**data, "o": order_id}


def verify_embed_token(token: str, now: float | None = None) -> EmbedClaims:
    """Check the signature with the shop's secret, then age; raise EmbedTokenError if refused."""
    try:
        data = _claims(signer.peek(PURPOSE, token))
    except signer.BadToken as error:
        raise _refused(error) from None
    shop = db.session.scalars(
        select(Shop).where(Shop.shop_key == data["s"], Shop.platform == "woocommerce")
    ).first()
    if shop is None or not shop.active:
        raise EmbedTokenError(404, "shop is unknown or no longer installed")
    if not shop.webhook_secret:
        raise EmbedTokenError(403, "shop has no signing secret")
    try:
        verified = _claims(signer.verify(PURPOSE, token, secret=shop.webhook_secret,
                                         now=time.time() if now is None else now))
    except signer.BadToken as error:
        raise _refused(error) from None
    return EmbedClaims(shop=shop, platform_order_id=str(verified["o"]), order_key=verified["k"])
