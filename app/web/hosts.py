"""Which site a request is for, by its Host (X-Forwarded-Host behind ProxyFix).

Our own host (APP_URL's, loopback names, APP_HOST_ALIASES) serves everything. A shop's
custom domain serves only that shop's tracking page, its JSON and the order lookup at `/`
(the views check that the order or form belongs to the shop owning the host). Any other
host gets a 404 before a view runs, so no host shows another shop's data.
"""
from __future__ import annotations

from flask import Blueprint, abort, current_app, g, request

from app.domain.custom_domains import host_name, is_own_host

bp = Blueprint("hosts", __name__)
# The tracking page's own forms (survey, newsletter) post under the page's address, so they
# are served where it is; each checks that the order belongs to the shop owning the host.
CUSTOM_DOMAIN_ENDPOINTS = frozenset({"tracking.tracking_page", "tracking.tracking_json", "lookup.home",
                                     "lookup.home_find", "health.healthz", "survey.survey_page",
                                     "survey.answer_survey", "newsletter.subscribe_form"})


@bp.before_app_request
def route_by_host():
    host = host_name(request.host)
    if is_own_host(host, current_app.config["APP_URL"], tuple(current_app.config.get("APP_HOST_ALIASES") or ())):
        g.custom_domain = None
        return None
    if request.endpoint in CUSTOM_DOMAIN_ENDPOINTS:
        g.custom_domain = host
        return None
    abort(404, description=f"{host} is not set up here.")


def custom_domain() -> str | None:
    """The custom domain this request came in on; None on our own host."""
    return g.get("custom_domain")


def domain_serves_here(shop_custom_domain: str | None) -> bool:
    """Our own host shows every shop; a custom domain only the shop that owns it."""
    domain = custom_domain()
    return domain is None or shop_custom_domain == domain
