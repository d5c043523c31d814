"""Every admin page as Shopify opens it, in German and in English: a screenshot of each into
tests/artifacts/admin-i18n/shopify-<lang>-<page>.png, and axe (tests/a11y, `make a11y-deps`) on each.

App Bridge and polaris.js come from cdn.shopify.com, which a test cannot load: App Bridge's
stand-in adds the id token to the layout's fetch; polaris.js's (tests/support/polaris_stand_in.py)
draws each section's heading, and leaves the other s-* elements as the layout lays them out
before polaris.js has drawn them. The title and the navigation are App Bridge's alone: the page
repeats neither.
"""
from __future__ import annotations

import json

import pytest

from app.extensions import db
from app.models import WebhookDelivery
from tests.browser.test_admin_browser import APP_BRIDGE_STUB
from tests.browser.test_admin_language_browser import AXE_KNOWN_FINDINGS, ENGLISH, SHOTS, _name
from tests.integration.test_admin_language import GERMAN
from tests.support.admin_sessions import SHOPIFY_DOMAIN, id_token
from tests.support.browser import require_browser
from tests.support.polaris_stand_in import POLARIS_STAND_IN

pytestmark = pytest.mark.browser
require_browser()


def _in_shopify(page):
    page.route("https://cdn.shopify.com/shopifycloud/app-bridge.js", lambda route: route.fulfill(
        content_type="text/javascript", body=APP_BRIDGE_STUB % json.dumps(id_token(lifetime=300))))
    page.route("https://cdn.shopify.com/shopifycloud/polaris.js",
               lambda route: route.fulfill(content_type="text/javascript", body=POLARIS_STAND_IN))


def _open(page, server: str, path: str, lang: str):
    page.goto(f"{server}{path}?shop={SHOPIFY_DOMAIN}&host=YWRtaW4&embedded=1&locale={lang}"
              f"&id_token={id_token()}",
              wait_until="load")


def _words(page) -> str:
    """The page's text, with the sections' headings (drawn in their shadow roots)."""
    return page.evaluate("""() => document.querySelector('main').innerText + ' ' +
        [...document.querySelectorAll('s-section')].map(s => s.shadowRoot.textContent).join(' ')""")


@pytest.mark.parametrize("lang", ["de", "en"])
def test_every_shopify_admin_page_is_screenshotted_in_each_language(live_server, browser_page, shop, lang):
    page = browser_page
    SHOTS.mkdir(parents=True, exist_ok=True)
    for key, state in (("d-1", "processed"), ("d-2", "failed")):  # a table with status badges
        db.session.add(WebhookDelivery(platform="shopify", delivery_key=key, shop_id=shop.id,
                                       shop_domain=shop.domain,
                                       topic="orders/create", state=state,
                                       error="timeout" if state == "failed" else None))
    db.session.commit()
    _in_shopify(page)
    for path in GERMAN:
        _open(page, live_server, path, lang)
        assert page.locator("html").get_attribute("lang") == lang, path
        expected = GERMAN[path][0] if lang == "de" else ENGLISH[path]
        assert expected in _words(page), (path, lang)
        # The title bar holds the title; the h1 stays for screen readers only.
        heading = page.locator("h1")
        assert (heading.count() == 1
                and heading.inner_text() == page.locator("ui-title-bar").get_attribute("title"))
        assert heading.bounding_box()["height"] <= 1, path
        # Shopify's sidebar (ui-nav-menu) is the navigation: no tabs of our own.
        assert page.locator("nav.tabs, header.top").count() == 0, path
        assert (page.locator("ui-nav-menu a").count() > 5
                and page.locator('ui-nav-menu a[rel="home"]').count() == 1)
        assert page.locator("s-page main s-section").count() > 0, path
        shot = SHOTS / f"shopify-{lang}-{_name(path)}.png"
        page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 0


@pytest.mark.parametrize("lang", ["de", "en"])
def test_every_shopify_admin_page_passes_axe_in_each_language(live_server, browser_page, shop, lang):
    from tests.browser.test_accessibility import (
        assert_accessible,  # skips this test when axe is not installed
    )

    page = browser_page
    _in_shopify(page)
    for path in GERMAN.keys() - AXE_KNOWN_FINDINGS:
        _open(page, live_server, path, lang)
        assert_accessible(page, f"admin-shopify-{lang}-{_name(path)}")
