"""The admin in a real browser: sign in by link, switch a module off, download and delete a
data export, check the data-requests page with axe, measure LCP and CLS.

Drives Debian's chromium through Playwright (`make browser-deps` installs it); skipped with
the reason when either is missing. Screenshots and the measured figures land in tests/artifacts/.
"""
from __future__ import annotations

import json

import pytest

from app.domain.privacy.lifecycle import export_customer_data
from app.extensions import db
from bench.admin_vitals import PAGES, VITALS_JS
from tests.support.admin_sessions import SHOPIFY_DOMAIN, id_token, login_link
from tests.support.app_config import make_config
from tests.support.browser import ARTIFACTS, require_browser
from tests.support.confirmed_addresses import confirm_test_address
from tests.support.factories import add_parcel, make_order

pytestmark = pytest.mark.browser
require_browser()


@pytest.fixture
def config(database_url, redis_url, encryption_key, live_port):
    # Plain http locally: the session cookie falls back to SameSite=Lax without Secure.
    return make_config(database_url, redis_url, encryption_key, APP_URL=f"http://127.0.0.1:{live_port}")


def vitals(page) -> dict:
    return page.evaluate(VITALS_JS)


def test_admin_in_chromium_switches_a_module_off_and_stays_stable(live_server, browser_page, wc_shop):
    server, page = live_server, browser_page
    ARTIFACTS.mkdir(exist_ok=True)
    page.goto(server + login_link(wc_shop))
    assert page.url.endswith("/admin/")
    page.goto(server + "/admin/previews")
    assert page.locator('[data-module="reorder"]').count() > 0

    page.goto(server + "/admin/modules")
    form = page.locator('form[data-module-form="reorder"]')
    form.locator('input[name="enabled"]').uncheck()
    with page.expect_navigation():
        form.locator('button[type="submit"]').click()
    assert "Buy again is off" in page.locator('[role="status"]').inner_text()

    page.goto(server + "/admin/previews")
    assert page.locator('[data-preview-state="shipped"]').count() == 1
    assert page.locator('[data-module="reorder"]').count() == 0

    figures = {}
    for name, path in PAGES:
        page.goto(server + path, wait_until="load")
        figures[name] = vitals(page)
        page.screenshot(path=str(ARTIFACTS / f"admin-{name}.png"), full_page=True)
    (ARTIFACTS / "admin-vitals.json").write_text(json.dumps(figures, indent=2))
    print("admin vitals:", json.dumps(figures))
    for name, figure in figures.items():
        # Layout stability is a property of the markup; how fast the paint is belongs to
        # `make bench` (admin_vitals), not to a test that runs on a busy machine.
        assert figure["lcp"] > 0, (name, figure)
        assert figure["cls"] <= 0.1, (name, figure)


@pytest.fixture
def wc_export(wc_shop):
    order = make_order(wc_shop, platform_order_id="5005")
    add_parcel(order)
    export = export_customer_data(db.session, wc_shop, order.customer.email, (), None)
    db.session.commit()
    return export


def test_data_requests_page_downloads_an_export_and_deletes_it(live_server, browser_page, wc_shop, wc_export):
    server, page = live_server, browser_page
    page.goto(server + login_link(wc_shop))
    page.goto(server + "/admin/privacy")
    row = page.locator(f'tr[data-export="{wc_export.id}"]')
    with page.expect_download() as download:
        row.get_by_role("link", name=f"Download export {wc_export.id} (JSON)").click()
    assert download.value.suggested_filename == f"data-export-{wc_export.id}.json"
    document = json.loads(open(download.value.path(), encoding="utf-8").read())
    assert document["customers"][0]["email"] == "buyer-5005@example.com"
    with page.expect_navigation():
        row.get_by_role("button", name=f"Delete export {wc_export.id}").click()
    assert page.locator('[role="status"]').inner_text() == f"Export {wc_export.id} deleted."
    assert page.locator("tr[data-export]").count() == 0


# Stands in for App Bridge: its fetch carries the id token as a bearer, like the real one's.
APP_BRIDGE_STUB = """window.shopify = {
  toast: {show: function (text) { document.body.dataset.toast = text; }}};
var plainFetch = window.fetch;
window.fetch = function (input, init) {
  init = init || {}; var headers = new Headers(init.headers || {});
  headers.set('Authorization', 'Bearer ' + %s);
  return plainFetch(input, Object.assign({}, init, {headers: headers}));
};"""


def test_shopify_data_requests_page_downloads_through_the_bearer_fetch(live_server, browser_page, shop):
    order = make_order(shop, platform_order_id="6006")
    export = export_customer_data(db.session, shop, order.customer.email, (), "777")
    db.session.commit()
    page = browser_page
    page.route("https://cdn.shopify.com/shopifycloud/app-bridge.js", lambda route: route.fulfill(
        content_type="text/javascript", body=APP_BRIDGE_STUB % json.dumps(id_token(lifetime=300))))
    page.route("https://cdn.shopify.com/shopifycloud/polaris.js",
               lambda route: route.fulfill(content_type="text/javascript", body=""))
    query = f"shop={SHOPIFY_DOMAIN}&host=YWRtaW4&embedded=1&locale=en&id_token={id_token()}"
    page.goto(f"{live_server}/admin/privacy?{query}")
    with page.expect_download() as download:
        page.get_by_text(f"Download export {export.id} (JSON)").click()
    assert download.value.suggested_filename == f"data-export-{export.id}.json"
    document = json.loads(open(download.value.path(), encoding="utf-8").read())
    assert document["request_id"] == "777" and document["customers"][0]["email"] == "buyer-6006@example.com"
    # The delete form goes through the layout's fetch as well, and the list is redrawn in place.
    page.get_by_role("button", name=f"Delete export {export.id}").click()
    page.wait_for_selector("text=No exports yet.")
    # Shopify's notice is a Polaris banner (s-banner tone="success", which announces itself).
    assert (page.locator('s-banner[tone="success"]#admin-notice').inner_text()
            == f"Export {export.id} deleted.")


def test_data_requests_page_passes_axe(live_server, browser_page, wc_shop, wc_export):
    from tests.browser.test_accessibility import (
        assert_accessible,  # skips this test when axe is not installed
    )

    page = browser_page
    page.goto(live_server + login_link(wc_shop))
    page.goto(live_server + "/admin/privacy")
    assert page.locator("tr[data-export]").count() == 1
    assert_accessible(page, "admin-privacy")
    page.fill("#f-email", "not an address")
    page.locator("#f-email").evaluate("field => field.removeAttribute('type')")
    with page.expect_navigation():
        page.get_by_role("button", name="Create export").click()
    assert page.locator("#e-email").is_visible()
    assert_accessible(page, "admin-privacy-error")


def _mail_preview_is_shown(page, kind: str, lang: str) -> str:
    """Scroll to one mail preview; return the text of the mail its frame shows."""
    preview = page.locator(f'[data-mail-preview="{kind}-{lang}"]')
    preview.scroll_into_view_if_needed()
    handle = preview.locator("iframe.mail").element_handle()
    page.wait_for_function("frame => frame.srcdoc !== ''", arg=handle)
    # Setting srcdoc starts the frame's navigation; its body is there only once that is done
    # (on a busy machine the first read could otherwise still see the empty frame).
    inner = handle.content_frame()
    inner.wait_for_function("() => document.body !== null && document.body.innerText.trim() !== ''")
    return inner.locator("body").inner_text()


def test_mail_previews_are_filled_in_as_they_come_near(live_server, browser_page, wc_shop):
    page = browser_page
    page.goto(live_server + login_link(wc_shop))
    page.goto(live_server + "/admin/previews")
    # Far below the first screen, the last previews wait with their mail unparsed.
    last = page.locator('[data-mail-preview="referral-en"] iframe.mail')
    assert last.get_attribute("data-srcdoc") and last.get_attribute("srcdoc") is None
    subject = page.locator('[data-mail-preview="referral-en"] .hint strong').inner_text()
    assert subject in _mail_preview_is_shown(page, "referral", "en")
    assert last.get_attribute("data-srcdoc") is None


def test_shopify_mail_previews_are_filled_in_after_a_test_send(live_server, browser_page, shop):
    page = browser_page
    page.route("https://cdn.shopify.com/shopifycloud/app-bridge.js", lambda route: route.fulfill(
        content_type="text/javascript", body=APP_BRIDGE_STUB % json.dumps(id_token(lifetime=300))))
    page.route("https://cdn.shopify.com/shopifycloud/polaris.js",
               lambda route: route.fulfill(content_type="text/javascript", body=""))
    confirm_test_address(shop, "me@shop.example")
    page.goto(f"{live_server}/admin/previews?shop={SHOPIFY_DOMAIN}&host=YWRtaW4&embedded=1&locale=en"
              f"&id_token={id_token()}")
    page.select_option("#f-email", "me@shop.example")
    page.get_by_role("button", name="Send test mail").click()
    page.wait_for_selector("s-banner#admin-notice")  # the layout's fetch swapped the page's main
    assert "Test mail" in page.locator("s-banner#admin-notice").inner_text()
    subject = page.locator('[data-mail-preview="win_back-de"] .hint strong').inner_text()
    assert subject in _mail_preview_is_shown(page, "win_back", "de")
