"""WooCommerce REST v3 order JSON → normalised events, and the one status table."""
import json
import logging
from datetime import datetime, timezone
from decimal import Decimal

import pytest

from connectors import get_connector
from connectors.base import (
    IgnoredEvent,
    LifecycleEvent,
    LineItem,
    MalformedPayload,
    OrderEvent,
    Parcel,
    RefundEvent,
    ShipmentStatus,
)
from connectors.woocommerce import statuses
from connectors.woocommerce.mapping import parse_webhook
from tests.support.payload_files import load_payload


def payload(name: str) -> dict:
    return json.loads(load_payload(f"woocommerce/{name}"))


def parse(topic: str, body) -> object:
    return parse_webhook(topic, body if isinstance(body, bytes) else json.dumps(body).encode())


def test_connector_is_registered():
    assert get_connector("woocommerce").platform == "woocommerce"


def test_processing_order_from_the_docs_example():
    event = parse("order.created", load_payload("woocommerce/order_processing.json"))
    assert isinstance(event, OrderEvent)
    assert event.platform_order_id == "727"
    assert event.name == "#727"
    assert (event.currency, event.total_price) == ("USD", Decimal("29.35"))
    assert event.financial_status == "paid"
    assert event.fulfillment_status is None
    assert event.placed_at == datetime(2017, 3, 22, 19, 28, 2, tzinfo=timezone.utc)
    assert event.updated_at == datetime(2017, 3, 22, 19, 28, 8, tzinfo=timezone.utc)
    assert event.cancelled_at is None
    assert event.email == "john.doe@example.com"
    assert event.platform_customer_id is None  # customer_id 0 = guest
    assert event.shipping_country == "US"
    assert event.lines == (
        LineItem("315", "Woo Single #1", 2, product_id="93", variant_id=None, sku=None, price=Decimal("3")),
        LineItem("316", "Ship Your Idea &ndash; Color: Black, Size: M Test", 1, product_id="22",
                 variant_id="23", sku="Bar3", price=Decimal("12")),
    )
    assert event.fulfillments == ()
    assert event.refunds == ()


def test_shipment_tracking_meta_becomes_a_fulfillment():
    event = parse("order.updated", payload("order_completed_tracking.json"))
    assert event.fulfillment_status == "fulfilled"
    (fulfillment,) = event.fulfillments
    assert fulfillment.platform_order_id == "727"
    assert fulfillment.platform_fulfillment_id == "6b1c3a1e0b8e4f7c9d2a5e3f4b6c8d0a"
    assert fulfillment.status == ShipmentStatus.IN_TRANSIT
    assert fulfillment.raw_status == "completed"
    assert fulfillment.parcels == (Parcel("9400111899223197428490", None, "usps"),)
    assert fulfillment.created_at == datetime(2017, 3, 24, tzinfo=timezone.utc)  # date_shipped 1490313600
    assert fulfillment.updated_at == datetime(2017, 3, 24, 12, 12, 40, tzinfo=timezone.utc)


def test_ast_shipped_status_with_custom_provider_and_link():
    event = parse("order.updated", payload("order_shipped_ast.json"))
    (fulfillment,) = event.fulfillments
    assert fulfillment.raw_status == "shipped"
    assert fulfillment.status == ShipmentStatus.IN_TRANSIT
    (parcel,) = fulfillment.parcels
    assert parcel.carrier == "DHL Paket"
    assert parcel.tracking_number == "00340434161094042557"
    assert parcel.tracking_url.endswith("piececode=00340434161094042557")


def test_sparse_php_array_of_tracking_items_and_items_without_number():
    body = payload("order_completed_tracking.json")
    item = body["meta_data"][-1]["value"][0]
    body["meta_data"][-1]["value"] = {"1": item, "2": {"tracking_number": "", "tracking_provider": "dhl"},
                                      "3": dict(item, tracking_id="", tracking_number="JJD0001",
                                                date_shipped="2017-03-25")}
    event = parse("order.updated", body)
    assert [f.parcels[0].tracking_number for f in event.fulfillments] == ["9400111899223197428490", "JJD0001"]
    assert event.fulfillments[1].platform_fulfillment_id == "JJD0001"
    assert event.fulfillments[1].created_at == datetime(2017, 3, 25, tzinfo=timezone.utc)


def test_delivered_status_marks_parcels_delivered():
    body = payload("order_completed_tracking.json")
    body["status"] = "delivered"
    (fulfillment,) = parse("order.updated", body).fulfillments
    assert fulfillment.status == ShipmentStatus.DELIVERED


def test_partial_refund_from_refunds_array():
    event = parse("order.updated", payload("order_partially_refunded.json"))
    assert event.financial_status == "partially_refunded"
    assert event.refunds == (
        RefundEvent(platform_order_id="727", platform_refund_id="730", created_at=None,
                    amount=Decimal("12.90")),
    )
    assert len(event.fulfillments) == 1  # still completed: the parcel stays


def test_full_refund_status_leaves_parcels_alone():
    event = parse("order.updated", payload("order_refunded.json"))
    assert event.financial_status == "refunded"
    assert [(r.platform_refund_id, r.amount) for r in event.refunds] == [("731", Decimal("29.35"))]
    assert event.fulfillments == ()


def test_cancelled_order_carries_its_cancellation_time():
    body = payload("order_processing.json")
    body["status"] = "cancelled"
    event = parse("order.updated", body)
    assert event.cancelled_at == datetime(2017, 3, 22, 19, 28, 8, tzinfo=timezone.utc)
    assert event.financial_status == "paid"  # date_paid is set


def test_checkout_draft_is_ignored():
    event = parse("order.updated", load_payload("woocommerce/order_checkout_draft.json"))
    assert isinstance(event, IgnoredEvent)
    assert "728" in event.reason and "checkout-draft" in event.reason


def test_order_deleted_is_a_cancel_like_lifecycle_event():
    event = parse("order.deleted", load_payload("woocommerce/order_deleted.json"))
    assert event == LifecycleEvent(kind="order_deleted", shop_domain=None, platform_order_ids=("727",))


def test_other_topics_are_ignored():
    assert isinstance(parse("product.updated", {"id": 93}), IgnoredEvent)
    assert isinstance(parse("action.woocommerce_payment_complete", {"action": "x", "arg": 1}), IgnoredEvent)


@pytest.mark.parametrize("body", [b"webhook_id=1", b"[1, 2]", {"status": "processing"}, {"id": 0},
                                  {"id": 727, "line_items": [{"name": "no id"}]},
                                  {"id": 727, "date_modified_gmt": 12}])
def test_malformed_bodies_raise(body):
    with pytest.raises(MalformedPayload):
        parse("order.updated", body)


@pytest.mark.parametrize("raw, parcels, fulfillment, ignored", [
    ("pending", ShipmentStatus.INFO_RECEIVED, None, False),
    ("on-hold", ShipmentStatus.INFO_RECEIVED, None, False),
    ("processing", ShipmentStatus.INFO_RECEIVED, None, False),
    ("completed", ShipmentStatus.IN_TRANSIT, "fulfilled", False),
    ("shipped", ShipmentStatus.IN_TRANSIT, "fulfilled", False),
    ("partial-shipped", ShipmentStatus.IN_TRANSIT, "partial", False),
    ("wc-delivered", ShipmentStatus.DELIVERED, "fulfilled", False),
    ("cancelled", None, None, False),
    ("refunded", None, None, False),
    ("failed", None, None, False),
    ("trash", None, None, False),
    ("checkout-draft", None, None, True),
])
def test_status_table(raw, parcels, fulfillment, ignored):
    meaning = statuses.order_status(raw)
    assert (meaning.parcels, meaning.fulfillment, meaning.ignored) == (parcels, fulfillment, ignored)


def test_unknown_statuses_map_to_unknown_and_are_logged_once(caplog):
    caplog.set_level(logging.WARNING, logger="connectors.woocommerce.statuses")
    for raw in ("ready-to-ship-test", "ready-to-ship-test", None, 42):
        assert statuses.order_status(raw).name == "unknown"
        assert statuses.order_status(raw).parcels == ShipmentStatus.UNKNOWN
    warnings = [r.getMessage() for r in caplog.records if "ready-to-ship-test" in r.getMessage()]
    assert len(warnings) == 1
    body = payload("order_completed_tracking.json")
    body["status"] = "ready-to-ship-test"
    (fulfillment,) = parse("order.updated", body).fulfillments
    assert fulfillment.status == ShipmentStatus.UNKNOWN
    assert fulfillment.raw_status == "ready-to-ship-test"
