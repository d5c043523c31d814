"""The hosted tracking page and its JSON twin, reached through a signed token."""
from __future__ import annotations

from flask import Blueprint, abort, render_template, request

from app.extensions import db
from app.i18n import catalogue_for
from app.models import Order
from app.presenters import order_status, order_status_loads
from app.tracking_links import read_tracking_token

bp = Blueprint("tracking", __name__)


def _order_for(token: str) -> Order:
    ids = read_tracking_token(token)
    if ids is None:
        abort(404, description="This tracking link is invalid or has expired.")
    shop_id, order_id = ids
    order = db.session.get(Order, order_id, options=order_status_loads())
    if order is None or order.shop_id != shop_id or not order.shop.active:
        abort(404, description="This order is not available.")
    return order


@bp.get("/t/<token>.json")
def tracking_json(token: str):
    """Return the order-status facts as versioned JSON."""
    facts = order_status(_order_for(token), request.args.get("locale"))
    return facts, 200, {"Cache-Control": "private, max-age=15"}


@bp.get("/t/<token>")
def tracking_page(token: str):
    """Show the branded tracking page; works without JavaScript."""
    facts = order_status(_order_for(token), request.args.get("locale"))
    return render_template("block/page.html", facts=facts, labels=catalogue_for(facts["locale"]))


@bp.get("/embed/v1/order-status")
def embed_fragment():
    """Return the block as an HTML fragment for the WooCommerce placeholder."""
    facts = order_status(_order_for(request.args.get("token", "")), request.args.get("locale"))
    return render_template("block/fragment.html", facts=facts, labels=catalogue_for(facts["locale"]))
