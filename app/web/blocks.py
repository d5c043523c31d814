"""The block API for the Shopify UI extension: session-token auth, CORS *, ETag."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from flask import Blueprint, current_app, jsonify, request
from sqlalchemy import select

from app.extensions import db
from app.models import Order, Shop
from app.presenters import order_status, order_status_loads
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
    order = _find_order(session.shop_domain, order_id)
    if order is None:
        return _error(404, "order not found", session.headers)
    if not _may_see(order, session.customer_id):
        return _error(403, "login required", session.headers)
    response = jsonify(order_status(order, request.args.get("locale")))
    response.headers.update(session.headers)
    response.headers["Cache-Control"] = "private, max-age=15"
    response.headers["Vary"] = "Authorization"
    response.add_etag()
    return response.make_conditional(request)


def _find_order(shop_domain: str, platform_order_id: str) -> Order | None:
    return db.session.scalars(
        select(Order).join(Shop)
        .where(Shop.platform == "shopify", Shop.domain == shop_domain, Shop.uninstalled_at.is_(None),
               Order.platform_order_id == platform_order_id)
        .options(*order_status_loads(shop_joined=True))
    ).unique().first()


def _may_see(order: Order, customer_id: str | None) -> bool:
    """A logged-in buyer sees their own orders; a guest only a fresh order."""
    if customer_id is not None:
        return order.customer is not None and order.customer.platform_customer_id == customer_id
    placed = order.placed_at or order.created_at
    return datetime.now(timezone.utc) - placed <= GUEST_WINDOW
