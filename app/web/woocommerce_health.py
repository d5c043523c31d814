"""The WordPress plugin's settings page asks how the store's connection is:
`POST /woocommerce/health/<shop_key>` with `{"locale": the WordPress user's, "exp"}`, signed
like every plugin call (app/web/plugin_calls.py).

The answer is the verdict the app's own admin shows (app/domain/shop/connection_health.py),
in the WordPress user's language: `{"tone": ok|warn|bad, "family", "headline", "advice",
"last_check"}` (`last_check`: when reconciliation last ran, in words, or null). It holds no
secret and no buyer's data; a stranger without the shop's secret gets 401.
"""
from __future__ import annotations

from datetime import timezone

from flask import Blueprint

from app.domain.shop.connection_health import connection_health
from app.i18n import format_timestamp, pick_locale
from app.web.body_limits import limit_body
from app.web.plugin_calls import PluginCallRefused, read_signed_call, refused_answer

bp = Blueprint("woocommerce_health", __name__, url_prefix="/woocommerce/health")
bp.register_error_handler(PluginCallRefused, refused_answer)


@bp.post("/<shop_key>")
@limit_body(4096)
def health(shop_key: str):
    shop, fields = read_signed_call(shop_key)
    asked = fields.get("locale") if isinstance(fields, dict) else None
    lang = pick_locale(asked if isinstance(asked, str) else None, shop.locale)
    verdict = connection_health(shop, lang)
    last = shop.last_synced_at
    return {"tone": verdict.tone, "family": verdict.family, "headline": verdict.headline,
            "advice": verdict.advice,
            "last_check": f"{format_timestamp(lang, last, timezone.utc)} UTC" if last else None}, 200
