"""The block and the tracking page in headless Chromium: screenshots at desktop and mobile width,
German and English, kept under tests/artifacts/block/ and checked for what a buyer must see.

The block is the real thing: a shop page with the companion plugin's placeholder, whose own
embed.js fetches /embed/v1/order-status cross-origin from the app on a loopback port.
"""
from __future__ import annotations

import pytest

from tests.support.browser import ARTIFACTS, require_browser
from tests.support.buyer_pages import (
    BRANDING,
    NUMBERS,
    STATUS_WORDING,
    branded_shop,
    open_block_in_shop_page,
    open_tracking_page,
    shipped_order,
)

pytestmark = pytest.mark.browser
require_browser()
SHOTS = ARTIFACTS / "block"
WIDTHS = {"desktop": 1280, "mobile": 375}
OPEN = {"block": open_block_in_shop_page, "tracking-page": open_tracking_page}


@pytest.fixture
def order(app):
    return shipped_order(branded_shop())


def rgb(hex_colour: str) -> str:
    return "rgb({}, {}, {})".format(*(int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)))


@pytest.mark.parametrize("lang", ["de", "en"])
@pytest.mark.parametrize("surface", list(OPEN))
def test_a_buyer_sees_status_and_tracking_at_both_widths(live_server, browser_page, static_site, order,
                                                         surface,
                                                         lang):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = browser_page
    for device, width in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": 900})
        OPEN[surface](page, live_server, order, lang, static_site)
        block = page.locator(".as-block")
        assert block.get_attribute("lang") == lang
        for number in NUMBERS:
            assert page.get_by_text(number, exact=True).is_visible(), (device, number)
        assert page.locator(".as-status").inner_text() == STATUS_WORDING[lang]
        assert page.locator('[aria-current="step"]').is_visible()
        # Nothing wider than the screen: no sideways scrolling on a phone.
        widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert widths[0] <= widths[1], (device, widths)
        overflowing = page.evaluate("""() => [...document.querySelectorAll('.as-block *')]
            .filter(el => el.getBoundingClientRect().right > window.innerWidth + 0.5)
            .map(el => el.outerHTML.slice(0, 80))""")
        assert overflowing == [], (device, overflowing)
        # The merchant's pale yellow is used, with black text on it (white would be unreadable).
        button = page.locator(".as-button").first
        colours = button.evaluate("el => [getComputedStyle(el).backgroundColor, getComputedStyle(el).color]")
        assert colours == [rgb(BRANDING["primary_color"]), "rgb(0, 0, 0)"]
        path = SHOTS / f"{surface}-{lang}-{device}.png"
        page.screenshot(path=str(path), full_page=True)
        assert path.stat().st_size > 10_000
    print(f"screenshots: {SHOTS}")
