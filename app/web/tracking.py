"""The hosted tracking page, its JSON twin and the WooCommerce embed, reached through signed tokens."""
from __future__ import annotations

import hmac

from flask import Blueprint, abort, redirect, render_template, request
from sqlalchemy import select

from app.embed_tokens import EmbedTokenError, looks_like_embed_token, verify_embed_token
from app.extensions import db
from app.i18n import translator
from app.models import Order
from app.presenters import order_status, order_status_loads
from app.tracking_links import read_tracking_token, tracking_url

bp = Blueprint("tracking", __name__)
# The shop's page fetches the fragment cross-origin, without cookies; the answer is per buyer.
EMBED_HEADERS = {"Access-Control-Allow-Origin": "*", "Cache-Control": "private, max-age=30"}


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
    return render_template("block/page.html", facts=facts, t=translator(facts["locale"]))


def _order_for_embed(token: str) -> Order:
    """The order a plugin-signed token names; raise EmbedTokenError when refused."""
    claims = verify_embed_token(token)
    order = db.session.scalars(
        select(Order).where(Order.shop_id == claims.shop.id,
                            Order.platform_order_id == claims.platform_order_id)
        .options(*order_status_loads())
    ).unique().first()
    if order is None:
        raise EmbedTokenError(404, "order not found (yet): the shop has not sent it to us")
    # Stored keys come from the order webhooks; an order we have no key for is bound by shop+id.
    if order.platform_order_key and not hmac.compare_digest(order.platform_order_key, claims.order_key):
        raise EmbedTokenError(403, "order key does not match this order")
    return order


def _embed_order(token: str) -> Order:
    """Accept the plugin's token, and our own tracking token as before."""
    if looks_like_embed_token(token):
        return _order_for_embed(token)
    ids = read_tracking_token(token)
    order = db.session.get(Order, ids[1], options=order_status_loads()) if ids else None
    if ids is None:
        raise EmbedTokenError(404, "This tracking link is invalid or has expired.")
    if order is None or order.shop_id != ids[0] or not order.shop.active:
        raise EmbedTokenError(404, "This order is not available.")
    return order


def _embed_error(error: EmbedTokenError):
    return error.message, error.status, {**EMBED_HEADERS, "Content-Type": "text/plain; charset=utf-8"}


@bp.route("/embed/v1/order-status", methods=["GET", "OPTIONS"])
def embed_fragment():
    """Return the block as an HTML fragment for the WooCommerce placeholder."""
    if request.method == "OPTIONS":
        return "", 204, {**EMBED_HEADERS, "Access-Control-Allow-Methods": "GET",
                         "Access-Control-Max-Age": "86400"}
    try:
        order = _embed_order(request.args.get("token", ""))
    except EmbedTokenError as error:
        return _embed_error(error)
    facts = order_status(order, request.args.get("locale"))
    html = render_template("block/fragment.html", facts=facts, t=translator(facts["locale"]))
    return html, 200, {**EMBED_HEADERS, "Content-Type": "text/html; charset=utf-8"}


@bp.get("/embed/v1/order-page")
def embed_page():
    """Send a buyer without JavaScript from the shop's page to the hosted tracking page."""
    try:
        order = _embed_order(request.args.get("token", ""))
    except EmbedTokenError as error:
        abort(error.status, description=error.message)
    return redirect(tracking_url(order), code=303)
