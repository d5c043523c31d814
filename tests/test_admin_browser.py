"""The admin in a real browser: sign in by link, switch a module off, measure LCP and CLS.

Drives Debian's chromium through Playwright (`make browser-deps` installs it); skipped with
the reason when either is missing. Screenshots and the measured figures land in tests/artifacts/.
"""
from __future__ import annotations

import json

import pytest

from tests.admin_sessions import login_link
from tests.bench.admin_vitals import PAGES, VITALS_JS
from tests.browser import ARTIFACTS, require_browser
from tests.conftest import make_config

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
