"""The merchant admin: one blueprint, one module per page, embedded in Shopify or wp-admin."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.record_once
def configure_session_cookie(state) -> None:
    """Our session cookie must survive inside wp-admin's frame: SameSite=None needs Secure.

    Browsers drop SameSite=None cookies without Secure, so a plain-http local run falls
    back to Lax (it is never framed by another origin there).
    """
    app = state.app
    secure = not app.config.get("APP_URL", "").startswith("http:")
    app.config.update(SESSION_COOKIE_SECURE=secure, SESSION_COOKIE_HTTPONLY=True,
                      SESSION_COOKIE_SAMESITE="None" if secure else "Lax")


from app.web.admin import (  # noqa: E402,F401
    activity,
    admin_text,
    auth,
    carriers,
    content,
    content_preview,
    earnings,
    legal,
    live_preview,
    mail_outcomes,
    modules,
    overview,
    previews,
    privacy,
    sender_domain,
    suppressions,
    tracking_address,
    tracking_providers,
)
