"""The Carriers page in headless Chromium over a seeded shop history: no console error, the
chart drawn, the period switch working, and axe finding nothing (tests/browser/test_accessibility.py)."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from tests.support.admin_sessions import login_link
from tests.support.analytics_history import generate, seed_history
from tests.support.app_config import make_config
from tests.support.browser import ARTIFACTS, require_browser

pytestmark = pytest.mark.browser
require_browser()
# (skips with this module when axe is missing)
from tests.browser.test_accessibility import assert_accessible  # noqa: E402


@pytest.fixture
def config(database_url, redis_url, encryption_key, live_port):
    # Plain http locally: the session cookie falls back to SameSite=Lax without Secure.
    return make_config(database_url, redis_url, encryption_key, APP_URL=f"http://127.0.0.1:{live_port}")


def test_carriers_page_renders_cleanly_and_passes_axe(live_server, browser_page, wc_shop):
    seed_history(wc_shop, generate(datetime.now(timezone.utc), orders=1500))
    page, problems = browser_page, []
    page.goto(live_server + login_link(wc_shop))
    page.on("console", lambda message: problems.append(message.text) if message.type == "error"
            and not message.location.get("url", "").endswith("/favicon.ico") else None)  # we serve none
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(live_server + "/admin/carriers")
    assert page.locator("#carrier-table tbody tr").count() == 7
    chart = page.get_by_role("img", name="Median transit per week, in business days")
    assert chart.count() == 1 and chart.bounding_box()["height"] > 150
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "admin-carriers.png"), full_page=True)
    assert_accessible(page, "admin-carriers")
    with page.expect_navigation():
        page.get_by_role("link", name="Last 30 days").click()
    assert page.locator('a[aria-current="page"]', has_text="Last 30 days").count() == 1
    assert problems == []
