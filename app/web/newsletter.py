"""Newsletter sign-up from the block, and the confirmation link of the double opt-in.

`POST /t/<token>/newsletter` (the block's plain form; the tracking token binds it to one
order and is its CSRF defence) queues the confirmation mail to the order's address.
`/n/<token>` is the link in that mail: GET only asks (link scanners fetch mail links),
the button POSTs, and only that stores the consent.
"""
from __future__ import annotations

from datetime import datetime, timezone

from flask import Blueprint, render_template, request

from app.domain.followups.newsletter import confirm_subscription, request_confirmation
from app.domain.privacy.suppressions import email_hash
from app.domain.shop.modules import module_enabled
from app.extensions import db
from app.i18n import pick_locale, translate
from app.jobs.messages import enqueue_send
from app.links.newsletter_confirm import LinkExpired, read_confirm_token
from app.links.tracking_page import tracking_url
from app.models import Customer, Order, Shop
from app.rate_limits import allow, client_address
from app.web.buyer_csp import add_buyer_csp
from app.web.tracking import order_for_token

bp = Blueprint("newsletter", __name__)
bp.after_request(add_buyer_csp)
PER_ADDRESS = (30, 60)
NO_STORE = {"Cache-Control": "no-store"}


def _page(shop_name: str, lang: str, status: int, state: str, message: str, title: str | None = None,
          back_url: str | None = None, confirm_action: str | None = None):
    html = render_template("block/newsletter.html", lang=lang, shop_name=shop_name,
                           t=lambda key, **kw: translate(lang, key, **kw),
                           title=title or translate(lang, "newsletter.title"), state=state, message=message,
                           back_url=back_url, confirm_action=confirm_action)
    return html, status, NO_STORE


def _too_many():
    return "Too many requests; try again in a minute.", 429, {"Retry-After": str(PER_ADDRESS[1])}


def subscribe(order: Order) -> str:
    """Queue the confirmation mail to the order's address; return the state for the buyer."""
    state, message_id = request_confirmation(db.session(), order, datetime.now(timezone.utc))
    db.session.commit()
    if message_id is not None:
        enqueue_send(message_id)  # with Redis away, the dispatcher redrives the queued row
    return state


@bp.post("/t/<token>/newsletter")
def subscribe_form(token: str):
    """Send the confirmation mail (double opt-in) and say so."""
    if not allow("newsletter-ip", client_address(request), *PER_ADDRESS):
        return _too_many()
    order = order_for_token(token)
    lang = pick_locale(order.locale, order.customer.locale if order.customer else None, order.shop.locale)
    name = order.shop.name or order.shop.domain
    if not module_enabled(order.shop, "newsletter"):
        return _page(name, lang, 404, "off", translate(lang, "newsletter.state.off"),
                     back_url=tracking_url(order))
    state = subscribe(order)
    return _page(name, lang, 422 if state == "no_address" else 200, state,
                 translate(lang, f"newsletter.state.{state}"), back_url=tracking_url(order))


def _confirm_target(token: str):
    """((shop, customer, lang), None) for a valid link, else (None, the page to answer with)."""
    expired = False
    try:
        target = read_confirm_token(token)
    except LinkExpired as old:
        target, expired = old.target, True
    shop = db.session.get(Shop, target.shop_id) if target else None
    customer = db.session.get(Customer, target.customer_id) if target else None
    if (target is None or shop is None or not shop.active or customer is None or customer.shop_id != shop.id
            or not customer.email or email_hash(customer.email) != target.email_hash):
        shop = customer = None
    lang = pick_locale(customer.locale if customer else None, shop.locale if shop else None,
                       request.accept_languages.best_match(("de", "en")))
    if customer is None or expired:
        key = "expired" if expired and customer is not None else "invalid"
        return None, _page(shop.name or shop.domain if shop else "", lang, 410 if key == "expired" else 404,
                           key,
                           translate(lang, f"newsletter.confirm.{key}"))
    return (shop, customer, lang), None


@bp.get("/n/<token>")
def confirm_page(token: str):
    """Ask the buyer to confirm the sign-up; nothing is stored yet."""
    found, refusal = _confirm_target(token)
    if refusal:
        return refusal
    shop, customer, lang = found
    name = shop.name or shop.domain
    return _page(name, lang, 200, "ask", translate(lang, "newsletter.confirm.question", shop=name),
                 title=translate(lang, "newsletter.confirm.title", shop=name), confirm_action=request.path)


@bp.post("/n/<token>")
def confirm(token: str):
    """Store the consent (double opt-in, with time and source)."""
    if not allow("newsletter-ip", client_address(request), *PER_ADDRESS):
        return _too_many()
    found, refusal = _confirm_target(token)
    if refusal:
        return refusal
    shop, customer, lang = found
    confirm_subscription(db.session(), shop, customer, datetime.now(timezone.utc))
    db.session.commit()
    name = shop.name or shop.domain
    return _page(name, lang, 200, "confirmed", translate(lang, "newsletter.confirm.done", shop=name),
                 title=translate(lang, "newsletter.confirm.title", shop=name))
