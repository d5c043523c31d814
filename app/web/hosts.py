"""Which site a request is for, by its Host (X-Forwarded-Host only from a trusted proxy:
TRUSTED_PROXY_COUNT, see app/__init__.py).

Our own host (APP_URL's, loopback names, APP_HOST_ALIASES) serves everything. A shop's
custom domain, once the shop proved it (app/domain/shop/custom_domain_proof.py), serves only that
shop's tracking page, its JSON and the order lookup at `/` (the views check that the order
or form belongs to the shop owning the host). Any other host, a merely claimed one too, gets
a 404 before a view runs, so no host shows another shop's data.
"""
from __future__ import annotations

from flask import Blueprint, abort, current_app, g, request
from sqlalchemy import bindparam, select

from app.domain.shop.custom_domains import MAX_LENGTH, host_name, is_own_host
from app.extensions import db
from app.models import Shop

bp = Blueprint("hosts", __name__)
# The tracking page's own forms (survey, newsletter) post under the page's address, so they
# are served where it is; each checks that the order belongs to the shop owning the host.
CUSTOM_DOMAIN_ENDPOINTS = frozenset({"tracking.tracking_page", "tracking.tracking_json", "lookup.home",
                                     "lookup.home_find", "health.live", "health.ready", "survey.survey_page",
                                     "survey.answer_survey", "newsletter.subscribe_form"})
# Load balancers probe by whatever name (an IP address): health answers on any host.
ANY_HOST_ENDPOINTS = frozenset({"health.live", "health.ready"})
_PROVEN = (select(Shop.__table__.c.id)
           .where(Shop.__table__.c.custom_domain == bindparam("host"),
                  Shop.__table__.c.custom_domain_verified_at.is_not(None),
                  Shop.__table__.c.uninstalled_at.is_(None)).limit(1))


@bp.before_app_request
def route_by_host():
    host = host_name(request.host)
    if is_own_host(host, current_app.config["APP_URL"],
                   tuple(current_app.config.get("APP_HOST_ALIASES") or ())):
        g.custom_domain = None
        return None
    if request.endpoint in ANY_HOST_ENDPOINTS or (request.endpoint in CUSTOM_DOMAIN_ENDPOINTS
                                                  and is_proven_domain(host)):
        g.custom_domain = host
        return None
    abort(404, description=f"{host} is not set up here.")


def is_proven_domain(host: str) -> bool:
    """True when an installed shop proved this host; one indexed SELECT on its own connection."""
    if not host or len(host) > MAX_LENGTH:
        return False
    with db.autocommit() as conn:
        return conn.execute(_PROVEN, {"host": host}).first() is not None


def custom_domain() -> str | None:
    """The custom domain this request came in on; None on our own host."""
    return g.get("custom_domain")


def domain_serves_here(shop_custom_domain: str | None) -> bool:
    """Our own host shows every shop; a custom domain only the shop that owns it."""
    domain = custom_domain()
    return domain is None or shop_custom_domain == domain
