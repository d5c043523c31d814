"""Signed tracking-page tokens (bound to one shop and one order, expiring) and the
addresses of the buyer's pages (the shop's proven custom domain, else APP_URL)."""
from __future__ import annotations

from flask import current_app

from app.links import signer

PURPOSE = "tracking-page"


def tracking_token(order) -> str:
    return signer.sign(PURPOSE, {"s": order.shop_id, "o": order.id})


def read_tracking_token(token: str) -> tuple[int, int] | None:
    """Return (shop_id, order_id), or None when the token is forged, mangled or expired."""
    data = signer.verified_fields(PURPOSE, token, s=int, o=int)
    return None if data is None else (data["s"], data["o"])


def _proven_domain(shop) -> str | None:
    """The shop's custom domain once proven (app/domain/shop/custom_domain_proof.py); a mere claim serves
    nothing.
    """
    return shop.custom_domain if shop.custom_domain and shop.custom_domain_verified_at else None


def site_url(shop) -> str:
    """Where the shop's buyers reach their pages: its proven custom domain (https), else APP_URL."""
    domain = _proven_domain(shop)
    return f"https://{domain}" if domain else current_app.config["APP_URL"]


def tracking_url(order) -> str:
    return f"{site_url(order.shop)}/t/{tracking_token(order)}"


def lookup_url(shop) -> str:
    """The shop's find-my-order page: the root of its proven custom domain, else under APP_URL."""
    return f"{site_url(shop)}/" if _proven_domain(shop) else f"{site_url(shop)}/s/{shop.shop_key}/track"


def survey_url(order) -> str:
    """Our survey page for the order (the block's form posts there, the NPS mail links there)."""
    return f"{tracking_url(order)}/survey"


def block_forms(order) -> dict:
    """Where the block's plain HTML forms post: absolute, so they work inside the shop's page too."""
    base = tracking_url(order)
    return {"survey": f"{base}/survey", "newsletter": f"{base}/newsletter"}
