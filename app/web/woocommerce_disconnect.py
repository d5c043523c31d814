"""The companion plugin says goodbye: `POST /woocommerce/disconnect/<shop_key>`.

Sent by the plugin's uninstall.php when the merchant deletes it. The body is JSON
`{"exp": <unix time, at most 5 minutes ahead>}`, signed like a WooCommerce webhook:
`X-Aftersales-Signature` = base64(HMAC-SHA256(shop's webhook secret, raw body)). All work
for the shop stops and planned mail is cancelled; its data goes after the grace period.
"""
from __future__ import annotations

import json
import time
from datetime import datetime, timezone

from flask import Blueprint, abort, request
from sqlalchemy import select

from app.domain.lifecycle import uninstall_shop
from app.extensions import db
from app.models import Shop
from app.web.body_limits import limit_body
from connectors.signature import signature_matches

bp = Blueprint("woocommerce_disconnect", __name__, url_prefix="/woocommerce")
MAX_AHEAD_SECONDS = 300


@bp.post("/disconnect/<shop_key>")
@limit_body(4096)  # {"exp": …}
def disconnect(shop_key: str):
    shop = db.session.scalars(select(Shop).where(Shop.shop_key == shop_key, Shop.platform == "woocommerce")).first()
    if shop is None:
        abort(404, description="unknown shop")
    body = request.get_data(cache=False)
    signature = request.headers.get("X-Aftersales-Signature", "")
    if not shop.webhook_secret or not signature.isascii() or not signature_matches(body, signature, (shop.webhook_secret,)):
        return {"status": 401, "error": "invalid signature"}, 401
    try:
        expires = int(json.loads(body)["exp"])
    except (ValueError, KeyError, TypeError):
        return {"status": 400, "error": "body must be JSON with exp"}, 400
    if not time.time() <= expires <= time.time() + MAX_AHEAD_SECONDS:
        return {"status": 401, "error": "expired or too far ahead"}, 401
    if shop.uninstalled_at is None:
        uninstall_shop(db.session, shop, datetime.now(timezone.utc))
        shop.api_key = shop.api_secret = None
        db.session.commit()
    return {"status": 200, "message": "disconnected; data is deleted after the grace period"}, 200
