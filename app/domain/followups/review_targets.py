"""Where the review prompt sends a buyer: the merchant's Google, Trustpilot or own page.

The same link for every buyer: no rating gate, no routing of unhappy buyers elsewhere.
"""
from __future__ import annotations

from urllib.parse import quote

from connectors.links import web_link

GOOGLE = "https://search.google.com/local/writereview?placeid={place_id}"
TRUSTPILOT = "https://de.trustpilot.com/evaluate/{domain}"


def review_link(settings: dict) -> str | None:
    """The review target from the module settings; None when none (or no safe one) is set."""
    place_id = str(settings.get("google_place_id") or "").strip()
    if place_id:
        return GOOGLE.format(place_id=quote(place_id, safe=""))
    domain = str(settings.get("trustpilot_domain") or "").strip().lower()
    if domain and "/" not in domain:
        return TRUSTPILOT.format(domain=quote(domain, safe="."))
    return web_link(str(settings.get("url") or "").strip(), https_only=True)
