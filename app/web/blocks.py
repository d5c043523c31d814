"""The block API for the Shopify UI extension: session-token auth, CORS *, ETag."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from flask import Blueprint, Response, current_app, json, request

from app.presenters import order_status
from app.web.presented_cache import Fingerprint, fingerprint_by_shop_domain, presented
from connectors.base import IncomingRequest, Secrets
from connectors.shopify.session_token import CORS_HEADERS, order_id_from_gid, verify_extension_request

bp = Blueprint("blocks", __name__)
# A guest (no `sub`) sees an order only on the thank-you page, right after buying.
GUEST_WINDOW = timedelta(hours=72)


def _secrets() -> Secrets:
    old = current_app.config.get("SHOPIFY_API_SECRET_OLD")
    return Secrets(current_app.config["SHOPIFY_API_SECRET"], (old,) if old else ())


def _error(status: int, message: str, headers: dict):
    return {"status": status, "error": message}, status, headers


@bp.route("/api/v1/order-status", methods=["GET", "OPTIONS"])
def shopify_order_status():
    """Return the order-status facts for the order the extension shows."""
    session = verify_extension_request(
        IncomingRequest(request.method, dict(request.headers), b"", request.url),
        current_app.config["SHOPIFY_API_KEY"], _secrets())
    if request.method == "OPTIONS":
        return "", 204, session.headers or CORS_HEADERS
    if not session.ok:
        return _error(session.status, session.reason, session.headers)
    order_id = order_id_from_gid(request.args.get("order_id"))
    if order_id is None:
        return _error(400, "order_id must be an Order or OrderIdentity gid", session.headers)
    order = fingerprint_by_shop_domain("shopify", session.shop_domain, order_id)
    if order is None:
        return _error(404, "order not found", session.headers)
    if not _may_see(order, session.customer_id):
        return _error(403, "login required", session.headers)
    locale = request.args.get("locale")
    key = presented.key("block.json", order, locale, request.host, datetime.now(timezone.utc))
    headers = {**session.headers, "Cache-Control": "private, max-age=15", "Vary": "Authorization"}
    if request.if_none_match.contains(presented.etag(key)):
        response = Response(status=304, headers=headers)
        response.set_etag(presented.etag(key))
        return response
    answer = presented.get_or_render(key, lambda full, now: json.dumps(order_status(full, locale, now)).encode())
    if answer is None:
        return _error(404, "order not found", session.headers)
    response = Response(answer.body, mimetype="application/json", headers=headers)
    response.set_etag(answer.etag)
    return response


def _may_see(order: Fingerprint, customer_id: str | None) -> bool:
    """A logged-in buyer sees their own orders; a guest only a fresh order."""
    if customer_id is not None:
        return order.customer_platform_id == customer_id
    placed = order.placed_at or order.created_at
    return datetime.now(timezone.utc) - placed <= GUEST_WINDOW
