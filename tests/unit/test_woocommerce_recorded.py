"""Webhook bodies recorded from a real WooCommerce 10.0.2 (`make real-woocommerce`), through the connector."""
import json
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

import pytest

from connectors.base import IncomingRequest, LineItem, OrderEvent, Parcel, ShipmentStatus
from connectors.woocommerce.mapping import parse_webhook
from connectors.woocommerce.webhooks import identify_delivery
from tests.real_woocommerce import run
from tests.real_woocommerce.scrub import PERSONAL, SCRUBBED_ORDER_KEY, encode_like_woocommerce, scrub

RECORDED = Path(__file__).parents[1] / "payloads" / "woocommerce" / "recorded"
FILES = sorted(RECORDED.glob("[0-9][0-9]_order.*.json"))


def topic_of(path: Path) -> str:
    return path.stem.split("_", 1)[1]


def test_the_recorded_run_is_there():
    assert [p.name for p in FILES] == ["01_order.created.json", "02_order.updated.json",
                                       "03_order.updated.json"]


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_recorded_body_maps_to_the_guest_order(path):
    event = parse_webhook(topic_of(path), path.read_bytes())
    assert isinstance(event, OrderEvent)
    assert (event.platform_order_id, event.name) == ("11", "#11")
    assert (event.currency, event.total_price, event.financial_status) == ("EUR", Decimal("25.80"), "paid")
    assert event.email == PERSONAL["email"]
    assert event.platform_customer_id is None  # a guest
    assert event.shipping_country == "DE"
    assert event.order_key == SCRUBBED_ORDER_KEY
    assert event.placed_at == datetime(2026, 11, 23, 10, 22, 9, tzinfo=timezone.utc)
    assert event.lines == (LineItem("1", "Filterkaffee 500 g", 2, product_id="10", variant_id=None,
                                    sku="COFFEE-500", price=Decimal("12.9")),)
    assert event.refunds == ()


def test_before_the_tracking_there_is_no_fulfillment():
    for path in FILES[:2]:
        event = parse_webhook(topic_of(path), path.read_bytes())
        assert event.fulfillment_status is None and event.fulfillments == ()


def test_completed_with_shipment_tracking_meta_is_a_dhl_parcel_in_transit():
    event = parse_webhook("order.updated", (RECORDED / "03_order.updated.json").read_bytes())
    assert event.fulfillment_status == "fulfilled"
    (fulfillment,) = event.fulfillments
    assert fulfillment.platform_order_id == "11"
    assert fulfillment.status == ShipmentStatus.IN_TRANSIT
    assert fulfillment.raw_status == "completed"
    assert fulfillment.parcels == (Parcel("00340434161094042557", None, "dhl"),)


def test_the_same_second_updates_stay_two_deliveries():
    """02 and 03 share order id and date_modified_gmt (one second); WooCommerce's delivery id
    is wp_hash(webhook id . time()), so it is shared as well. Both must be stored."""
    bodies = [(RECORDED / name).read_bytes() for name in ("02_order.updated.json", "03_order.updated.json")]
    assert len({json.loads(b)["date_modified_gmt"] for b in bodies}) == 1
    headers = {"X-WC-Webhook-Delivery-ID": "same-second", "X-WC-Webhook-Topic": "order.updated"}
    keys = {identify_delivery(IncomingRequest("POST", headers, body)).delivery_key for body in bodies}
    assert len(keys) == 2


def test_no_personal_data_left_in_the_recordings():
    for path in FILES:
        body = json.loads(path.read_bytes())
        assert scrub(body) == body  # scrubbing again changes nothing
        for part in ("billing", "shipping"):
            assert body[part]["first_name"] == PERSONAL["first_name"]
        assert body["customer_ip_address"] in ("", PERSONAL["customer_ip_address"])
        assert b"Gast" not in path.read_bytes() and b"guest.buyer" not in path.read_bytes()


def test_scrub_keeps_the_shape_and_empty_values():
    body = {"billing": {"first_name": "Ada", "email": "ada@real.example", "company": ""},
            "order_key": "wc_order_x",
            "customer_ip_address": "203.0.113.9", "meta_data": [{"key": "a", "value": "b/c"}], "id": 5}
    assert scrub(body) == {"billing": {"first_name": "Erika", "email": "customer@example.test",
                                       "company": ""},
                           "order_key": SCRUBBED_ORDER_KEY, "customer_ip_address": "192.0.2.1",
                           "meta_data": [{"key": "a", "value": "b/c"}], "id": 5}
    assert encode_like_woocommerce({"u": "a/b"}) == b'{"u":"a\\/b"}'


def test_the_real_run_skips_without_snapshots(monkeypatch, capsys):
    monkeypatch.delenv("WP_GIT", raising=False)
    monkeypatch.delenv("WC_GIT", raising=False)
    assert run.main([]) == 0
    assert capsys.readouterr().out.startswith("skipped: WP_GIT and WC_GIT are not set")
