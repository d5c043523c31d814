"""Why the admin turned a request away (401/403), said in the merchant's language.

Nobody is signed in yet, so the language is guessed from what the request carries: Shopify's
`locale` parameter, the language kept in our session, the language the WordPress plugin signed
into a login link (read unverified, only to choose words), then the browser's Accept-Language,
then English.
"""
from __future__ import annotations

from typing import NoReturn

from flask import request, session
from werkzeug.exceptions import HTTPException

from app.i18n import FALLBACK, N_, SUPPORTED, pick_locale, translate

SIGN_IN_HINT = N_("admin.refused.sign_in_hint")
TITLES = {401: N_("admin.refused.title_401"), 403: N_("admin.refused.title_403")}


class AdminRefused(HTTPException):
    """A 401/403 whose title and text are in `lang` (app/web/errors.py renders them)."""

    def __init__(self, code: int, lang: str, description: str) -> None:
        super().__init__(description)
        self.code = code
        self.lang = lang

    @property
    def name(self) -> str:  # werkzeug's is the English reason phrase
        return translate(self.lang, TITLES[self.code or 403])


def refusal_language(signed_locale: str | None = None) -> str:
    browser = request.accept_languages.best_match(SUPPORTED)
    return pick_locale(request.args.get("locale"), session.get("admin_locale"), signed_locale, browser,
                       FALLBACK)


def refuse(code: int, key: str, *, hint: bool = False, signed_locale: str | None = None,
           **values: str) -> NoReturn:
    lang = refusal_language(signed_locale)
    text = translate(lang, key, **values)
    raise AdminRefused(code, lang, f"{text} {translate(lang, SIGN_IN_HINT)}" if hint else text)
