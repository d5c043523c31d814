"""Tracking page address: the shop's custom domain, and where its buyers find their orders."""
from __future__ import annotations

from flask import current_app, g, request
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.domain.custom_domains import app_host, parse_custom_domain
from app.extensions import db
from app.models import Shop
from app.tracking_links import lookup_url
from app.web.admin import bp
from app.web.admin.layout import render_page

TAKEN = "Another shop already uses this host name."


def _page(status: int = 200, value=None, error=None, notice=None):
    shop = g.admin.shop
    return render_page("admin/tracking_address.html", status, notice=notice,
                       errors={"custom_domain": error} if error else {},
                       value=(shop.custom_domain or "") if value is None else value, lookup=lookup_url(shop),
                       cname_target=app_host(current_app.config["APP_URL"]))


@bp.get("/tracking-address")
def tracking_address():
    """Show the tracking page's address and the custom-domain form."""
    return _page()


@bp.post("/tracking-address")
def save_tracking_address():
    """Store (or clear) the custom domain; links in new mails use it at once."""
    shop = g.admin.shop
    value = request.form.get("custom_domain", "")
    domain, error = parse_custom_domain(value, current_app.config["APP_URL"])
    if error is None and domain is not None and db.session.scalars(
            select(Shop.id).where(Shop.custom_domain == domain, Shop.id != shop.id)).first() is not None:
        error = TAKEN
    if error:
        return _page(422, value=value, error=error)
    shop.custom_domain = domain
    try:
        db.session.commit()
    except IntegrityError:  # another shop claimed it between our check and this commit
        db.session.rollback()
        return _page(422, value=value, error=TAKEN)
    return _page(notice=f"Tracking pages now open on {domain}." if domain else "Tracking pages use the app's address.")
