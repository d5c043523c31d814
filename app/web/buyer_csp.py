"""The Content-Security-Policy of every page a buyer opens (tracking page, embed, lookup,
survey, newsletter, unsubscribe): a second fence should a link or markup ever slip through.

The pages have no script at all and load nothing from elsewhere but images (the shop's logo
over https). Their styles are inline <style> blocks and the block's colour variables in a
style attribute, hence 'unsafe-inline' for styles only. Forms post to our own pages: this
host, APP_URL, or the shop's custom domain the tracking page's forms are addressed to.
No frame-ancestors: buyer pages were never restricted in who may frame them.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app

HEADER = "Content-Security-Policy"


def buyer_csp(*form_targets: str | None) -> str:
    """The policy; `form_targets`: URLs (beyond this host and APP_URL) the page's forms post to."""
    origins = ["'self'"]
    for url in (current_app.config["APP_URL"], *form_targets):
        origin = _origin(url)
        if origin and origin not in origins:
            origins.append(origin)
    return ("default-src 'self'; img-src 'self' https:; style-src 'self' 'unsafe-inline'; "
            f"form-action {' '.join(origins)}; base-uri 'none'; object-src 'none'")


def buyer_csp_headers(*form_targets: str | None) -> dict:
    return {HEADER: buyer_csp(*form_targets)}


def add_buyer_csp(response):
    """after_request hook of the buyer blueprints; a view that set its own policy keeps it."""
    if HEADER not in response.headers:
        response.headers[HEADER] = buyer_csp()
    return response


def _origin(url: str | None) -> str | None:
    parts = urlsplit(url or "")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return f"{parts.scheme}://{parts.netloc.rsplit('@', 1)[-1]}"
