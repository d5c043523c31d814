"""The plugin's German translation: every translatable string in its PHP has a German text in
languages/aftersales-de_DE.po, and the shipped .mo is that catalogue compiled."""
from __future__ import annotations

import re

from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from tests.integration.test_woocommerce_plugin import PLUGIN

PO = PLUGIN / "languages" / "aftersales-de_DE.po"
MO = PLUGIN / "languages" / "aftersales-de_DE.mo"
STRING = r"'((?:[^'\\]|\\.)*)'"
CALLS = re.compile(r"\b(?:__|_e|esc_html__|esc_html_e|esc_attr__|esc_attr_e)\(\s*" + STRING
                   + r"\s*,\s*'(\w+)'")
PLURALS = re.compile(r"\b_n\(\s*" + STRING + r"\s*,\s*" + STRING + r"\s*,[^;]*?'(\w+)'\s*\)")
HEADERS = re.compile(r"^ \* (Plugin Name|Description):\s+(.+)$", re.M)


def php_strings() -> dict[str | tuple[str, str], str]:
    """msgid (or (singular, plural)) → file, for every translatable call in the plugin."""
    found: dict = {}
    for path in sorted(PLUGIN.rglob("*.php")):
        text = path.read_text()
        for singular, domain in CALLS.findall(text):
            assert domain == "aftersales", f"{path.name}: {singular!r} in text domain {domain!r}"
            found[singular.replace("\\'", "'")] = path.name
        for singular, plural, domain in PLURALS.findall(text):
            assert domain == "aftersales", f"{path.name}: {singular!r} in text domain {domain!r}"
            found[(singular.replace("\\'", "'"), plural.replace("\\'", "'"))] = path.name
    for _, value in HEADERS.findall((PLUGIN / "aftersales.php").read_text()):
        found[value.strip()] = "aftersales.php header"
    return found


def catalogue(read, path):
    with path.open("rb") as handle:
        return {
            (m.id if isinstance(m.id, str) else tuple(m.id)): (
                m.string if isinstance(m.string, str) else tuple(m.string)
            )
            for m in read(handle)
            if m.id
        }


def test_the_scan_finds_the_plugins_strings():
    strings = php_strings()
    assert "Track your order" in strings and "Aftersales for WooCommerce" in strings
    assert ("%d item is no longer available.", "%d items are no longer available.") in strings
    assert len(strings) >= 35


def test_every_translatable_string_has_a_german_text():
    german = catalogue(read_po, PO)
    missing = [msgid for msgid in php_strings() if not german.get(msgid)]
    assert not missing, f"add to {PO.name} (then `make plugin-messages`): {missing}"
    for msgid, text in german.items():
        texts = [text] if isinstance(text, str) else list(text)
        assert all(texts), msgid
        ids = msgid if isinstance(msgid, tuple) else (msgid,)
        for translated in texts:  # the same placeholders, so sprintf() gets what it expects
            assert sorted(re.findall(r"%[ds]", translated)) == sorted(re.findall(r"%[ds]", ids[-1])), msgid


def test_no_german_text_is_left_over_from_a_removed_string():
    assert set(catalogue(read_po, PO)) <= set(php_strings())


def test_the_shipped_mo_is_the_po_compiled():
    assert catalogue(read_mo, MO) == catalogue(read_po, PO), "run `make plugin-messages`"


def test_the_text_domain_is_loaded_from_languages_on_init():
    main = (PLUGIN / "aftersales.php").read_text()
    assert (
        "load_plugin_textdomain( 'aftersales', false, dirname( plugin_basename( AFTERSALES_FILE ) ) . "
        "'/languages' )"
        in main
    )
    assert "add_action( 'init', 'aftersales_load_textdomain' );" in main
    assert re.search(r"^ \* Domain Path:\s+/languages$", main, re.M)
