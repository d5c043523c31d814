"""The admin's words in the merchant's language: `t(key, **values)` in admin templates.

`flask.g.admin_lang` is set per request by app/web/admin/auth.py ("de" or "en"); the texts
come from the same gettext catalogues as the buyer's (app/i18n.py), under `admin.<page>.<key>`.
"""
from __future__ import annotations

from flask import g, has_app_context

from app.i18n import FALLBACK, translate
from app.web.admin import bp


def admin_language() -> str:
    """The language of this admin request: "de" or "en" (English outside a request)."""
    return (g.get("admin_lang") if has_app_context() else None) or FALLBACK


def admin_text(key: str, /, **values) -> str:
    return translate(admin_language(), key, **values)


bp.add_app_template_global(admin_text, "t")
