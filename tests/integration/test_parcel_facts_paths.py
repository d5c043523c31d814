"""A parcel's figures are stored whichever way its delivery arrives: a platform's fulfillment
event (a Shopify webhook through the drain), a carrier poll (DHL), a 17TRACK push; the
backfill (`flask shops parcel-facts`, which migration 0026 runs) writes the same rows for
parcels that have none. Runs on SQLite and (TEST_DATABASE_URL) PostgreSQL alike."""
from __future__ import annotations

import json
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select

from app.domain.arrival.carrier_performance import business_days_between
from app.extensions import db
from app.models import ParcelFact, Shipment
from tests.support.factories import add_parcel, carrier_scan, make_order
from tests.support.payload_files import fresh_payload, load_payload
from tests.support.tracking_setup import (
    DPD_NUMBER,
    NOW,
    delivered_on_17track,
    dhl_body,
    due_parcel,
    poll,
)

H = timedelta(hours=1)
BERLIN = ZoneInfo("Europe/Berlin")


def _fact(parcel_id: int) -> ParcelFact:
    db.session.expire_all()
    return db.session.get(ParcelFact, parcel_id)


def _assert_delivered(fact: ParcelFact, parcel: Shipment, carrier: str, country: str) -> None:
    ship_day = parcel.shipped_at.astimezone(BERLIN).date()
    delivered_day = parcel.delivered_at.astimezone(BERLIN).date()
    assert (fact.carrier, fact.country, fact.departed, fact.reported) == (carrier, country, True, True)
    assert (fact.ship_day, fact.delivered_day) == (ship_day, delivered_day)
    assert fact.transit == business_days_between(ship_day, delivered_day, country)
    assert fact.delivered_week == delivered_day - timedelta(days=delivered_day.weekday())
    assert fact.delivered_at == parcel.delivered_at and fact.on_time is not None
    assert fact.shop_id == parcel.order.shop_id and fact.order_id == parcel.order_id


def test_a_platform_fulfillment_event_stores_the_parcels_figures(shop, post_shopify, run_jobs):
    created = post_shopify("orders/create", load_payload("shopify/orders_create.json"), "evt-1")
    assert created.status_code == 200
    fulfillment = json.loads(fresh_payload("shopify/fulfillments_create.json", minutes_ago=60))
    fulfillment.update(tracking_company="DHL", tracking_number="00340434161094042557",
                       tracking_numbers=["00340434161094042557"], shipment_status="delivered")
    assert post_shopify("fulfillments/create", fulfillment, "evt-2").status_code == 200
    run_jobs()
    parcel = db.session.scalars(select(Shipment)).one()
    assert parcel.status == "delivered"
    fact = _fact(parcel.id)
    _assert_delivered(fact, parcel, "dhl", (parcel.order.shipping_country or "DE").upper())


def test_a_carrier_poll_stores_the_delivery_and_the_exception(shop, fake_dhl):
    parcel = due_parcel(shop, "00340434161094042557", carrier="DHL", order_id="a", shipped=80 * H)
    assert _fact(parcel.id).delivered_day is None  # stored when it left, nothing delivered yet
    fake_dhl.put(parcel.tracking_number, dhl_body(parcel.tracking_number, [
        (NOW - 78 * H, "pre-transit", "Die Sendung wurde elektronisch angekündigt."),
        (NOW - 50 * H, "failure", "Die Sendung konnte nicht zugestellt werden."),
        (NOW - 2 * H, "delivered", "Die Sendung wurde zugestellt.")]))
    poll(NOW)
    parcel = db.session.get(Shipment, parcel.id)
    assert parcel.status == "delivered"
    fact = _fact(parcel.id)
    _assert_delivered(fact, parcel, "dhl", "DE")
    assert fact.exception or fact.attempt_failed  # the failure scan, whichever DHL's code maps to


def test_a_17track_push_stores_the_parcels_figures(client, shop, fake_17track):
    parcel, delivered_at = delivered_on_17track(shop, fake_17track)
    headers, body = fake_17track.push_body(DPD_NUMBER, "TRACKING_UPDATED")
    assert client.post("/webhooks/tracking/17track", data=body, headers=headers).status_code == 200
    db.session.expire_all()
    parcel = db.session.get(Shipment, parcel.id)
    assert parcel.delivered_at == delivered_at
    _assert_delivered(_fact(parcel.id), parcel, "dpd", "DE")


def test_a_silence_going_on_is_stored_as_the_moment_it_becomes_a_stall(app, shop):
    order = make_order(shop, platform_order_id="quiet", shipping_country="DE", status="shipped")
    parcel = add_parcel(order, shipped_at=NOW - 10 * 24 * H)
    carrier_scan(parcel, "in_transit", NOW - 10 * 24 * H)
    db.session.commit()
    fact = _fact(parcel.id)
    assert fact.stalled is False and fact.stall_due_at is not None
    assert NOW - 10 * 24 * H + 3 * 24 * H <= fact.stall_due_at <= NOW  # three business days later
    carrier_scan(db.session.get(Shipment, parcel.id), "delivered", NOW - H)
    db.session.get(Shipment, parcel.id).status = "delivered"
    db.session.commit()
    fact = _fact(parcel.id)
    assert (fact.stalled, fact.stall_due_at) == (True, None)  # the silence ended too late: it was a stall


def _columns(fact: ParcelFact) -> dict:
    return {column.name: getattr(fact, column.name) for column in ParcelFact.__table__.columns}


def test_the_backfill_writes_what_the_hook_wrote_for_parcels_without_rows(app, shop):
    for n, (days, delivered) in enumerate([(9, 2), (6, None), (4, 3)]):
        order = make_order(shop, platform_order_id=f"old-{n}", shipping_country="AT", status="shipped")
        shipped = NOW - days * 24 * H
        parcel = add_parcel(order, shipped_at=shipped, fulfillment_id=f"f{n}", tracking_number=f"T{n:08d}")
        carrier_scan(parcel, "in_transit", shipped)
        if delivered is not None:
            parcel.status, parcel.delivered_at = "delivered", shipped + delivered * 24 * H
            carrier_scan(parcel, "delivered", parcel.delivered_at)
    db.session.commit()
    written = {fact.shipment_id: _columns(fact) for fact in db.session.scalars(select(ParcelFact))}
    assert len(written) == 3 and sum(row["transit"] is not None for row in written.values()) == 2
    db.session.execute(delete(ParcelFact))  # parcels from before migration 0026
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(ParcelFact)) == 0
    result = app.test_cli_runner().invoke(args=["shops", "parcel-facts", str(shop.id)])
    assert result.exit_code == 0 and "3 parcel(s)" in result.output, result.output
    db.session.expire_all()
    assert {fact.shipment_id: _columns(fact) for fact in db.session.scalars(select(ParcelFact))} == written
