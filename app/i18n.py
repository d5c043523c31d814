"""Buyer-facing wording in German and English, the choice of the buyer's language, and
dates and amounts written the way that language writes them.

The texts live in gettext catalogues, `app/translations/<lang>/LC_MESSAGES/messages.po`,
keyed by stable message ids (`mail.shipped.subject`). Babel reads each `.po` once per
process and compiles it in memory (no build step, so a fresh clone runs as it is);
German falls back to English for a key it lacks, English to the key itself.
`make messages` extracts the keys from app/ and the templates (babel.cfg) and updates both
catalogues; tests/unit/test_catalogues.py fails while any msgstr is empty.
"""
from __future__ import annotations

import functools
from datetime import date, datetime, timezone, tzinfo
from decimal import Decimal
from io import BytesIO
from pathlib import Path

from babel.dates import format_skeleton, format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal, format_percent
from babel.support import Translations

SUPPORTED = ("de", "en")
FALLBACK = "en"
TRANSLATIONS_DIR = Path(__file__).parent / "translations"
# CLDR locales for dates and numbers: our English is British ("Tue 29 Dec", "€12.50").
FORMAT_LOCALES = {"de": "de_DE", "en": "en_GB"}


def catalogue_path(locale: str) -> Path:
    return TRANSLATIONS_DIR / locale / "LC_MESSAGES" / "messages.po"


@functools.cache
def _translations(locale: str) -> Translations:
    """One language's catalogue, compiled from its .po in memory, with English behind it."""
    with catalogue_path(locale).open("rb") as po:
        catalog = read_po(po, locale=locale, domain="messages")
    compiled = BytesIO()
    write_mo(compiled, catalog)  # fuzzy and empty entries are left out: they fall back
    compiled.seek(0)
    translations = Translations(compiled, domain="messages")
    if locale != FALLBACK:
        translations.add_fallback(_translations(FALLBACK))
    return translations


def load_catalogues() -> None:
    """Read every catalogue now (at start-up), so a broken .po stops the app, not a mail."""
    for locale in SUPPORTED:
        _translations(locale)


def pick_locale(*candidates: str | None) -> str:
    """The first supported language among the candidates ('de-AT' counts as 'de')."""
    for candidate in candidates:
        if candidate:
            base = candidate.replace("_", "-").split("-")[0].lower()
            if base in SUPPORTED:
                return base
    return FALLBACK


def translate(locale: str, key: str, **values) -> str:
    text = _translations(locale if locale in SUPPORTED else FALLBACK).gettext(key)
    return text.format(**values) if values else text


def N_(key: str) -> str:
    """Mark a key for extraction where it is looked up later (gettext's no-op marker)."""
    return key


def translator(locale: str):
    """`t(key, **values)` for templates, bound to one language."""
    return functools.partial(translate, locale)


def format_day(locale: str, day: date) -> str:
    """A short weekday and date: 'Di., 29.12.' or 'Tue 29 Dec' (CLDR's MEd / MMMEd)."""
    skeleton = "MEd" if locale == "de" else "MMMEd"
    return format_skeleton(skeleton, day, locale=FORMAT_LOCALES.get(locale, FORMAT_LOCALES[FALLBACK]))


def format_date_with_year(locale: str, day: date) -> str:
    """A date that may lie a year ahead: '7. Jan. 2027' or '7 Jan 2027' (CLDR's yMMMd)."""
    cldr = FORMAT_LOCALES.get(locale, FORMAT_LOCALES[FALLBACK])
    return format_skeleton("yMMMd", day, locale=cldr)


def format_moment(locale: str, moment: datetime, zone: tzinfo) -> str:
    """A scan's day and time in the shop's zone: 'Di., 1.12., 14:05' or 'Tue 1 Dec, 14:05'."""
    cldr = FORMAT_LOCALES.get(locale, FORMAT_LOCALES[FALLBACK])
    day = format_skeleton("MEd" if locale == "de" else "MMMEd", moment, tzinfo=zone, locale=cldr)
    return f"{day}, {format_time(moment, 'short', tzinfo=zone, locale=cldr)}"


def format_date(locale: str, day: date) -> str:
    """A date with its year, for the merchant's admin: '1. Dez. 2026' or '1 Dec 2026'."""
    cldr = FORMAT_LOCALES.get(locale, FORMAT_LOCALES[FALLBACK])
    return format_skeleton("yMMMd", day, locale=cldr)


def format_short_date(locale: str, day: date) -> str:
    """Day and month, for chart axes: '7. Dez.' or '7 Dec'."""
    return format_skeleton("MMMd", day, locale=FORMAT_LOCALES.get(locale, FORMAT_LOCALES[FALLBACK]))


def format_number(locale: str, value: float) -> str:
    """A figure as the language writes it, decimals only where it has them: '2,5' or '2.5'."""
    return format_decimal(value, format="#,##0.##",
                          locale=FORMAT_LOCALES.get(locale, FORMAT_LOCALES[FALLBACK]))


def format_share(locale: str, share: float) -> str:
    """A share (0.85) as a whole percentage: '85 %' or '85%'."""
    return format_percent(share, locale=FORMAT_LOCALES.get(locale, FORMAT_LOCALES[FALLBACK]))


def format_month(locale: str, day: date) -> str:
    """A month and its year, for the merchant's admin: 'Dezember 2026' or 'December 2026'."""
    return format_skeleton("yMMMM", day, locale=FORMAT_LOCALES.get(locale, FORMAT_LOCALES[FALLBACK]))


def format_timestamp(locale: str, moment: datetime, zone: tzinfo) -> str:
    """A moment with its year, for the merchant's admin: '1. Dez. 2026, 14:05'."""
    cldr = FORMAT_LOCALES.get(locale, FORMAT_LOCALES[FALLBACK])
    moment = moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    day = format_skeleton("yMMMd", moment, tzinfo=zone, locale=cldr)
    return f"{day}, {format_time(moment, 'short', tzinfo=zone, locale=cldr)}"


class TextError(ValueError):
    """A problem worded by a message id and its values, put in words where the language is known."""

    def __init__(self, key: str, **values):
        super().__init__(key)
        self.key, self.values = key, values

    def text(self, locale: str) -> str:
        return translate(locale, self.key, **self.values)


def format_day_range(locale: str, start: date, end: date) -> str:
    if start == end:
        return format_day(locale, start)
    return translate(locale, "edd.range", start=format_day(locale, start), end=format_day(locale, end))


def format_amount(locale: str, value: Decimal, currency: str | None) -> str:
    """'12,50 €' or '€12.50'; without a currency just the number in the language's style."""
    where = FORMAT_LOCALES.get(locale, FORMAT_LOCALES[FALLBACK])
    if currency:
        return format_currency(value, currency, locale=where)
    return format_decimal(value, format="#,##0.00", locale=where)
