"""Every setting of the Modules and Content pages in Chromium: type it, see the live preview change before
anything is saved, save, and see the real order's block (its JSON over HTTP) or next planned
mail follow it. The rows are tests/support/setting_rows.py (held against what the code reads by
tests/integration/test_setting_fields.py). Also: the preview through App Bridge's bearer fetch,
inline messages for invalid input, and de/en screenshots and axe with the preview open.
"""
from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

import pytest

from app.extensions import db
from app.models import SettingChange, Shop
from tests.browser.test_admin_browser import APP_BRIDGE_STUB
from tests.support.admin_sessions import SHOPIFY_DOMAIN, id_token, login_link
from tests.support.app_config import make_config
from tests.support.browser import ARTIFACTS, require_browser
from tests.support.setting_row_checks import observe
from tests.support.setting_row_orders import prepare
from tests.support.setting_rows import ROWS, Row

pytestmark = pytest.mark.browser
require_browser()
USER_LOCALES = {"de": "de_DE", "en": "en_GB"}
# The watched element's text once the preview is idle (empty while absent).
TEXT_JS = """([box, selector]) => {
  const found = box.querySelector(selector);
  return found ? found.textContent.replace(/\\s+/g, ' ').trim() : '';
}"""
# Idle, valid, and changed (and showing the expected text, when the row has one).
CHANGED_JS = """([box, selector, old, expect]) => {
  if (box.hasAttribute('aria-busy') || !box.querySelector('[data-preview-status="ok"]')) { return false; }
  const found = box.querySelector(selector);
  const text = found ? found.textContent.replace(/\\s+/g, ' ').trim() : '';
  return text !== old && (!expect || text.includes(expect));
}"""


@pytest.fixture
def config(database_url, redis_url, encryption_key, live_port):
    # Plain http locally: the session cookie falls back to SameSite=Lax without Secure.
    return make_config(database_url, redis_url, encryption_key, APP_URL=f"http://127.0.0.1:{live_port}")


def open_preview(page: Any, module: str, form_id: str | None = None) -> Any:
    """Open the preview under a module's form (or the form `form_id`); the box once its first
    answer is in."""
    box = page.locator(f'[data-live-form="{form_id}"]' if form_id else f'[data-live-preview="{module}"]')
    box.locator("summary").click()
    page.wait_for_function("box => box.dataset.round !== undefined && !box.hasAttribute('aria-busy')",
                           arg=box.element_handle())
    return box


def type_into(form: Any, typed: dict[str, str | bool]) -> None:
    for name, value in typed.items():
        field = form.locator(f'[name="{name}"]')
        if field.count() > 1:  # radio buttons
            form.locator(f'[name="{name}"][value="{value}"]').check()
        elif isinstance(value, bool):
            field.set_checked(value)
        elif field.evaluate("field => field.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)


@pytest.mark.parametrize("row", ROWS, ids=lambda row: row.id)
def test_typing_changes_the_preview_and_saving_changes_what_the_buyer_gets(live_server, browser_page, wc_shop,
                                                                           row: Row):
    page = browser_page
    order = prepare(wc_shop, row, datetime.now(timezone.utc))
    get_json = lambda path: page.request.get(live_server + path).json()  # noqa: E731
    before = observe(row, wc_shop.id, order.id, get_json)
    page.goto(live_server + login_link(wc_shop, locale=USER_LOCALES[row.admin_lang]))
    page.goto(live_server + row.page)
    form = page.locator(f"#{row.form}")
    box = open_preview(page, row.module, row.form)
    untouched = page.evaluate(TEXT_JS, [box.element_handle(), row.watch])
    changes = db.session.query(SettingChange).count()

    type_into(form, dict(row.typed))
    page.wait_for_function(CHANGED_JS, arg=[box.element_handle(), row.watch, untouched, row.expect])
    assert db.session.query(SettingChange).count() == changes  # previewing saved nothing
    assert observe(row, wc_shop.id, order.id, get_json) == before

    with page.expect_navigation():
        form.locator('button[type="submit"]').click()
    assert page.locator('[role="status"]').is_visible()
    after = observe(row, wc_shop.id, order.id, get_json)
    assert after != before, after
    assert row.expect is None or row.expect in after, after


def test_invalid_input_is_marked_at_its_field_and_explained_in_the_preview(live_server, browser_page,
                                                                           wc_shop):
    page = browser_page
    page.goto(live_server + login_link(wc_shop))
    page.goto(live_server + "/admin/modules")
    form = page.locator('form[data-module-form="mail_replenishment"]')
    box = open_preview(page, "mail_replenishment")
    form.locator('[name="intervals"]').fill("501 30\nshampoo")
    page.wait_for_selector('[data-live-preview="mail_replenishment"] [data-preview-status="invalid"]')
    assert "“shampoo” is not a product id" in box.locator('[data-error-for="intervals"]').inner_text()
    assert form.locator('[name="intervals"]').get_attribute("aria-invalid") == "true"
    form.locator('[name="intervals"]').fill("501 30")
    page.wait_for_selector('[data-live-preview="mail_replenishment"] [data-preview-status="ok"]')
    assert form.locator('[name="intervals"]').get_attribute("aria-invalid") is None


def test_shopify_preview_goes_through_the_bearer_fetch(live_server, browser_page, shop):
    page = browser_page
    page.route("https://cdn.shopify.com/shopifycloud/app-bridge.js", lambda route: route.fulfill(
        content_type="text/javascript", body=APP_BRIDGE_STUB % json.dumps(id_token(lifetime=300))))
    page.route("https://cdn.shopify.com/shopifycloud/polaris.js",
               lambda route: route.fulfill(content_type="text/javascript", body=""))
    page.goto(f"{live_server}/admin/modules?shop={SHOPIFY_DOMAIN}&host=YWRtaW4&embedded=1&locale=de"
              f"&id_token={id_token()}")
    form = page.locator('form[data-module-form="mail_referral"]')
    box = open_preview(page, "mail_referral")
    untouched = page.evaluate(TEXT_JS, [box.element_handle(), '[data-live-text="de"]'])
    form.locator('[name="share_url"]').fill("https://johns-apparel.example/freunde")
    page.wait_for_function(CHANGED_JS, arg=[box.element_handle(), '[data-live-text="de"]', untouched,
                                            "https://johns-apparel.example/freunde"])
    db.session.expire_all()
    assert not [m for m in db.session.get(Shop, shop.id).modules if m.key == "mail_referral"]


@pytest.mark.parametrize("lang", ["de", "en"])
def test_the_modules_page_with_previews_open_is_screenshotted_and_passes_axe(live_server, browser_page,
                                                                             wc_shop,
                                                                              lang):
    page = browser_page
    page.goto(live_server + login_link(wc_shop, locale=USER_LOCALES[lang]))
    page.goto(live_server + "/admin/modules")
    form = page.locator('form[data-module-form="mail_thank_you"]')
    box = open_preview(page, "mail_thank_you")
    untouched = page.evaluate(TEXT_JS, [box.element_handle(), '[data-live-text="de"]'])
    form.locator('[name="texts_de"]').fill("Schön, dass du bei uns bestellt hast.")
    page.wait_for_function(CHANGED_JS, arg=[box.element_handle(), '[data-live-text="de"]', untouched,
                                            "Schön, dass du bei uns bestellt hast."])
    open_preview(page, "newsletter")
    box.scroll_into_view_if_needed()
    shots = ARTIFACTS / "admin-i18n"
    shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shots / f"{lang}-modules-live-preview.png"), full_page=True)
    assert (shots / f"{lang}-modules-live-preview.png").stat().st_size > 0
    card = page.locator('.card:has(> form[data-module-form="mail_thank_you"])')
    card.screenshot(path=str(shots / f"{lang}-modules-live-preview-card.png"))

    from tests.browser.test_accessibility import assert_accessible  # skips when axe is not installed

    assert_accessible(page, f"admin-{lang}-modules-live-preview")


@pytest.mark.parametrize("lang", ["de", "en"])
def test_the_content_page_with_its_preview_open_is_screenshotted_and_passes_axe(live_server, browser_page,
                                                                                wc_shop,
                                                                                 lang):
    page = browser_page
    page.goto(live_server + login_link(wc_shop, locale=USER_LOCALES[lang]))
    page.goto(live_server + "/admin/content")
    box = open_preview(page, "content", "content-form")
    untouched = page.evaluate(TEXT_JS, [box.element_handle(), '[data-live-mail="de"]'])
    page.locator("#content-form #f-name").fill("Laden am Markt")
    page.wait_for_function(CHANGED_JS, arg=[box.element_handle(), '[data-live-mail="de"]', untouched,
                                            "Laden am Markt"])
    for frame in box.locator("iframe.mail").element_handles():  # the mails are laid out before the shot
        frame.content_frame().wait_for_function(
            "() => document.body && document.body.innerText.trim() !== ''")
    shots = ARTIFACTS / "admin-i18n"
    shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shots / f"{lang}-content-live-preview.png"), full_page=True)
    box.screenshot(path=str(shots / f"{lang}-content-live-preview-box.png"))

    from tests.browser.test_accessibility import assert_accessible  # skips when axe is not installed

    assert_accessible(page, f"admin-{lang}-content-live-preview")
