"""The German and English gettext catalogues: complete, consistent, and in step with the code."""
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from app.domain.orders.statuses import OrderStatus
from app.i18n import SUPPORTED, catalogue_path, format_amount, format_day_range, translate
from app.label_keys import ESTIMATE_SOURCE_KEYS, ORDER_STATUS_KEYS, PARCEL_STATUS_KEYS
from connectors.base import ShipmentStatus

ROOT = Path(__file__).resolve().parents[2]
# The keywords `make messages` passes to pybabel extract.
KEYWORDS = {"t": None, "translate": (2,), "N_": None}
PLACEHOLDER = re.compile(r"\{(\w*)\}")


def _catalogue(locale: str):
    with catalogue_path(locale).open("rb") as po:
        return read_po(po, locale=locale)


def _entries(locale: str) -> dict:
    return {message.id: message for message in _catalogue(locale) if message.id}


def _extracted() -> dict[str, list[str]]:
    with (ROOT / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found: dict[str, list[str]] = {}
    for filename, lineno, key, _comments, _context in extract_from_dir(
            str(ROOT / "app"), method_map, options_map, keywords=KEYWORDS):
        found.setdefault(key, []).append(f"{filename}:{lineno}")
    return found


@pytest.mark.parametrize("locale", SUPPORTED)
def test_every_msgid_has_a_translation(locale):
    entries = _entries(locale)
    assert len(entries) > 100
    missing = sorted(key for key, message in entries.items() if not message.string or message.fuzzy)
    assert missing == [], f"{locale}: empty or fuzzy msgstr (fill them in): {missing}"


def test_both_catalogues_hold_the_same_keys_with_the_same_placeholders():
    german, english = _entries("de"), _entries("en")
    assert german.keys() == english.keys()
    for key in english:
        german_names = set(PLACEHOLDER.findall(german[key].string))
        assert german_names == set(PLACEHOLDER.findall(english[key].string)), key


def test_extraction_finds_no_key_the_catalogues_lack():
    extracted = _extracted()
    assert {"mail.shipped.subject", "block.title", "lookup.not_found", "order.placed"} <= extracted.keys()
    for locale in SUPPORTED:
        untranslated = {key: where for key, where in extracted.items() if key not in _entries(locale)}
        assert untranslated == {}, f"{locale}: run `make messages` and translate: {untranslated}"


def test_the_catalogues_hold_no_key_the_code_no_longer_uses():
    assert _entries("en").keys() <= _extracted().keys()


def test_every_status_and_estimate_source_has_a_label_key():
    assert set(ORDER_STATUS_KEYS) == {f"order.{status.value}" for status in OrderStatus}
    assert set(PARCEL_STATUS_KEYS) == {f"parcel.{status.value}" for status in ShipmentStatus}
    sources = ("carrier", "platform", "learned", "merchant")
    assert set(ESTIMATE_SOURCE_KEYS) == {f"edd.source.{source}" for source in sources}


def test_texts_come_from_the_catalogues_with_english_behind_german():
    assert translate("de", "mail.shipped.subject", name="#1001") == "Ihre Bestellung #1001 ist unterwegs"
    assert translate("en", "mail.shipped.subject", name="#1001") == "Your order #1001 is on its way"
    assert translate("fr", "order.delivered") == "Delivered"  # unsupported language: English
    assert translate("de", "no.such.key") == "no.such.key"


def test_dates_and_amounts_follow_the_language():
    from datetime import date
    from decimal import Decimal

    assert format_day_range("de", date(2026, 12, 29), date(2026, 12, 30)) == "Di., 29.12. bis Mi., 30.12."
    assert format_day_range("en", date(2026, 12, 29), date(2026, 12, 30)) == "Tue 29 Dec to Wed 30 Dec"
    assert format_day_range("de", date(2027, 1, 8), date(2027, 1, 8)) == "Fr., 8.1."
    assert format_amount("de", Decimal("1234.5"), "EUR") == "1.234,50\xa0€"
    assert format_amount("en", Decimal("1234.5"), "EUR") == "€1,234.50"
    assert format_amount("de", Decimal("12.5"), "CHF") == "12,50\xa0CHF"
    assert format_amount("en", Decimal("12.5"), None) == "12.50"
