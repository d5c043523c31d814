"""The test-address confirmation, as its reader meets it: the link from the real mail opened in
Chromium, the page asks (a scanner's GET confirms nothing), the button confirms."""
from __future__ import annotations

import pytest

from tests.security.test_test_sends import ADDRESS, add, link_in, row
from tests.support.browser import require_browser

require_browser()
pytestmark = pytest.mark.browser


def test_the_mailed_link_confirms_in_a_real_browser(live_server, browser_page, wc_admin, wc_shop, smtp_inbox):
    assert add(wc_admin).status_code == 200
    (confirmation,) = smtp_inbox
    page = browser_page
    errors: list[str] = []
    # Every response but the browser's own favicon probe (we serve none) must succeed.
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico") else None)
    page.goto(live_server + link_in(confirmation["mail"]))
    assert ADDRESS in page.inner_text("main") and row(wc_shop).confirmed_at is None
    page.get_by_role("button", name="Confirm test mails to this address").click()
    page.wait_for_selector("#confirmed")
    assert "may now send test mails" in page.inner_text("#confirmed")
    assert row(wc_shop).confirmed_at is not None and errors == []
