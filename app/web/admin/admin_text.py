"""The admin's words in the merchant's language: `t` in admin templates."""
from __future__ import annotations

from flask import g

from app.i18n import translate


def admin_language() -> str:
    return getattr(g, "admin_lang", None) or "en"


def admin_text(key: str, **values) -> str:
    return translate(admin_language(), key, **values)
