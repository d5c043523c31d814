"""Admin page speed in a real browser: LCP and CLS of each admin page, served by gunicorn.

Debian's chromium through Playwright (system browser); skipped with the reason when either
is missing. Plain http on loopback, a WooCommerce shop signed in by a one-use login link.
"""
from __future__ import annotations

import os
import time

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
PAGES = (("overview", "/admin/"), ("modules", "/admin/modules"), ("content", "/admin/content"),
         ("legal", "/admin/legal"), ("privacy", "/admin/privacy"), ("previews", "/admin/previews"),
         ("carriers", "/admin/carriers"), ("earnings", "/admin/earnings"), ("mail", "/admin/mail"))
# Largest paint and summed unexpected layout shifts, from the buffered performance entries.
VITALS_JS = """() => new Promise(resolve => {
  let lcp = 0, cls = 0;
  new PerformanceObserver(list => { for (const e of list.getEntries()) lcp = Math.max(lcp, e.startTime); })
    .observe({type: 'largest-contentful-paint', buffered: true});
  new PerformanceObserver(list => {
    for (const e of list.getEntries()) if (!e.hadRecentInput) cls += e.value;
  })
    .observe({type: 'layout-shift', buffered: true});
  setTimeout(() => resolve({lcp, cls}), 250);
})"""


def seed_admin_shop(env: dict[str, str]) -> tuple[str, str]:
    """A WooCommerce shop to sign in to; returns (shop key, its secret)."""
    from app import create_app
    from app.extensions import db
    from app.models import Shop

    app = create_app()
    with app.app_context():
        shop = Shop(platform="woocommerce", domain="https://bench-laden.example", name="Bench-Laden",
                    api_key="ck_bench", api_secret="cs_bench", webhook_secret="whsec_bench", locale="de")
        db.session.add(shop)
        db.session.commit()
        return shop.shop_key, "whsec_bench"


def run(base: str, shop_key: str, secret: str) -> dict:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return {"skipped": "playwright is not installed"}
    if not os.access(CHROMIUM, os.X_OK):
        return {"skipped": f"{CHROMIUM} is missing (make browser-deps)"}
    from app.links.admin_login import sign_login_token

    figures: dict = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(f"{base}/admin/login?token={sign_login_token(shop_key, secret, 1, time.time())}")
        for name, path in PAGES:
            page.goto(base + path, wait_until="load")
            vitals = page.evaluate(VITALS_JS)
            figures[name] = {"lcp_ms": round(vitals["lcp"], 1), "cls": round(vitals["cls"], 4)}
        browser.close()
    return figures
