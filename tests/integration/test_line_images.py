"""The product's picture beside what travels in each parcel, where the platform names one:
WooCommerce order lines carry `image.src` (empty when the product has none), Shopify's
GraphQL lines `image.url`; Shopify's REST webhooks carry none, so a later webhook keeps the
picture reconciliation brought. Only https pictures are kept (the buyer pages' CSP allows
images from https: only)."""
from __future__ import annotations

import json
import re
from datetime import datetime, timezone

from sqlalchemy import select

from app.domain.orders.events import apply_events
from app.extensions import db
from app.links.tracking_page import tracking_token
from app.models import Order, OrderLine, Shop
from connectors.shopify.graphql_mapping import order_from_graphql
from connectors.shopify.mapping import parse_webhook
from connectors.woocommerce.mapping import line_item
from tests.integration.test_woocommerce_webhooks import SECRET, wc_headers
from tests.support.factories import add_parcel, make_order
from tests.support.fakes.shopify_orders import graphql_fulfillment, graphql_order
from tests.support.payload_files import load_payload

PICTURE = "https://laden.example/wp-content/uploads/2026/11/filterkaffee-300x300.jpg"
NOW = datetime(2026, 11, 23, 12, tzinfo=timezone.utc)


def _woocommerce_body(src: str) -> bytes:
    """The recorded WooCommerce 10.0.2 completed order with tracking, its line's picture set."""
    order = json.loads(load_payload("woocommerce/order_completed_tracking.json"))
    for item in order["line_items"]:
        item["image"] = {"id": 31, "src": src}
    return json.dumps(order).encode()


def test_the_woocommerce_line_picture_reaches_the_tracking_page(app, client, run_jobs):
    shop = Shop(platform="woocommerce", domain="https://laden.example", name="Laden", api_key="ck_test",
                api_secret="cs_test", webhook_secret=SECRET, locale="de")
    db.session.add(shop)
    db.session.commit()
    body = _woocommerce_body(PICTURE)
    response = client.post(f"/webhooks/woocommerce/{shop.shop_key}", data=body, headers=wc_headers(body))
    assert response.status_code == 200
    run_jobs()
    order = db.session.scalars(select(Order)).one()
    assert {line.image_url for line in order.lines} == {PICTURE}
    assert len(order.shipments) == 1 and not order.shipments[0].line_items  # WooCommerce names no lines
    page = client.get(f"/t/{tracking_token(order)}")
    thumbs = re.findall(r'<img class="as-thumb" src="([^"]+)" alt=""', page.get_data(as_text=True))
    assert thumbs and set(thumbs) == {PICTURE}
    assert "img-src 'self' https:" in page.headers["Content-Security-Policy"]
    facts = client.get(f"/t/{tracking_token(order)}.json").get_json()
    assert {item["image_url"] for p in facts["modules"]["tracking"]["parcels"] for item
            in p["contents"]} == {PICTURE}


def test_an_empty_or_plain_http_woocommerce_picture_is_none():
    recorded = json.loads(load_payload("woocommerce/recorded/01_order.created.json"))["line_items"][0]
    assert recorded["image"] == {"id": "", "src": ""}  # a product without a picture, as sent
    assert line_item(recorded).image_url is None
    assert line_item({**recorded, "image": {"id": 3, "src": "http://laden.example/a.jpg"}}).image_url is None
    assert line_item({**recorded, "image": {"id": 3, "src": "javascript:alert(1)"}}).image_url is None
    assert line_item({**recorded, "image": {"id": 3, "src": PICTURE}}).image_url == PICTURE


def test_a_shopify_rest_webhook_keeps_the_picture_reconciliation_brought(app, shop):
    node = graphql_order(820982911946154508, "2026-11-21T08:00:00Z", fulfillment_status="FULFILLED",
                         fulfillments=[graphql_fulfillment(255858046)])
    reconciled = order_from_graphql(node)
    [line] = reconciled.lines
    assert line.image_url == node["lineItems"]["nodes"][0]["image"]["url"]
    apply_events(db.session, [(shop, reconciled)], NOW)  # as reconciliation applies a page
    db.session.commit()
    order = db.session.scalars(select(Order)
                               .where(Order.platform_order_id == reconciled.platform_order_id)).one()
    # The same order as Shopify's orders/updated webhook sends it: its lines name no picture.
    webhook = json.loads(load_payload("shopify/orders_updated.json"))
    webhook.update(id=820982911946154508, updated_at="2026-11-22T08:00:00Z")
    webhook["line_items"] = [{**webhook["line_items"][0], "id": 466157049}]
    event = parse_webhook("orders/updated", json.dumps(webhook).encode())
    assert event.lines[0].image_url is None
    apply_events(db.session, [(shop, event)], NOW)
    db.session.commit()
    stored = db.session.scalars(select(OrderLine).where(OrderLine.order_id == order.id)).one()
    assert stored.image_url == line.image_url


def test_a_shopify_line_without_a_picture_has_none():
    node = graphql_order(1, "2026-11-21T08:00:00Z", image_url=None)
    assert order_from_graphql(node).lines[0].image_url is None


def test_parcels_that_name_no_lines_list_contents_only_when_one_carries_the_whole_order(app, client, shop):
    order = make_order(shop, lines=(("l1", 2), ("l2", 1)), status="shipped")
    order.fulfillment_status = "fulfilled"
    add_parcel(order, line_items=())
    db.session.commit()
    [parcel] = client.get(f"/t/{tracking_token(order)}.json").get_json()["modules"]["tracking"]["parcels"]
    assert [(i["title"], i["quantity"]) for i in parcel["contents"]] == [("Item l1", 2), ("Item l2", 1)]
    add_parcel(
        order, tracking_number="00340434161094042558", fulfillment_id="f2", line_items=()
    )  # two parcels: which holds what is unknown
    db.session.commit()
    parcels = client.get(f"/t/{tracking_token(order)}.json").get_json()["modules"]["tracking"]["parcels"]
    assert [p["contents"] for p in parcels] == [[], []]
