"""WordPress's privacy tools reach the app: `POST /woocommerce/privacy/<shop_key>/export|erase`.

The companion plugin registers a personal data exporter and eraser (Tools → Export / Erase
Personal Data) that call these for the buyer's address. The body is JSON
`{"email": …, "exp": <unix time, at most 5 minutes ahead>}`, signed like the plugin's
disconnect call: `X-Aftersales-Signature` = base64(HMAC-SHA256(shop's webhook secret, raw body)).

export: what the app holds about the address for that shop, the records of a data export
(app/domain/lifecycle.py `export_customer_data`), returned and not kept here; the plugin
turns them into WordPress's export groups. erase: the same redaction as customers/redact.
"""
from __future__ import annotations

import json
import time
from datetime import datetime, timezone

from flask import Blueprint, abort, request
from sqlalchemy import select

from app.domain.lifecycle import export_customer_data, redact_customer
from app.extensions import db
from app.models import Shop
from app.web.body_limits import limit_body
from connectors.signature import signature_matches

bp = Blueprint("woocommerce_privacy", __name__, url_prefix="/woocommerce/privacy")
MAX_AHEAD_SECONDS = 300


class Refused(Exception):
    def __init__(self, status: int, error: str):
        super().__init__(error)
        self.status, self.error = status, error


def _signed_request(shop_key: str) -> tuple[Shop, str]:
    """The shop and the address of a correctly signed, current request; else Refused or 404."""
    shop = db.session.scalars(select(Shop).where(Shop.shop_key == shop_key, Shop.platform == "woocommerce")).first()
    if shop is None:
        abort(404, description="unknown shop")
    body = request.get_data(cache=False)
    signature = request.headers.get("X-Aftersales-Signature", "")
    if not shop.webhook_secret or not signature.isascii() or not signature_matches(body, signature, (shop.webhook_secret,)):
        raise Refused(401, "invalid signature")
    try:
        fields = json.loads(body)
        expires, email = int(fields["exp"]), fields["email"]
    except (ValueError, KeyError, TypeError):
        raise Refused(400, "body must be JSON with email and exp") from None
    if not time.time() <= expires <= time.time() + MAX_AHEAD_SECONDS:
        raise Refused(401, "expired or too far ahead")
    if not isinstance(email, str) or "@" not in email or len(email.strip()) > 254:
        raise Refused(400, "email must be an e-mail address")
    return shop, email.strip()


@bp.errorhandler(Refused)
def _refused(exc: Refused):
    return {"status": exc.status, "error": exc.error}, exc.status


@bp.post("/<shop_key>/export")
@limit_body(4096)
def export(shop_key: str):
    """The buyer's records as a data export holds them; nothing is stored for the request."""
    shop, email = _signed_request(shop_key)
    records = export_customer_data(db.session, shop, email, (), "wordpress-privacy").payload["customers"]
    db.session.rollback()  # the export row is WordPress's to keep, not ours
    return {"customers": records}, 200


@bp.post("/<shop_key>/erase")
@limit_body(4096)
def erase(shop_key: str):
    """Erase the buyer as customers/redact does; orders keep anonymised facts only."""
    shop, email = _signed_request(shop_key)
    erased = redact_customer(db.session, shop, email, (), datetime.now(timezone.utc))
    db.session.commit()
    message = (f"Aftersales erased {erased} customer record(s) and will send this address no more mail."
               if erased else "Aftersales held no customer record for this address; it will send it no mail.")
    return {"items_removed": erased > 0, "items_retained": False, "messages": [message], "erased": erased}, 200
