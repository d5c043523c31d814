"""Shopify's contextual save bar on the admin's settings forms, in Chromium.

App Bridge comes from cdn.shopify.com, which a test cannot load; a stand-in takes its place
and does what Shopify documents for `data-save-bar` forms (shopify.dev/docs/api/app-home/
app-bridge-web-components/save-bar): it shows the save bar while such a form differs from how
it loaded, its Save submits the form and its Discard resets it. It records what it was asked
(`window.appBridgeAsked`), so the test sees what the page makes App Bridge do.
"""
from __future__ import annotations

import json

import pytest

from app.extensions import db
from app.models import Shop
from tests.browser.test_admin_browser import APP_BRIDGE_STUB
from tests.support.admin_sessions import SHOPIFY_DOMAIN, id_token
from tests.support.browser import require_browser

pytestmark = pytest.mark.browser
require_browser()

SAVE_BAR_STAND_IN = """
(function () {
  var asked = window.appBridgeAsked = [];
  var loaded = new Map(), shown = null;
  function state(form) { return JSON.stringify(Array.from(new FormData(form).entries())); }
  function watch() {
    document.querySelectorAll('form[data-save-bar]').forEach(function (form) {
      loaded.set(form, state(form));
    });
  }
  function update(form) {
    var dirty = state(form) !== loaded.get(form);
    if (dirty && shown !== form) { shown = form; asked.push(['show', form.id]); }
    if (!dirty && shown === form) { shown = null; asked.push(['hide', form.id]); }
  }
  function changed(event) {
    var form = event.target.form;
    if (form && loaded.has(form)) { update(form); }
  }
  document.addEventListener('input', changed, true);
  document.addEventListener('change', changed, true);
  // "reset" fires before the fields go back; look once they have.
  document.addEventListener('reset', function (event) {
    var form = event.target; setTimeout(function () { update(form); }, 0);
  }, true);
  // A submitted form is done with: the layout swaps in the saved page's form, watched afresh
  // (the old one's focused field still sends "change" as it goes).
  document.addEventListener('submit', function (event) {
    loaded.delete(event.target);
    if (shown === event.target) { shown = null; asked.push(['hide', event.target.id]); }
  }, true);
  document.addEventListener('DOMContentLoaded', watch);
  document.addEventListener('admin:main-replaced', watch);
  // The bar's two buttons, as the merchant would press them.
  window.appBridgeSaveBar = {
    save: function () { shown.requestSubmit(); },
    discard: function () { shown.reset(); }
  };
})();
"""


def _open_in_shopify(page, server: str, path: str):
    stand_in = APP_BRIDGE_STUB % json.dumps(id_token(lifetime=300)) + SAVE_BAR_STAND_IN
    page.route("https://cdn.shopify.com/shopifycloud/app-bridge.js", lambda route: route.fulfill(
        content_type="text/javascript", body=stand_in))
    page.route("https://cdn.shopify.com/shopifycloud/polaris.js",
               lambda route: route.fulfill(content_type="text/javascript", body=""))
    page.goto(f"{server}{path}?shop={SHOPIFY_DOMAIN}&host=YWRtaW4&embedded=1&locale=en"
              f"&id_token={id_token()}")


def asked(page) -> list[list[str]]:
    return page.evaluate("window.appBridgeAsked")


def test_typing_shows_the_save_bar_and_discard_puts_the_value_back(live_server, browser_page, shop):
    page = browser_page
    _open_in_shopify(page, live_server, "/admin/content")
    assert page.locator("ui-title-bar").get_attribute("title") == page.locator("h1").inner_text()
    assert asked(page) == []
    page.locator("#f-name").press_sequentially(" Outlet")
    assert asked(page) == [["show", "content-form"]]
    page.evaluate("window.appBridgeSaveBar.discard()")
    page.wait_for_function("window.appBridgeAsked.length === 2")
    assert asked(page) == [["show", "content-form"], ["hide", "content-form"]]
    assert page.input_value("#f-name") == "John's Apparel"
    db.session.expire_all()
    assert db.session.get(Shop, shop.id).name == "John's Apparel"


def test_the_save_bars_save_posts_the_form_through_the_layouts_fetch(live_server, browser_page, shop):
    page = browser_page
    _open_in_shopify(page, live_server, "/admin/content")
    page.locator("#f-name").fill("John's Outlet")
    assert asked(page) == [["show", "content-form"]]
    page.evaluate("window.appBridgeSaveBar.save()")
    page.wait_for_selector("s-banner#admin-notice")  # the layout's fetch swapped the page's main
    assert asked(page) == [["show", "content-form"], ["hide", "content-form"]]
    assert page.input_value("#f-name") == "John's Outlet"
    db.session.expire_all()
    assert db.session.get(Shop, shop.id).name == "John's Outlet"
    # The redrawn form is watched afresh: a change shows the bar again, from the saved value.
    page.locator("#f-name").fill("John's Apparel")
    assert asked(page)[-1] == ["show", "content-form"]
    page.evaluate("window.appBridgeSaveBar.discard()")
    page.wait_for_function("window.appBridgeAsked.length === 4")
    assert page.input_value("#f-name") == "John's Outlet"
