"""The block API for the Shopify UI extension: session-token auth, CORS *, ETag."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from flask import Blueprint, current_app, json, jsonify, request

from app.domain.followups.survey import InvalidAnswer, accepts_answers, parse_answer, record_answer
from app.domain.shop.modules import module_enabled
from app.extensions import db
from app.i18n import pick_locale, translate
from app.jobs.survey_vouchers import voucher_after_answer
from app.presenters import order_status
from app.read_model.loads import load_order, load_order_view
from app.web.newsletter import subscribe
from app.web.presented_cache import Fingerprint, conditional_answer, fingerprint_by_shop_domain
from connectors.base import IncomingRequest, Secrets
from connectors.shopify.session_token import (
    CORS_HEADERS,
    ExtensionSession,
    known_extension_session,
    order_id_from_gid,
    verify_extension_request,
)

bp = Blueprint("blocks", __name__)
# Who sees what. A logged-in buyer (`sub`) sees their own orders, all of them. A guest's
# token names only the shop, never the order: any buyer of the shop holds one, and could
# ask for any order id. So a guest sees an order in full only in the first hours after it
# was placed (the thank-you page), then until GUEST_WINDOW only its status and timeline
# (no parcels or tracking numbers, no items, no actions), and after that nothing.
GUEST_FULL_WINDOW = timedelta(hours=2)
GUEST_WINDOW = timedelta(hours=72)
FULL, STATUS_ONLY = "full", "status_only"
# What a guest keeps after GUEST_FULL_WINDOW: no line, parcel, link or action of the order.
STATUS_ONLY_MODULES = ("delivery_status", "delivery_estimate")


def _secrets() -> Secrets:
    old = current_app.config.get("SHOPIFY_API_SECRET_OLD")
    return Secrets(current_app.config["SHOPIFY_API_SECRET"], (old,) if old else ())


def _error(status: int, message: str, headers: dict):
    return {"status": status, "error": message}, status, headers


def _extension_order(order_gid,
                     need: str = STATUS_ONLY) -> tuple[ExtensionSession, Fingerprint | None, tuple | None]:
    """(session, the fingerprint of the order the extension names, None), or (session, None, the refusal).

    `need`: FULL for what acts on the order (survey, newsletter), which a guest may do only
    in the first hours."""
    client_id, secrets = current_app.config["SHOPIFY_API_KEY"], _secrets()
    # A token seen before is known without the IncomingRequest (its URL: ≈7 % of a 304).
    known = (known_extension_session(request.headers.get("Authorization", ""), client_id, secrets)
             if request.method != "OPTIONS" else None)
    session = known or verify_extension_request(
        IncomingRequest(request.method, dict(request.headers), b"", request.url), client_id, secrets)
    if request.method == "OPTIONS":
        return session, None, ("", 204, session.headers or CORS_HEADERS)
    if not session.ok:
        return session, None, _error(session.status, session.reason, session.headers)
    order_id = order_id_from_gid(order_gid if isinstance(order_gid, str) else None)
    if order_id is None:
        return session, None, _error(400, "order_id must be an Order or OrderIdentity gid", session.headers)
    order = fingerprint_by_shop_domain("shopify", session.shop_domain or "", order_id)
    if order is None:
        return session, None, _error(404, "order not found", session.headers)
    view = _view(order, session.customer_id)
    if view is None or (need == FULL and view != FULL):
        return session, None, _error(403, "login required", session.headers)
    return session, order, None


@bp.route("/api/v1/order-status", methods=["GET", "OPTIONS"])
def shopify_order_status():
    """Return the order-status facts for the order the extension shows."""
    session, order, refusal = _extension_order(request.args.get("order_id"))
    if order is None:
        return refusal
    headers = {**session.headers, "Cache-Control": "private, max-age=15", "Vary": "Authorization"}
    if _view(order, session.customer_id) == FULL:
        answer = conditional_answer("block.json", order, lambda _order, facts: json.dumps(facts),
                                    "application/json",
                                    headers)
    else:
        answer = conditional_answer("block.status.json", order, lambda _order,
                                    facts: json.dumps(_status_only(facts)),
                                    "application/json", headers)
    return answer if answer is not None else _error(404, "order not found", session.headers)


@bp.route("/api/v1/survey", methods=["POST", "OPTIONS"])
def shopify_survey_answer():
    """Keep the buyer's NPS answer for the order; answer with the order-status facts."""
    body = request.get_json(silent=True) if request.method == "POST" else None
    fields = body if isinstance(body, dict) else {}  # a body that is no JSON object names no order: 400
    session, found, refusal = _extension_order(fields.get("order_id"), FULL)
    if found is None:
        return refusal
    order = load_order(db.session(), found.order_id)
    if order is None or not accepts_answers(order.shop):
        return _error(404, "the survey is switched off", session.headers)
    lang = request.args.get("locale")
    try:
        answer = parse_answer(fields.get("score"), fields.get("comment"))
    except InvalidAnswer as invalid:
        return _error(400, translate(pick_locale(lang, order.locale, order.shop.locale), invalid.key),
                      session.headers)
    record_answer(db.session(), order, answer, datetime.now(timezone.utc))
    db.session.commit()
    voucher_after_answer(order.id)
    view = load_order_view(order.id)  # as committed, with the answer
    if view is None:  # erased meanwhile
        return _error(404, "order not found", session.headers)
    response = jsonify(order_status(view, lang))
    response.headers.update(session.headers)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/api/v1/newsletter", methods=["POST", "OPTIONS"])
def shopify_newsletter_signup():
    """Send the double opt-in confirmation mail to the order's address."""
    body = request.get_json(silent=True) if request.method == "POST" else None
    session, found, refusal = _extension_order(body.get("order_id") if isinstance(body, dict) else None, FULL)
    if found is None:
        return refusal
    order = load_order(db.session(), found.order_id)
    if order is None or not module_enabled(order.shop, "newsletter"):
        return _error(404, "the newsletter sign-up is switched off", session.headers)
    state = subscribe(order)
    lang = pick_locale(request.args.get("locale"), order.locale, order.shop.locale)
    return ({"state": state, "message": translate(lang, f"newsletter.state.{state}")},
            422 if state == "no_address" else 200, {**session.headers, "Cache-Control": "no-store"})


def _view(order: Fingerprint, customer_id: str | None) -> str | None:
    """FULL, STATUS_ONLY or None (nothing): see GUEST_FULL_WINDOW."""
    if customer_id is not None:
        return FULL if order.customer_platform_id == customer_id else None
    age = datetime.now(timezone.utc) - (order.placed_at or order.created_at)
    if age <= GUEST_FULL_WINDOW:
        return FULL
    return STATUS_ONLY if age <= GUEST_WINDOW else None


def _status_only(facts: dict) -> dict:
    """The order's status and timeline, without its total, parcels, items, links or actions."""
    order = {key: facts["order"][key] for key in ("name", "status", "status_label", "placed_at")}
    order.update(currency=None, total=None)
    modules = {key: facts["modules"][key] for key in STATUS_ONLY_MODULES if key in facts["modules"]}
    if modules.get("delivery_status", {}).get("attention"):
        modules["delivery_status"] = {**modules["delivery_status"], "attention": None}
    return {**facts, "order": order, "modules": modules}
