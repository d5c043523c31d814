"""Shopify payloads → normalised events, literal expectations (webhook and GraphQL shapes)."""
import json
import logging
from datetime import datetime, timezone
from decimal import Decimal

import pytest

from connectors.base import IgnoredEvent, MalformedPayload, ShipmentStatus
from connectors.shopify.graphql_mapping import order_from_graphql
from connectors.shopify.mapping import parse_webhook
from tests.support.fakes.shopify_orders import graphql_fulfillment, graphql_order


def parse(topic, payload):
    return parse_webhook(topic, json.dumps(payload).encode())


ORDER = {
    "id": 820982911946154508, "name": "#9999", "email": "jon@example.com", "currency": "JPY",
    "total_price": "1500", "financial_status": "paid", "fulfillment_status": None,
    "created_at": "2026-11-20T10:00:00-05:00", "updated_at": "2026-11-20T10:05:00-05:00",
    "cancelled_at": None, "customer_locale": "de-AT",
    "customer": {"id": 115310627314723954, "email": "jon@example.com",
                 "email_marketing_consent": {"state": "subscribed", "opt_in_level": "single_opt_in"}},
    "shipping_address": {"country_code": "AT"},
    "line_items": [
        {"id": 866550311766439020, "product_id": None, "variant_id": None, "title": "Custom engraving",
         "quantity": 1, "price": "500", "sku": ""},
        {"id": 141249953214522974, "product_id": 632910392, "variant_id": 808950810,
         "title": "IPod Nano - 8GB",
         "quantity": 2, "price": "500", "sku": "IPOD2008PINK"},
    ],
    "fulfillments": [],
}


def test_order_maps_exactly_with_big_ids_zero_decimal_currency_and_productless_lines():
    event = parse("orders/create", ORDER)
    assert event.platform_order_id == "820982911946154508"
    assert event.total_price == Decimal("1500") and event.currency == "JPY"
    assert event.placed_at == datetime(2026, 11, 20, 15, 0, tzinfo=timezone.utc)
    assert (event.email, event.locale, event.shipping_country, event.marketing_consent) == (
        "jon@example.com", "de-AT", "AT", True)
    assert event.platform_customer_id == "115310627314723954"
    assert [(li.platform_line_id, li.product_id, li.quantity) for li in event.lines] == [
        ("866550311766439020", None, 1), ("141249953214522974", "632910392", 2)]


@pytest.mark.parametrize("topic", ["orders/updated", "orders/paid", "orders/cancelled", "orders/fulfilled",
                                   "orders/partially_fulfilled"])
def test_every_order_topic_maps_to_an_order_event(topic):
    assert parse(topic, ORDER).platform_order_id == "820982911946154508"


def test_a_float_id_is_refused_not_rounded():
    with pytest.raises(MalformedPayload):
        parse("orders/create", dict(ORDER, id=8.209829119461545e17))


def test_fulfillment_with_two_tracking_numbers_is_two_parcels():
    event = parse("fulfillments/create", {
        "id": 255858046, "order_id": 820982911946154508, "status": "success", "shipment_status": "in_transit",
        "created_at": "2026-11-21T08:00:00+01:00", "updated_at": "2026-11-21T08:00:00+01:00",
        "tracking_company": "DHL", "tracking_number": "00340434161094042557",
        "tracking_numbers": ["00340434161094042557", "00340434161094042564"],
        "tracking_urls": [
            "https://nolp.dhl.de/nextt-online-public/set_identcodes.do?idc=00340434161094042557",
            "https://nolp.dhl.de/nextt-online-public/set_identcodes.do?idc=00340434161094042564"],
        "line_items": [{"id": 141249953214522974, "quantity": 2}],
    })
    assert event.status == ShipmentStatus.IN_TRANSIT
    assert [p.tracking_number for p in event.parcels] == ["00340434161094042557", "00340434161094042564"]
    assert event.parcels[1].tracking_url.endswith("00340434161094042564")
    assert event.line_items == (("141249953214522974", 2),)


def test_unknown_shipment_status_maps_to_unknown_and_is_logged_once(caplog):
    payload = {"id": 1, "order_id": 2, "status": "success", "shipment_status": "teleported",
               "tracking_numbers": ["X1"]}
    with caplog.at_level(logging.WARNING):
        assert parse("fulfillments/update", payload).status == ShipmentStatus.UNKNOWN
        assert parse("fulfillments/update", payload).status == ShipmentStatus.UNKNOWN
    assert caplog.text.count("teleported") == 1


def test_fulfillment_event_becomes_a_tracking_update():
    event = parse("fulfillment_events/create", {
        "id": 944956395, "fulfillment_id": 255858046, "status": "out_for_delivery",
        "message": "Zustellung heute", "happened_at": "2026-11-22T07:12:00+01:00", "city": "Berlin",
        "country": "Germany", "estimated_delivery_at": "2026-11-22T18:00:00+01:00",
        "order_id": 820982911946154508, "shop_id": 548380009})
    assert (event.platform_order_id, event.platform_fulfillment_id) == ("820982911946154508", "255858046")
    assert event.status == ShipmentStatus.OUT_FOR_DELIVERY and event.location == "Berlin, Germany"
    assert event.happened_at == datetime(2026, 11, 22, 6, 12, tzinfo=timezone.utc)


def test_refund_lists_lines_and_whether_goods_came_back():
    event = parse("refunds/create", {
        "id": 929361464, "order_id": 820982911946154508, "created_at": "2026-11-25T10:00:00-05:00",
        "refund_line_items": [{"id": 1, "line_item_id": 141249953214522974, "quantity": 2,
                               "restock_type": "return"}], "transactions": []})
    assert event.line_items == (("141249953214522974", 2),) and event.returned


def test_compliance_and_lifecycle_topics():
    redact = parse("customers/redact", {"shop_id": 954889, "shop_domain": "x.myshopify.com",
                                        "customer": {"id": 191167, "email": "john@example.com"},
                                        "orders_to_redact": [299938, 280263]})
    assert (redact.kind, redact.customer_email, redact.platform_order_ids) == (
        "customer_redact", "john@example.com", ("299938", "280263"))
    request = parse("customers/data_request", {"shop_id": 954889, "shop_domain": "x.myshopify.com",
                                               "orders_requested": [299938],
                                               "customer": {"id": 1, "email": "a@b.c"},
                                               "data_request": {"id": 9999}})
    assert (request.kind, request.request_id) == ("data_request", "9999")
    assert parse("shop/redact", {"shop_id": 954889, "shop_domain": "x.myshopify.com"}).kind == "shop_redact"
    assert parse("app/scopes_update", {"id": 1, "previous": ["read_orders"],
                                       "current": ["read_orders", "read_products"]}).scopes == (
        "read_orders", "read_products")
    assert isinstance(parse("products/update", {"id": 1}), IgnoredEvent)


def test_graphql_order_with_uppercase_enums_maps_like_the_webhook():
    node = graphql_order(820982911946154508, "2026-11-21T08:00:00Z", fulfillment_status="FULFILLED",
                         fulfillments=[graphql_fulfillment(255858046, "OUT_FOR_DELIVERY",
                                                           estimated="2026-11-22T17:00:00Z")])
    event = order_from_graphql(node)
    assert (event.platform_order_id, event.financial_status, event.fulfillment_status) == (
        "820982911946154508", "paid", "fulfilled")
    fulfillment = event.fulfillments[0]
    assert (fulfillment.platform_fulfillment_id, fulfillment.status) == ("255858046",
                                                                         ShipmentStatus.OUT_FOR_DELIVERY)
    assert fulfillment.estimated_delivery_at == datetime(2026, 11, 22, 17, tzinfo=timezone.utc)
    assert fulfillment.line_items == (("466157049", 1),)
    assert event.marketing_consent is False


@pytest.mark.parametrize("display,expected", [
    ("LABEL_PRINTED", ShipmentStatus.INFO_RECEIVED),
    ("READY_FOR_PICKUP", ShipmentStatus.AVAILABLE_FOR_PICKUP),
    ("ATTEMPTED_DELIVERY", ShipmentStatus.ATTEMPT_FAILED), ("DELAYED", ShipmentStatus.DELAYED),
    ("DELIVERED", ShipmentStatus.DELIVERED), ("CANCELED", ShipmentStatus.CANCELLED),
    ("SOMETHING_NEW_IN_2027", ShipmentStatus.UNKNOWN),
])
def test_graphql_display_statuses(display, expected):
    node = graphql_order(1, "2026-11-21T08:00:00Z", fulfillments=[graphql_fulfillment(2, display)])
    assert order_from_graphql(node).fulfillments[0].status == expected


def test_every_topic_the_app_subscribes_to_is_mapped_not_ignored():
    """shopify.app.toml and the mapping must not drift apart: no subscribed topic is dropped."""
    import tomllib
    from pathlib import Path

    from connectors.shopify.mapping import FULFILLMENT_TOPICS, LIFECYCLE_TOPICS, ORDER_TOPICS

    toml = tomllib.loads((Path(__file__).parents[2] / "theme_blocks/shopify/shopify.app.toml").read_text())
    subscribed = {topic for sub in toml["webhooks"]["subscriptions"]
                  for topic in sub.get("topics", []) + sub.get("compliance_topics", [])}
    mapped = {*ORDER_TOPICS, *FULFILLMENT_TOPICS, *LIFECYCLE_TOPICS, "fulfillment_events/create",
              "refunds/create"}
    assert len(subscribed) == 15
    assert subscribed <= mapped, sorted(subscribed - mapped)
