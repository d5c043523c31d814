"""Tracking page address: the shop's custom domain, its proof, and where its buyers find their orders."""
from __future__ import annotations

from datetime import datetime, timezone

from flask import current_app, g, request
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.domain.shop import custom_domain_proof as proof
from app.domain.shop.custom_domains import MAX_LENGTH, app_host, challenge_name, parse_custom_domain
from app.extensions import db
from app.links.tracking_page import lookup_url
from app.models import Shop
from app.rate_limits import allow
from app.web.admin import bp
from app.web.admin.activity import log_change
from app.web.admin.admin_text import admin_language
from app.web.admin.admin_text import admin_text as t
from app.web.admin.layout import render_page

CHECKS = (20, 600)  # DNS look-ups per shop per window (seconds)


def _page(status: int = 200, value=None, error=None, notice=None, pending: str | None = None):
    """`pending`: a host this shop named but does not hold (another shop does); its record is shown."""
    shop = g.admin.shop
    return render_page("admin/tracking_address.html", status, notice=notice,
                       errors={"custom_domain": error} if error else {},
                       value=(shop.custom_domain or "") if value is None else value, lookup=lookup_url(shop),
                       cname_target=app_host(current_app.config["APP_URL"]), max_length=MAX_LENGTH,
                       record=_record(shop, pending))


def _record(shop: Shop, pending: str | None) -> dict | None:
    """The TXT record to publish (or the proof's date) for the host shown."""
    domain = pending or shop.custom_domain
    if domain is None:
        return None
    proven_at = shop.custom_domain_verified_at if pending is None else None
    return {"domain": domain, "name": challenge_name(domain), "value": proof.expected_token(shop.id, domain),
            "proven_at": proven_at}


def _holder(domain: str, shop: Shop) -> int | None:
    return db.session.scalars(select(Shop.id).where(Shop.custom_domain == domain, Shop.id != shop.id)).first()


@bp.get("/tracking-address")
def tracking_address():
    """Show the tracking page's address, the custom-domain form and the record proving it."""
    return _page()


@bp.post("/tracking-address")
def save_tracking_address():
    """Store (or clear) the custom domain; a new one serves once proven (check_tracking_address)."""
    shop = g.admin.shop
    value = request.form.get("custom_domain", "")
    domain, error = parse_custom_domain(value, current_app.config["APP_URL"], admin_language())
    if error:
        return _page(422, value=value, error=error)
    if domain is not None and domain == shop.custom_domain:
        return _page(notice=t("admin.tracking_address.unchanged", domain=domain))
    if domain is not None and _holder(domain, shop) is not None:
        return _page(422, value=value, error=t("admin.tracking_address.taken"), pending=domain)
    log_change("tracking_address", {"custom_domain": shop.custom_domain}, {"custom_domain": domain})
    shop.custom_domain = domain
    shop.custom_domain_verified_at = None  # a new host needs its own proof
    try:
        db.session.commit()
    except IntegrityError:  # another shop claimed it between our check and this commit
        db.session.rollback()
        return _page(422, value=value, error=t("admin.tracking_address.taken"), pending=domain)
    if domain is None:
        return _page(notice=t("admin.tracking_address.app_address"))
    return _page(notice=t("admin.tracking_address.saved", domain=domain))


@bp.post("/tracking-address/check")
def check_tracking_address():
    """Look up the host's TXT record now; a match proves it (and takes it from any other shop)."""
    shop = g.admin.shop
    value = request.form.get("custom_domain", "")
    domain, error = parse_custom_domain(value, current_app.config["APP_URL"], admin_language())
    if error is None and domain is None:
        error = t("admin.tracking_address.enter_host")
    if error or domain is None:  # no host given is an error (just above)
        return _page(422, value=value, error=error)
    pending = None if domain == shop.custom_domain else domain
    if pending is None and proof.is_proven(shop):
        return _page(notice=t("admin.tracking_address.proven_already", domain=domain))
    if not allow("custom-domain-check", str(shop.id), *CHECKS):
        return _page(429, value=domain, pending=pending,
                     error=t("admin.tracking_address.too_many_checks"))
    result = proof.check(shop.id, domain)
    if result == proof.UNREACHABLE:
        return _page(422, value=domain, pending=pending,
                     error=t("admin.tracking_address.unreachable", name=challenge_name(domain)))
    if result == proof.MISSING:
        return _page(422, value=domain, pending=pending,
                     error=t("admin.tracking_address.missing", name=challenge_name(domain)))
    proof.take(db.session(), shop, domain, datetime.now(timezone.utc))
    try:
        db.session.commit()
    except IntegrityError:  # another shop proved it at the same moment
        db.session.rollback()
        return _page(409, value=domain, pending=pending, error=t("admin.tracking_address.changed_meanwhile"))
    return _page(notice=t("admin.tracking_address.proven", domain=domain))
