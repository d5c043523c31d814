"""Checks in headless Chromium, as the buyer and the merchant meet the real store: the thank-you
page draws our block through the plugin's embed script; Settings → Aftersales shows the
connection's health as the app words it; "Open Aftersales" opens our admin, signed in, in a new
tab; a setting saved there reaches the buyer's block."""
from __future__ import annotations

import os
import re

from tests.real_woocommerce.progress import Failed, note, step
from tests.real_woocommerce.settings import ADMIN, SITE, TRACKING_NUMBER, WORKDIR

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
SHOTS = WORKDIR / "out" / "screenshots"


def in_chromium(order: dict, change_setting) -> None:
    """`change_setting(admin_page)`: on our admin (a Playwright page, signed in), change one
    setting and save; returns the text the buyer's block must then show."""
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            context = browser.new_context(ignore_https_errors=True, viewport={"width": 1280, "height": 900})
            buyer = context.new_page()
            _thank_you_block(buyer, order)
            admin = _open_aftersales(context.new_page())
            expected = change_setting(admin)
            admin.screenshot(path=str(SHOTS / "our-admin-after-save.png"), full_page=True)
            shown = _thank_you_block(buyer, order)
            if expected not in shown:
                raise Failed(f"after saving in our admin the buyer's block does not show {expected!r}: "
                             f"{shown[:300]!r}")
            note(f"the setting saved in our admin shows on the thank-you page: {expected!r}")
        finally:
            browser.close()


def _thank_you_block(page, order: dict) -> str:
    step("Chromium: the thank-you page, our block drawn by the plugin's embed script")
    page.goto(f"{SITE}/checkout/order-received/{order['id']}/?key={order['order_key']}")
    block = page.locator(".aftersales-block")
    try:
        block.get_by_text(TRACKING_NUMBER).first.wait_for(timeout=30_000)
    except Exception as exc:  # Playwright's timeout names nothing useful here
        page.screenshot(path=str(SHOTS / "thank-you-failed.png"), full_page=True)
        raise Failed(f"the block on the thank-you page never showed {TRACKING_NUMBER}: {exc}") from None
    page.screenshot(path=str(SHOTS / "thank-you.png"), full_page=True)
    text = block.inner_text()
    note(f"block drawn ({len(text)} characters of text), tracking number shown")
    return text


def _open_aftersales(page):
    step("Chromium: wp-admin → Settings → Aftersales: the connection's health; Open Aftersales")
    page.goto(f"{SITE}/wp-login.php")
    page.fill("#user_login", ADMIN[0])
    page.fill("#user_pass", ADMIN[1])
    page.click("#wp-submit")
    page.wait_for_url(re.compile(r"/wp-admin/"))
    for _ in range(2):  # WooCommerce's one-time onboarding redirect on the first wp-admin visit
        page.goto(f"{SITE}/wp-admin/options-general.php?page=aftersales")
        if "page=aftersales" in page.url:
            break
    health = page.locator(".notice[data-health]")
    if health.count() != 1:
        page.screenshot(path=str(SHOTS / "wp-settings-failed.png"), full_page=True)
        raise Failed("Settings → Aftersales shows no connection health")
    family, words = health.get_attribute("data-health"), health.inner_text().strip()
    page.screenshot(path=str(SHOTS / "wp-settings.png"), full_page=True)
    note(f"health {family!r}: {words.splitlines()[0]!r}")
    if family not in ("ok", "connected", "healed", "none"):
        raise Failed(f"a freshly connected store should be healthy, the page says {family!r}: {words!r}")
    with page.context.expect_page() as opened:
        page.get_by_role("button", name=re.compile("Open Aftersales|Aftersales öffnen")).click()
    admin = opened.value
    admin.wait_for_load_state()
    if not re.search(r"/admin/?$", admin.url.split("?")[0]) or admin.locator("main#main").count() != 1:
        raise Failed(f"Open Aftersales did not land in our admin: {admin.url}")
    note(f"Open Aftersales → {admin.url} (signed in, new tab)")
    return admin


FAQ_QUESTION = "Wie pflege ich das Leinen?"


def add_faq_entry(admin) -> str:
    """Modules → FAQ on; Content → a new FAQ entry shown always, seen in the live preview before
    it is saved; the question is what the buyer's block must then show."""
    step("Chromium, our admin: switch the FAQ module on and add an entry")
    base = admin.url.split("/admin/")[0]
    admin.goto(f"{base}/admin/modules")
    faq = admin.locator("#module-faq")
    faq.locator("input[name=enabled]").check()
    faq.locator("button[type=submit]").click()
    admin.wait_for_load_state()
    admin.goto(f"{base}/admin/content")
    entry = admin.locator("#faq-new")
    preview = admin.locator('[data-live-form="faq-new"]')
    preview.locator("summary").click()  # the live preview of the unsaved entry
    for lang in ("de", "en"):
        entry.locator(f"#f-faq-new-question_{lang}").fill(FAQ_QUESTION)
        entry.locator(f"#f-faq-new-answer_{lang}").fill("Bei 40 Grad waschen, nicht in den Trockner.")
    entry.locator("#f-faq-new-show-always").check()
    try:
        preview.locator('[data-preview-status="ok"]').get_by_text(FAQ_QUESTION).first.wait_for(timeout=15_000)
    except Exception as exc:
        admin.screenshot(path=str(SHOTS / "our-admin-preview-failed.png"), full_page=True)
        raise Failed(f"the live preview never showed the unsaved FAQ entry: {exc}") from None
    admin.screenshot(path=str(SHOTS / "our-admin-faq-preview.png"), full_page=True)
    note("the live preview shows the entry before it is saved")
    entry.locator("button[type=submit]").click()
    admin.wait_for_load_state()
    if FAQ_QUESTION not in admin.content():
        admin.screenshot(path=str(SHOTS / "our-admin-faq-failed.png"), full_page=True)
        raise Failed("the FAQ entry was not saved in our admin")
    note("FAQ module on, entry saved")
    return FAQ_QUESTION
