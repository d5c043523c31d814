"""The admin speaks the merchant's language: German or English from the shared catalogues.

The language comes from the platform: Shopify's `locale` launch parameter (kept on every
admin link), the WordPress user's locale signed into the plugin's login link (kept in the
session); without either, the shop's own language.
"""
from __future__ import annotations

import base64
import html
import json
import re
import time
from datetime import datetime, timezone
from urllib.parse import parse_qs, urlsplit

import pytest

from app.extensions import db
from app.i18n import pick_locale
from app.links.admin_login import read_login_token, sign_login_token
from tests.integration.test_woocommerce_plugin import needs_php, php
from tests.support.admin_sessions import (
    SHOPIFY_DOMAIN,
    WC_SECRET,
    admin_get_pages,
    bearer,
    csrf_token,
    id_token,
    login_link,
)

# A message id that was not looked up (or has no text) shows as itself: "admin.<page>.<key>".
LEAKED_ID = re.compile(r"\badmin\.[a-z_]+\.[a-z_0-9.]+")
# What only the German page says, per admin page (taken from the German catalogue's wording).
GERMAN = {
    "/admin/": ("Übersicht", "Mails heute", "Letzte Webhook-Zustellungen"),
    "/admin/modules": ("Bestellstatus-Block", "Sendungsverfolgung", "Versandbestätigung",
                       "Bearbeitungstage vor dem Versand"),
    "/admin/content": ("Inhalte & Design", "Standardsprache", "Neuer Eintrag", "Banner und Gutscheincode"),
    "/admin/tracking-address": ("Adresse der Tracking-Seite", "Eigene Domain", "Adresse speichern"),
    "/admin/sender-domain": ("Absenderdomain", "Absender deiner Mails", "Eigene Absenderdomain (optional)",
                             "Adresse vor dem @"),
    "/admin/carrier-tracking": ("Wie Pakete verfolgt werden", "Dein eigener API-Schlüssel"),
    "/admin/carriers": ("Zeitraum", "Letzte 90 Tage", "Wie diese Zahlen gezählt werden"),
    "/admin/legal": ("Einwilligung in Werbung", "Ruhezeiten und Obergrenzen", "§ 7 Abs. 3 UWG"),
    "/admin/privacy": ("Datenanfragen", "Export erstellen", "Daten einer Person löschen"),
    "/admin/suppressions": ("Deine Abmeldeliste", "Adresse suchen", "Die Liste ist leer."),
    "/admin/previews": ("Testversand", "Testadressen", "Bestätigungslink senden"),
    "/admin/activity": ("Änderungsprotokoll", "Noch keine Änderungen."),
    "/admin/mail": ("Zeitraum", "Letzte 13 Wochen"),
    "/admin/earnings": ("Einnahmen", "Klicks"),
}


def _visible_text(page: str) -> str:
    """The words a person sees: no tags, scripts or styles."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def _signed_in(app, shop, locale: str):
    client = app.test_client()
    assert client.get(login_link(shop, locale=locale)).status_code == 303
    return client


def test_every_admin_page_reads_in_german_and_english_without_raw_message_ids(app, wc_shop):
    pages = admin_get_pages(app)
    assert set(GERMAN) <= set(pages), "a page of the admin has no German check here"
    german, english = _signed_in(app, wc_shop, "de_DE"), _signed_in(app, wc_shop, "en_GB")
    for path in pages:
        de, en = german.get(path), english.get(path)
        assert de.status_code == en.status_code == 200, path
        de_html, en_html = de.get_data(as_text=True), en.get_data(as_text=True)
        assert '<html lang="de">' in de_html and '<html lang="en">' in en_html, path
        for page in (de_html, en_html):
            assert LEAKED_ID.findall(page) == [], path
        de_text, en_text = _visible_text(de_html), _visible_text(en_html)
        assert de_text != en_text, path
        for words in GERMAN.get(path, ()):
            assert words in de_text, (path, words)
            assert words not in en_text, (path, words)


def test_german_validation_messages_and_notices(app, wc_shop):
    client = _signed_in(app, wc_shop, "de_DE")
    token = csrf_token(client)
    rejected = client.post("/admin/modules/delivery_estimate", data={
        "enabled": "on", "processing_days": "99", "cutoff_hour": "14", "origin_country": "Deutschland",
        "transit_days": "DE 1-2", "csrf_token": token})
    text = _visible_text(rejected.get_data(as_text=True))
    assert rejected.status_code == 422
    assert "Nichts wurde gespeichert" in text and "Gib eine ganze Zahl von 0 bis 30 ein." in text
    assert "Gib einen zweistelligen Ländercode wie DE ein." in text
    assert "Ergänze einen WORLD-Eintrag für alle übrigen Länder" in text
    saved = client.post("/admin/modules/reorder", data={"csrf_token": token})
    assert "Erneut kaufen ist aus; Einstellungen gespeichert." in _visible_text(saved.get_data(as_text=True))
    search = client.post("/admin/suppressions/search", data={"email": "niemand", "csrf_token": token})
    assert "Gib die vollständige E-Mail-Adresse ein" in _visible_text(search.get_data(as_text=True))


def test_dates_follow_the_admin_language(app, wc_shop):
    wc_shop.last_synced_at = datetime(2026, 12, 1, 8, 30, tzinfo=timezone.utc)
    wc_shop.sync_health = "ok: 3 polled, 0 rechecked; webhooks 4 active"
    db.session.commit()
    de = _visible_text(_signed_in(app, wc_shop, "de_DE").get("/admin/").get_data(as_text=True))
    en = _visible_text(_signed_in(app, wc_shop, "en_GB").get("/admin/").get_data(as_text=True))
    assert "Letzte Prüfung: 1. Dez. 2026, 08:30 UTC" in de
    assert "Last check: 1 Dec 2026, 08:30 UTC" in en


def test_the_language_stays_for_the_whole_woocommerce_session(app, wc_shop):
    client = _signed_in(app, wc_shop, "de_AT")  # Austrian German is German
    for path in ("/admin/", "/admin/legal", "/admin/activity"):
        assert '<html lang="de">' in client.get(path).get_data(as_text=True), path


def test_without_a_user_locale_the_shops_language_speaks(app, wc_shop):
    assert '<html lang="de">' in _signed_in(app, wc_shop, "").get("/admin/").get_data(as_text=True)
    assert '<html lang="de">' in _signed_in(app, wc_shop, "fr_FR").get("/admin/").get_data(as_text=True)
    wc_shop.locale = "en"
    assert '<html lang="en">' in _signed_in(app, wc_shop, "fr_FR").get("/admin/").get_data(as_text=True)


def test_pick_locale_takes_the_language_of_a_regional_locale():
    assert (pick_locale("de-AT"), pick_locale("de_DE_formal"), pick_locale("en-US")) == ("de", "de", "en")
    assert pick_locale("fr-FR", "de") == "de" and pick_locale(None, None) == "en"


def test_the_locale_inside_a_login_link_is_signed(app, wc_shop):
    token = sign_login_token(wc_shop.shop_key, WC_SECRET, 7, time.time(), locale="de_DE")
    claims = read_login_token(token, {wc_shop.shop_key: WC_SECRET}.get, time.time())
    assert claims.locale == "de_DE"
    version, payload, signature = token.split(".")  # v1.<body>.<mac> (app/links/signer.py)
    body = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert body["d"]["l"] == "de_DE"
    body["d"]["l"] = "en_GB"
    forged = base64.urlsafe_b64encode(json.dumps(body).encode()).rstrip(b"=").decode()
    response = app.test_client().get(f"/admin/login?token={version}.{forged}.{signature}")
    assert response.status_code == 403 and b"not signed by your shop" in response.data


# Shopify: `locale` comes with the app's launch, like shop and host.


def _shopify_launch(client, **extra):
    return client.get("/shopify/app",
                      query_string={"shop": SHOPIFY_DOMAIN, "host": "YWRtaW4", "embedded": "1",
                                                     "id_token": id_token(), **extra})


def test_shopify_launch_locale_de_picks_german_and_links_keep_it(client, shop):
    shop.locale = "en"  # the merchant's own language wins over the shop's
    response = _shopify_launch(client, locale="de")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and '<html lang="de">' in page
    assert "Letzte Webhook-Zustellungen" in page and "Last webhook deliveries" not in page
    legal_link = html.unescape(re.search(r'<a href="(/admin/legal\?[^"]+)"', page).group(1))
    assert parse_qs(urlsplit(legal_link).query)["locale"] == ["de"]
    # A later page opened (or a form posted) through that link speaks German too.
    later = client.get(legal_link, headers=bearer()).get_data(as_text=True)
    assert '<html lang="de">' in later and "Einwilligung in Werbung" in later


def test_shopify_launch_locale_en_picks_english_in_a_german_shop(client, shop):
    page = _shopify_launch(client, locale="en-US").get_data(as_text=True)
    assert '<html lang="en">' in page and "Last webhook deliveries" in page


def test_shopify_without_locale_falls_back_to_the_shops_language(client, shop):
    page = client.get("/admin/legal", headers=bearer()).get_data(as_text=True)
    assert '<html lang="de">' in page and "Einwilligung in Werbung" in page


# WordPress: the plugin signs the user's get_user_locale() into the link it redirects to.


def _open_admin_as(app, wc_shop, user_locale: str) -> str:
    log = json.loads(php("open-admin", app.config["APP_URL"], wc_shop.shop_key, WC_SECRET, "7",
                         "manage_woocommerce", "nonce-aftersales_open_admin", user_locale))
    return log["redirects"][0]


@needs_php
@pytest.mark.parametrize(("user_locale", "lang", "words"), [
    ("de_DE", "de", "Letzte Webhook-Zustellungen"), ("de_CH_informal", "de", "Mails heute"),
    ("en_US", "en", "Last webhook deliveries")])
def test_wordpress_user_locale_picks_the_admin_language(app, wc_shop, user_locale, lang, words):
    url = urlsplit(_open_admin_as(app, wc_shop, user_locale))
    token = parse_qs(url.query)["token"][0]
    assert read_login_token(token, {wc_shop.shop_key: WC_SECRET}.get, time.time()).locale == user_locale
    client = app.test_client()
    assert client.get(url.path + "?" + url.query).status_code == 303
    page = client.get("/admin/").get_data(as_text=True)
    assert f'<html lang="{lang}">' in page and words in page
