"""Render an admin page with the shop's frame policy, navigation and form security."""
from __future__ import annotations

from datetime import date, datetime, timezone
from urllib.parse import urlencode

from flask import current_app, g, render_template, url_for

from app.i18n import N_, format_date, format_timestamp
from app.web.admin.admin_text import admin_language

# (endpoint, message id of its label)
NAV = (("admin.overview", N_("admin.nav.overview")), ("admin.modules", N_("admin.nav.modules")),
       ("admin.content", N_("admin.nav.content")),
       ("admin.tracking_address", N_("admin.nav.tracking_address")),
       ("admin.sender_domain", N_("admin.nav.sender_domain")),
       ("admin.tracking_providers", N_("admin.nav.tracking_providers")),
       ("admin.carriers", N_("admin.nav.carriers")), ("admin.mail_outcomes", N_("admin.nav.mail_outcomes")),
       ("admin.earnings", N_("admin.nav.earnings")), ("admin.legal", N_("admin.nav.legal")),
       ("admin.privacy", N_("admin.nav.privacy")), ("admin.suppressions", N_("admin.nav.suppressions")),
       ("admin.previews", N_("admin.nav.previews")), ("admin.activity", N_("admin.nav.activity")))


def when(moment: datetime) -> str:
    """A stored (UTC) moment as the admin's language writes it: '1. Dez. 2026, 14:05'."""
    return format_timestamp(admin_language(), moment, timezone.utc)


def day(value: date | datetime) -> str:
    """A date as the admin's language writes it: '1. Dez. 2026' or '1 Dec 2026'."""
    return format_date(admin_language(), value)


def admin_url(endpoint: str, **values) -> str:
    """A link that stays signed in: in Shopify it keeps shop/host so App Bridge can re-token."""
    url = url_for(endpoint, **values)
    query = g.admin.link_query
    return f"{url}?{urlencode(query)}" if query else url


def render_page(template: str, status: int = 200, **context):
    admin = g.admin
    body = render_template(template, admin=admin, shop=admin.shop, nav=NAV, admin_url=admin_url,
                           admin_lang=admin_language(), when=when, day=day,
                           api_key=current_app.config["SHOPIFY_API_KEY"], **context)
    headers = {"Content-Security-Policy": admin.frame_ancestors(), "Cache-Control": "no-store",
               "Referrer-Policy": "same-origin"}
    if admin.shopify:
        headers["Link"] = ('<https://cdn.shopify.com/shopifycloud/app-bridge.js>; rel="preload"; '
                           'as="script", '
                           '<https://cdn.shopify.com/shopifycloud/polaris.js>; rel="preload"; as="script"')
    return body, status, headers
