"""Calls the WooCommerce companion plugin makes to the app (disconnect, privacy tools).

The body is JSON with `exp` (unix time, at most five minutes ahead) and whatever the call
needs; `X-Aftersales-Signature` = base64(HMAC-SHA256(the shop's webhook secret, raw body)),
as WooCommerce signs webhooks. An unknown shop is 404; a bad signature or a stale `exp` 401;
a body that is no JSON object with an integer `exp` 400. Nothing is done for a refused call.
"""
from __future__ import annotations

import json
import time

from flask import abort, request
from sqlalchemy import select

from app.extensions import db
from app.models import Shop
from connectors.signature import signature_matches

MAX_AHEAD_SECONDS = 300


class PluginCallRefused(Exception):
    def __init__(self, status: int, error: str):
        super().__init__(error)
        self.status, self.error = status, error


def refused_answer(exc: PluginCallRefused):
    """The JSON answer for a refused call (register as the blueprint's error handler)."""
    return {"status": exc.status, "error": exc.error}, exc.status


def read_signed_call(shop_key: str) -> tuple[Shop, dict]:
    """The shop and the body of a correctly signed, current call; else PluginCallRefused or 404."""
    shop = db.session.scalars(select(Shop)
                              .where(Shop.shop_key == shop_key, Shop.platform == "woocommerce")).first()
    if shop is None:
        abort(404, description="unknown shop")
    body = request.get_data(cache=False)
    signature = request.headers.get("X-Aftersales-Signature", "")
    if not shop.webhook_secret or not signature.isascii() or not signature_matches(body, signature,
                                                                                   (shop.webhook_secret,)):
        raise PluginCallRefused(401, "invalid signature")
    try:
        fields = json.loads(body)
        expires = int(fields["exp"])
    except (ValueError, KeyError, TypeError):
        raise PluginCallRefused(400, "body must be JSON with exp") from None
    if not time.time() <= expires <= time.time() + MAX_AHEAD_SECONDS:
        raise PluginCallRefused(401, "expired or too far ahead")
    return shop, fields
