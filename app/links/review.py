"""Signed review links in mails: `/r/<token>` records the click ("reviewed") and redirects.

The token names one scheduled message; the target is the merchant's review page, the same
for every buyer (no rating gate). A link scanner's GET counts as a click too: the cost is a
reminder not sent, never one sent too many.
"""
from __future__ import annotations

from flask import current_app

from app.domain.followups.review_targets import review_link
from app.domain.shop.modules import module_settings
from app.links import signer
from app.links.tracking_page import tracking_url

PURPOSE = "review-click"


def review_click_url(message) -> str:
    return f"{current_app.config['APP_URL']}/r/{signer.sign(PURPOSE, {'m': message.id})}"


def read_review_click_token(token: str) -> int | None:
    """The scheduled message's id, or None when the token is forged or mangled."""
    data = signer.verified_fields(PURPOSE, token, m=int)
    return None if data is None else data["m"]


def review_target(order) -> str:
    """The review request's own page, else the block's review prompt, else the status page."""
    own = str(module_settings(order.shop, "mail_review_request").get("review_url") or "").strip()
    if own.startswith("https://"):
        return own
    return review_link(module_settings(order.shop, "review_prompt")) or tracking_url(order)
