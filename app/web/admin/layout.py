"""Render an admin page with the shop's frame policy, navigation and form security."""
from __future__ import annotations

from urllib.parse import urlencode

from flask import current_app, g, render_template, url_for

NAV = (("admin.overview", "Overview"), ("admin.modules", "Modules"), ("admin.content", "Content & branding"),
       ("admin.tracking_address", "Tracking page"), ("admin.tracking_providers", "Carrier tracking"),
       ("admin.carriers", "Carriers"), ("admin.mail_outcomes", "Mail"), ("admin.earnings", "Earnings"),
       ("admin.legal", "Consent & limits"),
       ("admin.privacy", "Data requests"), ("admin.suppressions", "Do not mail"),
       ("admin.previews", "Previews & test send"), ("admin.activity", "Activity log"))


def admin_url(endpoint: str, **values) -> str:
    """A link that stays signed in: in Shopify it keeps shop/host so App Bridge can re-token."""
    url = url_for(endpoint, **values)
    query = g.admin.link_query
    return f"{url}?{urlencode(query)}" if query else url


def render_page(template: str, status: int = 200, **context):
    admin = g.admin
    body = render_template(template, admin=admin, shop=admin.shop, nav=NAV, admin_url=admin_url,
                           api_key=current_app.config["SHOPIFY_API_KEY"], **context)
    headers = {"Content-Security-Policy": admin.frame_ancestors(), "Cache-Control": "no-store",
               "Referrer-Policy": "same-origin"}
    if admin.shopify:
        headers["Link"] = ('<https://cdn.shopify.com/shopifycloud/app-bridge.js>; rel="preload"; as="script", '
                           '<https://cdn.shopify.com/shopifycloud/polaris.js>; rel="preload"; as="script"')
    return body, status, headers
