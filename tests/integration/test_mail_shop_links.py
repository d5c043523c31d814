"""Mails that link to the shop itself (thank-you, anniversary, win-back, referral) link to its
storefront for both platforms: Shopify's domain is a bare host, WooCommerce's a full URL, and
neither may come out as `https://https://…`."""
from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest

from app.domain.followups.mail_kinds import KINDS
from app.domain.shop.storefront import storefront_url
from app.extensions import db
from app.mail.render import render_message
from app.models import MessageState, ScheduledMessage, Shop
from app.read_model.from_orm import message_view
from tests.support.click_links import target_of
from tests.support.factories import T0, add_parcel, make_order, set_module

SHOP_KINDS = ("thank_you", "anniversary", "win_back", "referral")
SHOPS = {"shopify": ("laden.myshopify.com", "https://laden.myshopify.com"),
         "woocommerce": ("https://laden.example", "https://laden.example"),
         "woocommerce-subdir": ("https://laden.example/shop", "https://laden.example/shop")}


class Hrefs(HTMLParser):
    def __init__(self, html: str) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.hrefs += [value for name, value in attrs if name == "href"]


def rendered(shop_key: str, kind: str, share_url=None):
    platform = shop_key.split("-")[0]
    shop = Shop(platform=platform, domain=SHOPS[shop_key][0], name="Laden", locale="de")
    db.session.add(shop)
    db.session.flush()
    order = make_order(shop)
    order.customer.marketing_consent = "granted"
    parcel = add_parcel(order, status="delivered", delivered_at=T0)
    set_module(shop, KINDS[kind].module, voucher_code="DANKE10", share_url=share_url)
    message = ScheduledMessage(shop_id=shop.id, order_id=order.id, customer_id=order.customer_id, kind=kind,
                               sequence=parcel.id, stream=KINDS[kind].stream, send_at=T0,
                               state=MessageState.SENDING)
    db.session.add(message)
    db.session.commit()
    return render_message(message_view(message))


@pytest.mark.parametrize("kind", SHOP_KINDS)
@pytest.mark.parametrize("shop_key", sorted(SHOPS))
def test_every_link_in_a_shop_mail_is_a_well_formed_address(app, shop_key, kind):
    mail = rendered(shop_key, kind)
    hrefs = Hrefs(mail.html).hrefs
    # The shop button, through the click redirect (referral: the fallback share link, direct).
    shop_link = SHOPS[shop_key][1] if kind == "referral" else next(h for h in hrefs if "/c/" in h)
    assert (shop_link if kind == "referral" else target_of(shop_link)) == SHOPS[shop_key][1]
    assert shop_link in hrefs
    assert f"{shop_link}\n" in mail.text or f"{shop_link} " in mail.text
    for href in hrefs:
        parts = urlsplit(href)
        assert parts.scheme in ("http", "https") and parts.netloc, href
        assert "://" not in href[len(parts.scheme) + 3:], href
    assert "https://https" not in mail.html and "https://https" not in mail.text


@pytest.mark.parametrize("share_url", ["javascript:alert(1)", "http://laden.example/share", " "])
def test_referral_without_a_safe_share_link_links_to_the_storefront(app, share_url):
    mail = rendered("woocommerce", "referral", share_url=share_url)
    assert "https://laden.example" in Hrefs(mail.html).hrefs
    assert share_url.strip() not in (mail.html + mail.text) or not share_url.strip()


@pytest.mark.parametrize("domain, url", [
    ("laden.myshopify.com", "https://laden.myshopify.com"),
    ("https://laden.example/", "https://laden.example"),
    ("http://localhost:8080", "http://localhost:8080"), ("", None), (None, None),
    ("javascript:alert(1)", None), ("laden.example/\tx", None),
])
def test_storefront_url_for_both_shapes_of_shop_domain(domain, url):
    assert storefront_url(domain) == url
