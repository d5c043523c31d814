"""One-click unsubscribe (RFC 8058): POST unsubscribes at once, GET only asks.

Link scanners and previews fire GET requests, so GET never changes anything; the page's
button and the mailbox provider's one-click both POST.
"""
from __future__ import annotations

from datetime import datetime, timezone

from flask import Blueprint, abort, render_template, request

from app.domain.privacy.suppressions import unsubscribe
from app.extensions import db
from app.i18n import pick_locale, translate
from app.links.unsubscribe import UnsubscribeTarget, read_unsubscribe_token
from app.models import Customer, Shop
from app.rate_limits import allow, client_address
from app.web.buyer_csp import add_buyer_csp

bp = Blueprint("unsubscribe", __name__)
bp.after_request(add_buyer_csp)
# Generous: a mailbox provider's one-click POSTs come from few addresses in bursts.
PER_ADDRESS = (120, 60)


def _target(token: str) -> tuple[UnsubscribeTarget, Shop]:
    target = read_unsubscribe_token(token)
    if target is None:
        abort(404, description="This unsubscribe link is invalid.")
    shop = db.session.get(Shop, target.shop_id)
    if shop is None:
        abort(404, description="This unsubscribe link is invalid.")
    return target, shop


def _page(shop: Shop, customer: Customer | None, done: bool, token: str):
    lang = pick_locale(customer.locale if customer else None, shop.locale)
    name = shop.name or shop.domain
    return render_template("unsubscribe/page.html", lang=lang, done=done, token=token,
                           t=lambda key: translate(lang, key, shop=name))


@bp.route("/u/preview", methods=["GET", "POST"])
def preview_notice():
    """Answer a preview's or test mail's unsubscribe link (and its one-click POST) with a
    notice; nothing is listed."""
    lang = pick_locale(request.args.get("lang"))
    page = render_template("unsubscribe/page.html", lang=lang, preview=True, done=False, token=None,
                           t=lambda key: translate(lang, key))
    return page, 200, {"Cache-Control": "no-store"}


@bp.get("/u/<token>")
def confirm(token: str):
    target, shop = _target(token)
    customer = db.session.get(Customer, target.customer_id) if target.customer_id else None
    return _page(shop, customer, done=False, token=token), 200, {"Cache-Control": "no-store"}


@bp.post("/u/<token>")
def one_click(token: str):
    if not allow("unsubscribe-ip", client_address(request), *PER_ADDRESS):
        return "Too many requests; try again in a minute.", 429, {"Retry-After": str(PER_ADDRESS[1])}
    target, shop = _target(token)
    customer = db.session.get(Customer, target.customer_id) if target.customer_id else None
    unsubscribe(db.session(), shop, target.email_hash, customer, datetime.now(timezone.utc))
    db.session.commit()
    return _page(shop, customer, done=True, token=token), 200, {"Cache-Control": "no-store"}
