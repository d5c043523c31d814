"""Order status derived from flags and parcels, over a table of situations."""
from datetime import timedelta

import pytest

from app.domain.orders.statuses import derive_order_status
from tests.support.factories import T0, add_parcel, make_order

CASES = [
    ("unpaid", dict(financial_status="pending"), [], "placed"),
    ("paid", {}, [], "processing"),
    ("label only", {}, [dict(status="info_received")], "shipped"),
    ("in transit", {}, [dict(status="in_transit")], "shipped"),
    ("partly shipped", dict(lines=(("l1", 1), ("l2", 1))), [dict(status="in_transit")], "partially_shipped"),
    ("out for delivery", {}, [dict(status="out_for_delivery")], "out_for_delivery"),
    ("delivered", {}, [dict(status="delivered")], "delivered"),
    ("one of two delivered", dict(lines=(("l1", 1), ("l2", 1))),
     [dict(status="delivered"), dict(status="in_transit", fulfillment_id="f2", line_items=(("l2", 1),))],
     "shipped"),
    ("exception", {}, [dict(status="exception")], "needs_attention"),
    ("failed attempt", {}, [dict(status="attempt_failed")], "needs_attention"),
    ("pickup", {}, [dict(status="available_for_pickup")], "needs_attention"),
    ("returned", {}, [dict(status="returned")], "returned"),
    ("cancelled", dict(cancelled_at=T0 + timedelta(hours=1)), [dict(status="in_transit")], "cancelled"),
    ("refunded", dict(financial_status="refunded"), [dict(status="delivered")], "refunded"),
    ("cancelled parcel only", {}, [dict(status="cancelled")], "processing"),
]


@pytest.mark.parametrize("label,order_fields,parcels,expected", CASES, ids=[c[0] for c in CASES])
def test_order_status(app, shop, label, order_fields, parcels, expected):
    order = make_order(shop, **order_fields)
    for parcel in parcels:
        add_parcel(order, **parcel)
    assert derive_order_status(order).value == expected
