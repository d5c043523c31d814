"""The hosted tracking page, its JSON twin and the WooCommerce embed, reached through signed tokens."""
from __future__ import annotations

from flask import Blueprint, Response, abort, json, redirect, render_template, request

from app.domain.shop.block_content import safe_https
from app.extensions import db
from app.i18n import translator
from app.links.embed import EmbedTokenError, looks_like_embed_token, verify_embed_token
from app.links.tracking_page import block_forms, read_tracking_token, tracking_url
from app.models import Order
from app.read_model.loads import load_order
from app.web.buyer_csp import add_buyer_csp, buyer_csp_headers
from app.web.hosts import domain_serves_here
from app.web.presented_cache import (
    Fingerprint,
    conditional_answer,
    fingerprint_by_id,
    fingerprint_by_platform_id,
)
from connectors.signature import same_secret

bp = Blueprint("tracking", __name__)
bp.after_request(add_buyer_csp)
# The shop's page fetches the fragment cross-origin, without cookies; the answer is per buyer.
EMBED_HEADERS = {"Access-Control-Allow-Origin": "*", "Cache-Control": "private, max-age=30"}


def _order_for(token: str) -> Fingerprint:
    """The fingerprint of the order a tracking token names (on a host that may show it), or 404."""
    ids = read_tracking_token(token)
    if ids is None:
        abort(404, description="This tracking link is invalid or has expired.")
    shop_id, order_id = ids
    order = fingerprint_by_id(order_id, shop_id)
    if order is None or not domain_serves_here(order.custom_domain):
        abort(404, description="This order is not available.")
    return order


def order_for_token(token: str) -> Order:
    """The whole order a tracking token names, loaded afresh, or 404 (for the block's forms)."""
    order = load_order(db.session(), _order_for(token).order_id)
    if order is None:
        abort(404, description="This order is not available.")
    return order


def _present(kind: str, order: Fingerprint, render, mimetype: str, headers: dict) -> Response:
    answer = conditional_answer(kind, order, render, mimetype, headers)
    if answer is None:
        abort(404, description="This order is not available.")
    return answer


def _page_csp(order: Fingerprint) -> dict:
    """The block's forms post to the shop's custom domain (block_forms), even when the page
    is opened on our own host: the policy lets them."""
    return buyer_csp_headers(f"https://{order.custom_domain}" if order.custom_domain else None)


def _html(template: str):
    return lambda order, facts: render_template(
        template, facts=facts, t=translator(facts["locale"]), forms=block_forms(order),
        logo=safe_https(facts["shop"]["branding"].get("logo_url")))


@bp.get("/t/<token>.json")
def tracking_json(token: str):
    """Return the order-status facts as versioned JSON."""
    return _present("tracking.json", _order_for(token), lambda _order, facts: json.dumps(facts),
                    "application/json",
                    {"Cache-Control": "private, max-age=15"})


@bp.get("/t/<token>")
def tracking_page(token: str):
    """Show the branded tracking page; works without JavaScript."""
    order = _order_for(token)
    return _present("tracking.page", order, _html("block/page.html"), "text/html",
                    {"Cache-Control": "private, max-age=15", **_page_csp(order)})


def _order_for_embed(token: str) -> Fingerprint:
    """The order a plugin-signed token names; raise EmbedTokenError when refused."""
    claims = verify_embed_token(token)
    order = fingerprint_by_platform_id(claims.shop.id, claims.platform_order_id)
    if order is None:
        raise EmbedTokenError(404, "order not found (yet): the shop has not sent it to us")
    # Stored keys come from the order webhooks; an order we have no key for is bound by shop+id.
    if order.order_key and not same_secret(claims.order_key, order.order_key):
        raise EmbedTokenError(403, "order key does not match this order")
    return order


def _embed_order(token: str) -> Fingerprint:
    """Accept the plugin's token, and our own tracking token as before."""
    if looks_like_embed_token(token):
        return _order_for_embed(token)
    ids = read_tracking_token(token)
    if ids is None:
        raise EmbedTokenError(404, "This tracking link is invalid or has expired.")
    order = fingerprint_by_id(ids[1], ids[0])
    if order is None:
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
    return _present("embed.fragment", order, _html("block/fragment.html"), "text/html",
                    {**EMBED_HEADERS, **_page_csp(order)})


@bp.get("/embed/v1/order-page")
def embed_page():
    """Send a buyer without JavaScript from the shop's page to the hosted tracking page."""
    try:
        order = _embed_order(request.args.get("token", ""))
    except EmbedTokenError as error:
        abort(error.status, description=error.message)
    return redirect(tracking_url(db.session.get(Order, order.order_id)), code=303)
