"""The companion plugin says goodbye: `POST /woocommerce/disconnect/<shop_key>`.

Sent by the plugin's uninstall.php when the merchant deletes it. The body is JSON
`{"exp": <unix time, at most 5 minutes ahead>}`, signed like every call of the plugin
(app/web/plugin_calls.py). All work for the shop stops and planned mail is cancelled; its
data goes after the grace period.
"""
from __future__ import annotations

from datetime import datetime, timezone

from flask import Blueprint

from app.domain.privacy.lifecycle import uninstall_shop
from app.extensions import db
from app.web.body_limits import limit_body
from app.web.plugin_calls import PluginCallRefused, read_signed_call, refused_answer

bp = Blueprint("woocommerce_disconnect", __name__, url_prefix="/woocommerce")
bp.register_error_handler(PluginCallRefused, refused_answer)


@bp.post("/disconnect/<shop_key>")
@limit_body(4096)  # {"exp": …}
def disconnect(shop_key: str):
    shop, _fields = read_signed_call(shop_key)
    if shop.uninstalled_at is None:
        uninstall_shop(db.session(), shop, datetime.now(timezone.utc))
        shop.api_key = shop.api_secret = None
        db.session.commit()
    return {"status": 200, "message": "disconnected; data is deleted after the grace period"}, 200
