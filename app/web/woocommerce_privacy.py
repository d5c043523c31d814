"""WordPress's privacy tools reach the app: `POST /woocommerce/privacy/<shop_key>/export|erase`.

The companion plugin registers a personal data exporter and eraser (Tools → Export / Erase
Personal Data) that call these for the buyer's address. The body is JSON
`{"email": …, "exp": <unix time, at most 5 minutes ahead>}`, signed like the plugin's
disconnect call: `X-Aftersales-Signature` = base64(HMAC-SHA256(shop's webhook secret, raw body)).

export: what the app holds about the address for that shop, the records of a data export
(app/domain/privacy/lifecycle.py `export_customer_data`), returned and not kept here; the plugin
turns them into WordPress's export groups. erase: the same redaction as customers/redact.
"""
from __future__ import annotations

from datetime import datetime, timezone

from flask import Blueprint

from app.domain.privacy.lifecycle import export_customer_data, redact_customer
from app.extensions import db
from app.models import Shop
from app.web.body_limits import limit_body
from app.web.plugin_calls import PluginCallRefused, read_signed_call, refused_answer

bp = Blueprint("woocommerce_privacy", __name__, url_prefix="/woocommerce/privacy")


bp.register_error_handler(PluginCallRefused, refused_answer)


def _signed_request(shop_key: str) -> tuple[Shop, str]:
    """The shop and the address of a correctly signed, current request (app/web/plugin_calls.py)."""
    shop, fields = read_signed_call(shop_key)
    email = fields.get("email") if isinstance(fields, dict) else None
    if not isinstance(email, str) or "@" not in email or len(email.strip()) > 254:
        raise PluginCallRefused(400, "email must be an e-mail address")
    return shop, email.strip()


@bp.post("/<shop_key>/export")
@limit_body(4096)
def export(shop_key: str):
    """The buyer's records as a data export holds them; nothing is stored for the request."""
    shop, email = _signed_request(shop_key)
    records = export_customer_data(db.session(), shop, email, (), "wordpress-privacy").payload["customers"]
    db.session.rollback()  # the export row is WordPress's to keep, not ours
    return {"customers": records}, 200


@bp.post("/<shop_key>/erase")
@limit_body(4096)
def erase(shop_key: str):
    """Erase the buyer as customers/redact does; orders keep anonymised facts only."""
    shop, email = _signed_request(shop_key)
    erased = redact_customer(db.session(), shop, email, (), datetime.now(timezone.utc))
    db.session.commit()
    message = (f"Aftersales erased {erased} customer record(s) and will send this address no more mail."
               if erased else "Aftersales held no customer record for this address; it will send it no mail.")
    return {"items_removed": erased > 0, "items_retained": False, "messages": [message],
            "erased": erased}, 200
