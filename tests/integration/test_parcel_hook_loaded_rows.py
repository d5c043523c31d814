"""The parcel-facts flush hook (app/domain/arrival/parcel_records.py) rewrites a parcel's row
when rows loaded afresh from the database change (nothing new joins the session): a delivery,
a new destination, a new scan, an edited scan. Runs on SQLite and (TEST_DATABASE_URL)
PostgreSQL alike."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from app.extensions import db
from app.models import Order, ParcelFact, Shipment
from tests.support.factories import add_parcel, carrier_scan, make_order

H = timedelta(hours=1)
NOW = datetime.now(timezone.utc).replace(microsecond=0)


@pytest.fixture
def parcel_id(app, shop) -> int:
    order = make_order(shop, platform_order_id="marks", shipping_country="DE", status="shipped")
    parcel = add_parcel(order, shipped_at=NOW - 72 * H)
    carrier_scan(parcel, "in_transit", NOW - 70 * H)
    db.session.commit()
    db.session.remove()  # every test changes rows loaded afresh
    return parcel.id


def _fact(parcel_id: int) -> ParcelFact:
    db.session.remove()
    return db.session.get(ParcelFact, parcel_id)


def test_a_loaded_parcels_delivery_rewrites_its_row(parcel_id):
    assert _fact(parcel_id).delivered_at is None
    db.session.remove()
    parcel = db.session.get(Shipment, parcel_id)
    parcel.status, parcel.delivered_at = "delivered", NOW - H
    db.session.commit()
    fact = _fact(parcel_id)
    assert (fact.delivered_at, fact.departed) == (NOW - H, True)  # was None: the row was rewritten


def test_a_loaded_orders_new_destination_rewrites_its_parcels_row(parcel_id):
    assert _fact(parcel_id).country == "DE"
    db.session.remove()
    db.session.get(Order, db.session.get(Shipment, parcel_id).order_id).shipping_country = "AT"
    db.session.commit()
    assert _fact(parcel_id).country == "AT"


def test_a_new_scan_and_an_edited_scan_rewrite_the_row(parcel_id):
    due = _fact(parcel_id).stall_due_at
    assert due is not None
    db.session.remove()
    carrier_scan(db.session.get(Shipment, parcel_id), "in_transit", NOW - 2 * H)  # flushes
    db.session.commit()
    later = _fact(parcel_id).stall_due_at
    assert later is not None and later > due
    db.session.remove()
    scan = db.session.get(Shipment, parcel_id).events[-1]
    scan.happened_at = NOW - 30 * H
    db.session.commit()
    assert due < _fact(parcel_id).stall_due_at < later
