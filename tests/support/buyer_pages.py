"""What a buyer's browser opens, for the screenshot and accessibility tests.

A shop with poor brand colours on purpose (a pale yellow main colour, a pale blue accent:
white text or links in them would be unreadable), an order underway in two parcels and a
delivered one, every block module on, and a WooCommerce-like shop page whose placeholder the
companion plugin's own embed.js fills from /embed/v1/order-status.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlencode

from app.extensions import db
from app.links.tracking_page import tracking_token
from app.models import Shop, TrackingEvent
from tests.support.factories import add_parcel, make_order, set_module

EMBED_JS = Path(__file__).resolve().parents[2] / "theme_blocks/woocommerce/aftersales/assets/embed.js"
LOGO_ORIGIN = "https://laden.example"  # answered by Playwright, never the network
BRANDING = {"primary_color": "#ffe600", "accent_color": "#7dd3fc", "logo_url": "https://laden.example/logo.png"}
NUMBERS = ("00340434161094042557", "01234567890123")
STATUS_WORDING = {"de": "Teilweise versandt", "en": "Partly shipped"}
HOST_TITLE = {"de": "Bestellung erhalten", "en": "Order received"}


def branded_shop() -> Shop:
    shop = Shop(platform="woocommerce", domain="https://laden.example", name="Laden am Markt", locale="de",
                webhook_secret="wc-secret", branding=dict(BRANDING))
    db.session.add(shop)
    db.session.flush()
    set_module(shop, "faq", entries=[
        {"id": "f1", "question": {"de": "Wann kommt mein Paket?", "en": "When will my parcel arrive?"},
         "answer": {"de": "Meist nach 1-2 Werktagen.", "en": "Usually after 1-2 business days."},
         "scope": "all", "show": "always"}])
    set_module(shop, "social", instagram="https://instagram.com/laden", newsletter_url="https://laden.example/news")
    set_module(shop, "banner", title={"de": "Herbstaktion", "en": "Autumn sale"}, text={"de": "Neu im Laden.",
               "en": "New in the shop."}, url="https://laden.example/sale", discount_code="HERBST10", show="always")
    set_module(shop, "review_prompt", url="https://laden.example/reviews")
    db.session.commit()
    return shop


def shipped_order(shop: Shop):
    """Placed an hour ago; two of three lines left in two parcels, one of them out for delivery."""
    now = datetime.now(timezone.utc)
    order = make_order(shop, platform_order_id="5005", status="partially_shipped", shipping_country="DE",
                       placed_at=now - timedelta(hours=20),
                       lines=(("l1", 1, "11"), ("l2", 1, "12"), ("l3", 1, "13")))
    order.name = "#5005"
    first = add_parcel(order, tracking_number=NUMBERS[0], carrier="DHL", line_items=(("l1", 1),),
                       shipped_at=now - timedelta(hours=5))
    first.events.append(TrackingEvent(status="in_transit", happened_at=now - timedelta(hours=1),
                                      location="Leipzig", source="test"))
    add_parcel(order, tracking_number=NUMBERS[1], carrier="DPD", fulfillment_id="f2", line_items=(("l2", 1),),
               status="info_received", shipped_at=now - timedelta(hours=2))
    db.session.commit()
    return order


def delivered_order(shop: Shop):
    now = datetime.now(timezone.utc)
    order = make_order(shop, platform_order_id="5006", status="delivered", shipping_country="DE",
                       placed_at=now - timedelta(days=3), lines=(("l1", 1, "11"),))
    order.name = "#5006"
    add_parcel(order, status="delivered", tracking_number=NUMBERS[0], shipped_at=now - timedelta(days=2),
               delivered_at=now - timedelta(hours=3))
    db.session.commit()
    return order


def host_page_html(shop_origin: str, fragment_url: str, lang: str) -> str:
    """The shop's thank-you page as the companion plugin prints it (placeholder + async script)."""
    return f"""<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{HOST_TITLE[lang]} · Laden am Markt</title>
<style>body{{font-family:Georgia,serif;margin:0;color:#222}}header,main{{max-width:960px;margin:0 auto;padding:12px 16px}}</style>
</head><body>
<header><a href="{shop_origin}/">Laden am Markt</a></header>
<main><h1>{HOST_TITLE[lang]}</h1><p>#5005</p>
<div class="aftersales-block" data-aftersales-block data-src="{fragment_url}" aria-live="polite"></div>
</main>
<script src="{shop_origin}/wp-content/plugins/aftersales/assets/embed.js" async></script>
</body></html>"""


def open_block_in_shop_page(page, server: str, order, lang: str, shop_site) -> None:
    """Open the shop's thank-you page and wait until embed.js has put our fragment in.

    The shop page lives on another origin (`shop_site`, tests/support/browser.py) than the app, so
    the fragment really is fetched cross-origin under our CORS headers.
    """
    fragment_url = f"{server}/embed/v1/order-status?{urlencode({'token': tracking_token(order), 'locale': lang})}"
    shop_site.pages["/wp-content/plugins/aftersales/assets/embed.js"] = ("application/javascript",
                                                                         EMBED_JS.read_text())
    shop_site.pages["/checkout/order-received/5005/"] = ("text/html; charset=utf-8",
                                                          host_page_html(shop_site.origin, fragment_url, lang))
    page.goto(f"{shop_site.origin}/checkout/order-received/5005/")
    page.wait_for_selector("[data-aftersales-loaded] .as-block", timeout=10_000)


def open_tracking_page(page, server: str, order, lang: str, shop_site=None) -> None:
    page.route(f"{LOGO_ORIGIN}/**", lambda route: route.fulfill(status=404))
    page.goto(f"{server}/t/{tracking_token(order)}?locale={lang}")
