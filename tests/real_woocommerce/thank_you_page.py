"""Check: the store's thank-you page leads to our fragment showing the tracking number."""
from __future__ import annotations

import html
import re

import httpx

from tests.real_woocommerce.progress import Failed, note, step
from tests.real_woocommerce.settings import SITE, TRACKING_NUMBER


def thank_you_page(order: dict) -> str:
    step("order-received (thank-you) page as the guest: placeholder → our fragment")
    url = f"{SITE}/checkout/order-received/{order['id']}/?key={order['order_key']}"
    page = httpx.get(url, timeout=60)
    m = re.search(r'<div class="aftersales-block"[^>]*data-src="([^"]+)"', page.text)
    if page.status_code != 200 or not m:
        raise Failed(f"thank-you page HTTP {page.status_code}: no aftersales placeholder")
    script = "aftersales/assets/embed.js" in page.text
    note(f"thank-you page HTTP 200, placeholder present, embed script {'present' if script else 'MISSING'}")
    fragment = httpx.get(html.unescape(m.group(1)), headers={"Origin": SITE}, verify=False, timeout=30)
    note(f"fragment HTTP {fragment.status_code}, CORS {fragment.headers.get('Access-Control-Allow-Origin')}, "
         f"{len(fragment.text)} bytes")
    if fragment.status_code != 200 or TRACKING_NUMBER not in fragment.text:
        raise Failed(f"the fragment does not show {TRACKING_NUMBER}: {fragment.text[:300]!r}")
    if not script:
        raise Failed("the embed script is not on the thank-you page")
    note(f"the block shows tracking number {TRACKING_NUMBER}")
    return fragment.text
