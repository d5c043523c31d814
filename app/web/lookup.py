"""Find my order: order number + e-mail address → the hosted tracking page.

Both must match; a miss says the same whichever was wrong, so the form cannot be used to
learn which order numbers or addresses exist. Attempts are rate limited per address and
per shop + e-mail. POST keeps the e-mail address out of URLs and access logs. An order
found is counted for the shop and day (app/domain/analytics/engagement_counts.py), nothing
more.
"""
from __future__ import annotations

import hashlib

from flask import Blueprint, abort, redirect, render_template, request
from sqlalchemy import func, or_, select

from app.domain.analytics.engagement_counts import count_lookup
from app.domain.shop.brand_colours import brand_palette
from app.extensions import db
from app.i18n import N_, pick_locale, translate
from app.links.tracking_page import tracking_token
from app.models import Customer, Order, Shop
from app.rate_limits import allow, client_address
from app.web.body_limits import FORM_BYTES, limit_body
from app.web.buyer_csp import add_buyer_csp
from app.web.hosts import custom_domain

bp = Blueprint("lookup", __name__)
bp.after_request(add_buyer_csp)
PER_ADDRESS = (10, 600)  # attempts per window (seconds) from one IP address
PER_EMAIL = (5, 600)  # attempts per window for one shop + e-mail address


def _shop(shop_key: str) -> Shop:
    shop = db.session.scalars(select(Shop).where(Shop.shop_key == shop_key)).first()
    if shop is None or not shop.active:
        abort(404, description="This shop does not offer order tracking here.")
    return shop


def _domain_shop() -> Shop:
    """The shop whose custom domain this request came in on (the lookup lives at its root)."""
    domain = custom_domain()
    shop = db.session.scalars(select(Shop)
                              .where(Shop.custom_domain == domain,
                                     Shop.custom_domain_verified_at.is_not(None))).first() if domain else None
    if shop is None or not shop.active:
        abort(404, description="This address does not offer order tracking.")
    return shop


def _page(shop: Shop, status: int = 200, message_key: str | None = None, number: str = ""):
    lang = pick_locale(request.args.get("locale"), shop.locale)
    page = render_template("lookup/page.html", shop=shop, lang=lang, number=number,
                           colours=brand_palette(shop.branding),
                           message=translate(lang, message_key) if message_key else None,
                           t=lambda key: translate(lang, key))
    return page, status, {"Cache-Control": "no-store"}


@bp.get("/s/<shop_key>/track")
def form(shop_key: str):
    return _page(_shop(shop_key))


@bp.get("/")
def home():
    """Find my order on a shop's custom domain."""
    return _page(_domain_shop())


@bp.post("/s/<shop_key>/track")
@limit_body(FORM_BYTES)
def find(shop_key: str):
    return _find(_shop(shop_key))


@bp.post("/")
@limit_body(FORM_BYTES)
def home_find():
    return _find(_domain_shop())


def _find(shop: Shop):
    number = (request.form.get("number") or "").strip().lstrip("#")[:40]
    email = (request.form.get("email") or "").strip().lower()[:320]
    if not number or "@" not in email:
        return _page(shop, 400, N_("lookup.incomplete"), number)
    email_key = hashlib.sha256(f"{shop.id}:{email}".encode()).hexdigest()
    if not (allow("lookup-ip", client_address(request), *PER_ADDRESS)
            and allow("lookup-email", email_key, *PER_EMAIL)):
        page, _, headers = _page(shop, 429, N_("lookup.too_many"), number)
        return page, 429, {**headers, "Retry-After": str(PER_ADDRESS[1])}
    order = db.session.scalars(
        select(Order).join(Customer, Order.customer_id == Customer.id)
        .where(Order.shop_id == shop.id, func.lower(Customer.email) == email,
               or_(Order.name == f"#{number}", Order.name == number, Order.platform_order_id == number))
    ).first()
    if order is None:
        return _page(shop, 404, N_("lookup.not_found"), number)
    count_lookup(shop.id)
    return redirect(f"/t/{tracking_token(order)}", code=303)
