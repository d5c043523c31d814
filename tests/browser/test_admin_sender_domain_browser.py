"""The Sender domain page in headless Chromium, in German and in English: a domain typed and
saved, the records to publish shown, one published right and one different on the (local) DNS,
"Check now" pressed, each record's verdict read off the page; a screenshot of each language
into tests/artifacts/admin-i18n/ and axe on the checked page (skipped where axe is missing)."""
from __future__ import annotations

import pytest

from app.domain.shop.sender_domains import dkim_name, dkim_value
from app.extensions import db
from app.models import SenderDomain
from tests.support.admin_sessions import login_link
from tests.support.app_config import make_config
from tests.support.browser import ARTIFACTS, require_browser

pytestmark = pytest.mark.browser
require_browser()
DOMAIN = "mail.laden.example"
WORDS = {
    "de": {"locale": "de_DE", "save": "Speichern", "check": "Jetzt prüfen",
           "saved": "mit einem neuen DKIM-Schlüssel", "right": "Gefunden und richtig.",
           "different": "Gefunden, aber anders.", "default": "Unsere Adresse:"},
    "en": {"locale": "en_GB", "save": "Save", "check": "Check now", "saved": "with a new DKIM key",
           "right": "Found and right.", "different": "Found, but different.", "default": "Our address:"},
}


@pytest.fixture
def config(database_url, redis_url, encryption_key, live_port):
    # Plain http locally: the session cookie falls back to SameSite=Lax without Secure.
    return make_config(database_url, redis_url, encryption_key, APP_URL=f"http://127.0.0.1:{live_port}")


@pytest.mark.parametrize("lang", ["de", "en"])
def test_a_merchant_names_a_domain_publishes_records_and_checks_them(live_server, browser_page, wc_shop,
                                                                    fake_dns, lang):
    words, page, problems = WORDS[lang], browser_page, []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(live_server + login_link(wc_shop, locale=words["locale"]))
    page.goto(live_server + "/admin/sender-domain")
    assert words["default"] in page.locator("#sender-state").inner_text()
    page.locator("#f-sender_domain").fill(DOMAIN)
    with page.expect_navigation():
        page.locator("#sender-domain-form").get_by_role("button", name=words["save"]).click()
    assert words["saved"] in page.locator("main").inner_text()
    row = db.session.get(SenderDomain, wc_shop.id)
    assert page.locator("#record-dkim .record-name").inner_text() == dkim_name(row.selector, DOMAIN)
    assert page.locator("#record-dkim .record-value").inner_text() == dkim_value(row.public_key)

    fake_dns.publish(dkim_name(row.selector, DOMAIN), dkim_value(row.public_key))
    fake_dns.publish(DOMAIN, "v=spf1 mx -all")
    with page.expect_navigation():
        page.get_by_role("button", name=words["check"]).click()
    assert page.locator("#record-dkim").get_attribute("data-verdict") == "right"
    assert words["right"] in page.locator("#record-dkim .record-state").inner_text()
    spf = page.locator("#record-spf .record-state").inner_text()
    assert words["different"] in spf and "v=spf1 mx -all" in spf
    assert "include:_spf." in page.locator("#record-spf .record-value").inner_text()
    shots = ARTIFACTS / "admin-i18n"
    shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shots / f"{lang}-sender-domain-checked.png"), full_page=True)
    assert problems == []

    from tests.browser.test_accessibility import assert_accessible  # skips from here when axe is missing

    assert_accessible(page, f"admin-{lang}-sender-domain-checked")
