"""The Mail page in headless Chromium over a seeded mail history: no console error, both
charts drawn and named, the period switch working, and axe finding nothing."""
from __future__ import annotations

import random
from datetime import datetime, timezone

import pytest

from tests.integration.test_admin_mail_outcomes import _seed
from tests.support.admin_sessions import login_link
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


def test_mail_page_renders_cleanly_and_passes_axe(live_server, browser_page, wc_shop):
    _seed(wc_shop, datetime.now(timezone.utc), random.Random(20))
    page, problems = browser_page, []
    page.goto(live_server + login_link(wc_shop))
    page.on("console", lambda message: problems.append(message.text) if message.type == "error"
            and not message.location.get("url", "").endswith("/favicon.ico") else None)  # we serve none
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(live_server + "/admin/mail")
    outcomes = page.get_by_role("img", name="Mails sent, skipped and bounced per week")
    assert outcomes.count() == 1 and outcomes.bounding_box()["height"] > 150
    assert page.locator("#outcomes-title").text_content() == "Mails sent, skipped and bounced per week"
    scores = page.get_by_role("img", name="Survey answers per score, 0 to 10")
    assert scores.count() == 1 and scores.bounding_box()["height"] > 150
    assert page.locator("svg.chart rect").count() == 11  # one bar per score
    assert page.locator("#weekly-table tbody tr").count() == 13
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "admin-mail.png"), full_page=True)
    assert_accessible(page, "admin-mail")
    with page.expect_navigation():
        page.get_by_role("link", name="Last 4 weeks").click()
    assert page.locator('a[aria-current="page"]', has_text="Last 4 weeks").count() == 1
    assert page.locator("#weekly-table tbody tr").count() == 4
    assert problems == []
