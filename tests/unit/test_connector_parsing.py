"""The connector battery's parsing: every platform connector maps an order with ids that
survive exactly, an unknown status to UNKNOWN, a malformed body to MalformedPayload and an
unused topic to an IgnoredEvent with its reason; its storefront links start at the
storefront. Each test runs once per platform (tests/support/connector_platforms.py)."""
from __future__ import annotations

import json

import pytest

from connectors import get_connector
from connectors.base import IgnoredEvent, MalformedPayload, OrderEvent, ShipmentStatus
from tests.support.connector_platforms import order_of
from tests.support.payload_files import load_payload

BIG_ID = 820982911946154508  # above 2**53: a float would change it


def test_an_order_maps_with_string_ids_that_survive_exactly(platform):
    order = order_of(platform)
    order["id"] = BIG_ID
    event = get_connector(platform.name).parse(platform.order_topic, json.dumps(order).encode())
    assert isinstance(event, OrderEvent)
    assert event.platform_order_id == str(BIG_ID)
    assert event.lines and all(isinstance(line.platform_line_id, str) for line in event.lines)
    assert event.email and "@" in event.email


def test_an_unknown_status_value_maps_to_unknown_and_does_not_crash(platform):
    order = order_of(platform)
    platform.set_unknown_status(order)
    event = get_connector(platform.name).parse(platform.order_topic, json.dumps(order).encode())
    assert platform.unknown_status_of(event) == ShipmentStatus.UNKNOWN


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b'{"id": {"nested": true}, "line_items": "x"}'])
def test_a_malformed_body_raises_malformed_payload(platform, body):
    with pytest.raises(MalformedPayload):
        get_connector(platform.name).parse(platform.order_topic, body)


def test_an_unused_topic_is_ignored_with_a_reason(platform):
    event = get_connector(platform.name).parse("something/else.entirely",
                                               load_payload(platform.order_payload))
    assert isinstance(event, IgnoredEvent) and event.reason


def test_storefront_links_start_at_the_storefront_or_are_none(platform):
    connector = get_connector(platform.name)
    base = "https://laden.example/shop"
    product = connector.product_url(base, "93", "leinenhemd", "39072856")
    again = connector.reorder_url(base, "1001", [("93", "39072856", 2)], "wc_order_abc")
    assert product.startswith(f"{base}/") and again.startswith(f"{base}/")
    assert connector.reorder_url(base, "1001", [], "wc_order_abc") is None
