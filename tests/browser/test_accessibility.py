"""Accessibility of what buyers open, checked by axe-core inside headless Chromium.

axe (tests/a11y, `make a11y-deps`) runs its WCAG 2.1 A/AA and best-practice rules on the
rendered pages: landmarks and heading order, a label for every form control, alt text, the
lang attribute, link names, and colour contrast computed in the browser from the styles the
page really has. The shop's brand colours are a pale yellow and a pale blue on purpose
(tests/support/buyer_pages.py): white text on them would fail, so the pages must pick readable text.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.links.unsubscribe import unsubscribe_token
from tests.support.browser import ARTIFACTS, require_browser
from tests.support.buyer_pages import (
    branded_shop,
    delivered_order,
    open_block_in_shop_page,
    open_tracking_page,
    shipped_order,
)

pytestmark = pytest.mark.browser
require_browser()
AXE = Path(__file__).parents[1] / "a11y/node_modules/axe-core/axe.min.js"
if not AXE.is_file():
    pytest.skip(f"{AXE} is missing: run `make a11y-deps` (npm ci in tests/a11y)", allow_module_level=True)
RULES = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
# Rules that must have looked at something on every page, so a pass is not an empty pass.
ALWAYS_APPLIED = {"html-has-lang", "landmark-one-main", "color-contrast", "document-title"}


def axe(page) -> dict:
    """Run axe on the open page; {"violations": [...], "applied": {rule ids that found elements}}."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("""async (tags) => {
        const r = await axe.run(document, {runOnly: {type: 'tag', values: tags},
                                           resultTypes: ['violations']});
        return {violations: r.violations.map(v => ({id: v.id, help: v.help,
                    nodes: v.nodes.map(n => [n.target.join(' '), n.failureSummary])})),
                applied: [...r.passes, ...r.violations, ...r.incomplete].map(x => x.id)};
    }""", RULES)
    return {"violations": result["violations"], "applied": set(result["applied"])}


def assert_accessible(page, name: str) -> None:
    report = axe(page)
    (ARTIFACTS / "a11y").mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "a11y" / f"{name}.json").write_text(json.dumps(report["violations"], indent=2))
    assert report["violations"] == [], json.dumps(report["violations"], indent=2)
    assert ALWAYS_APPLIED <= report["applied"], ALWAYS_APPLIED - report["applied"]


@pytest.fixture
def browser_page(chromium):
    """axe is injected as a script tag, which the buyer pages' policy refuses: it is our tool, not page
    content.
    """
    return chromium.new_page(viewport={"width": 1280, "height": 900}, bypass_csp=True)


@pytest.fixture
def shop(app):
    return branded_shop()


@pytest.mark.parametrize("lang", ["de", "en"])
@pytest.mark.parametrize("state", ["shipped", "delivered"])
def test_block_in_a_shop_page_and_tracking_page(live_server, browser_page, static_site, shop, state, lang):
    order = shipped_order(shop) if state == "shipped" else delivered_order(shop)
    for width in (1280, 375):
        browser_page.set_viewport_size({"width": width, "height": 900})
        open_block_in_shop_page(browser_page, live_server, order, lang, static_site)
        assert_accessible(browser_page, f"block-{state}-{lang}-{width}")
        open_tracking_page(browser_page, live_server, order, lang)
        assert browser_page.locator("h1").inner_text().endswith(order.name)
        assert browser_page.locator("header img").get_attribute("alt") == "Laden am Markt"
        assert_accessible(browser_page, f"tracking-page-{state}-{lang}-{width}")


def test_lookup_page_with_and_without_its_error_message(live_server, browser_page, shop):
    page = browser_page
    page.goto(f"{live_server}/s/{shop.shop_key}/track")
    assert_accessible(page, "lookup")
    page.fill("#number", "9999")
    page.fill("#email", "nobody@example.com")
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert page.locator("[role=alert]").is_visible()
    assert_accessible(page, "lookup-miss")


def test_unsubscribe_pages(live_server, browser_page, shop):
    page = browser_page
    page.goto(f"{live_server}/u/{unsubscribe_token(shop.id, 'kundin@example.com', None)}")
    assert_accessible(page, "unsubscribe-ask")
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert page.locator("#done").is_visible()
    assert_accessible(page, "unsubscribe-done")


def test_axe_finds_unreadable_text_and_a_missing_label(browser_page):
    """The check itself bites: white on the merchant's yellow and an unlabelled field fail."""
    browser_page.set_content("""<!doctype html><html lang="en"><title>t</title><body><main><h1>x</h1>
        <a href="/x" style="background:#ffe600;color:#ffffff;padding:8px">Learn more</a>
        <form><input name="email"></form></main></body></html>""")
    found = {v["id"] for v in axe(browser_page)["violations"]}
    assert {"color-contrast", "label"} <= found
