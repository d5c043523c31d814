"""17TRACK pushes: a Shopify parcel the platform never tracks gets its scans (register, then push)."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    DeliveryState,
    Order,
    ScheduledMessage,
    Shipment,
    TrackingEvent,
    WebhookDelivery,
)
from tests.support.factories import set_module
from tests.support.fakes.tracking_providers import push_signature
from tests.support.payload_files import fresh_payload, load_payload
from tests.support.tracking_setup import (
    DPD_CODE,
    DPD_NUMBER,
    SEVENTEEN_KEY,
    delivered_on_17track,
    due_parcel,
    poll,
    seventeen_item,
)

PUSH_URL = "/webhooks/tracking/17track"
H = timedelta(hours=1)


def _shopify_dpd_parcel(post_shopify, run_jobs) -> Shipment:
    """A Shopify order and its fulfillment with a DPD number Shopify does not track (no shipment_status)."""
    assert post_shopify("orders/create", load_payload("shopify/orders_create.json"),
                        "evt-1").status_code == 200
    fulfillment = json.loads(fresh_payload("shopify/fulfillments_create.json", minutes_ago=60))
    fulfillment.update(tracking_company="DPD", tracking_number=DPD_NUMBER, tracking_numbers=[DPD_NUMBER],
                       tracking_url=None, tracking_urls=[], shipment_status=None)
    assert post_shopify("fulfillments/create", fulfillment, "evt-2").status_code == 200
    run_jobs()
    return db.session.scalars(select(Shipment)).one()


def _push(client, fake, number: str, event: str = "TRACKING_UPDATED"):
    headers, body = fake.push_body(number, event)
    return client.post(PUSH_URL, data=body, headers=headers)


def _events(parcel: Shipment) -> list[tuple[str, str]]:
    db.session.expire_all()
    return [(e.status, e.source) for e in db.session.get(Shipment, parcel.id).events]


def test_a_shopify_dpd_parcel_gets_its_scans_from_17track(client, shop, post_shopify, run_jobs, fake_17track):
    parcel = _shopify_dpd_parcel(post_shopify, run_jobs)
    assert (parcel.carrier, parcel.tracking_number) == ("DPD", DPD_NUMBER)
    assert not [e for e in parcel.events if e.source.startswith("provider:")]
    now = datetime.now(timezone.utc)
    fake_17track.put(DPD_NUMBER,
                     seventeen_item("gettrackinfo_in_transit.json", carrier=DPD_CODE, newest_at=now),
                     register=False)

    poll(now + H)  # the first look: 17TRACK is asked to follow the number
    assert [r["path"] for r in fake_17track.requests] == ["/track/v2.2/register"]
    sent = fake_17track.registered[DPD_NUMBER]
    assert (sent["carrier"], sent["tag"]) == (DPD_CODE, str(parcel.id))
    assert db.session.get(Shipment, parcel.id).registered_at == now + H

    response = _push(client, fake_17track, DPD_NUMBER)
    assert response.status_code == 200 and response.get_json()["message"] == "applied to 1 parcel(s)"
    scans = [event for event in _events(parcel) if event[1] == "provider:17track"]
    assert [status for status, _ in scans] == ["info_received", "in_transit", "in_transit", "in_transit"]
    parcel = db.session.get(Shipment, parcel.id)
    assert parcel.status == "in_transit" and parcel.carrier == "DPD"
    assert parcel.sub_status == "InTransit_Arrival" and parcel.edd_source == "carrier"
    assert parcel.edd_start.date() == (now + timedelta(days=1)).date()
    assert parcel.events[-1].location == "Regensburg"
    assert len(fake_17track.requests) == 1  # the push came by itself: no polling for it


def test_the_same_push_twice_applies_once(client, shop, fake_17track):
    parcel = due_parcel(shop, DPD_NUMBER, carrier="DPD", order_id="a")
    parcel.tracking_provider = "17track"
    db.session.commit()
    fake_17track.put(DPD_NUMBER, seventeen_item("gettrackinfo_in_transit.json", carrier=DPD_CODE,
                                                newest_at=datetime.now(timezone.utc)), tag=str(parcel.id))
    assert _push(client, fake_17track, DPD_NUMBER).status_code == 200
    first = _events(parcel)
    version = db.session.get(Order, parcel.order_id).facts_version
    assert _push(client, fake_17track, DPD_NUMBER).status_code == 200
    assert _events(parcel) == first and len(first) == 4
    # nothing changed: the block's cache holds
    assert db.session.get(Order, parcel.order_id).facts_version == version
    assert db.session.scalar(select(func.count()).select_from(WebhookDelivery)) == 0  # applied, not stored


def test_a_pushed_delivery_ends_polling_and_plans_the_review(client, shop, fake_17track):
    shop.existing_customer_exemption = True
    set_module(shop, "mail_review_request")
    parcel, delivered_at = delivered_on_17track(shop, fake_17track)
    assert _push(client, fake_17track, DPD_NUMBER).status_code == 200
    db.session.expire_all()
    parcel = db.session.get(Shipment, parcel.id)
    assert (parcel.status, parcel.delivered_at) == ("delivered", delivered_at)
    assert parcel.next_poll_at is None and parcel.tracking_stopped_at is not None
    review = db.session.scalars(select(ScheduledMessage)
                                .where(ScheduledMessage.kind == "review_request")).one()
    assert review.send_at == delivered_at + timedelta(days=7)


def test_a_push_without_our_tag_finds_the_parcel_by_its_number(client, shop, fake_17track):
    parcel = due_parcel(shop, DPD_NUMBER, carrier="DPD", order_id="a")
    other = due_parcel(shop, "01234567890999", carrier="DPD", order_id="b")
    parcel.tracking_provider = other.tracking_provider = "17track"
    db.session.commit()
    fake_17track.put(DPD_NUMBER, seventeen_item("gettrackinfo_in_transit.json", carrier=DPD_CODE,
                                                newest_at=datetime.now(timezone.utc)))
    assert _push(client, fake_17track, DPD_NUMBER).get_json()["message"] == "applied to 1 parcel(s)"
    assert any(source == "provider:17track" for _, source in _events(parcel))
    assert not any(source == "provider:17track" for _, source in _events(other))


def test_a_push_for_a_parcel_we_do_not_know_is_acknowledged(client, shop, fake_17track):
    fake_17track.put("01234567890555", seventeen_item("gettrackinfo_in_transit.json", carrier=DPD_CODE,
                                                      newest_at=datetime.now(timezone.utc)))
    response = _push(client, fake_17track, "01234567890555")
    assert response.status_code == 200 and response.get_json()["message"] == "applied to 0 parcel(s)"
    assert db.session.scalar(select(func.count()).select_from(TrackingEvent)) == 0


def test_tracking_stopped_ends_our_polling_too(client, shop, fake_17track):
    parcel = due_parcel(shop, DPD_NUMBER, carrier="DPD", order_id="a")
    parcel.tracking_provider = "17track"
    db.session.commit()
    fake_17track.put(DPD_NUMBER, seventeen_item("gettrackinfo_in_transit.json", carrier=DPD_CODE,
                                                newest_at=datetime.now(timezone.utc)), tag=str(parcel.id))
    assert _push(client, fake_17track, DPD_NUMBER, "TRACKING_STOPPED").status_code == 200
    db.session.expire_all()
    parcel = db.session.get(Shipment, parcel.id)
    assert parcel.next_poll_at is None and parcel.tracking_stopped_at is not None
    assert parcel.status == "in_transit"  # a stop says nothing about the parcel


def test_a_push_that_verifies_but_cannot_be_read_is_400_and_kept(client, shop, fake_17track):
    body = b'{"event":"TRACKING_UPDATED","data":{"carrier":100007}}'
    response = client.post(PUSH_URL, data=body, headers={"sign": push_signature(body, SEVENTEEN_KEY)})
    assert response.status_code == 400
    kept = db.session.scalars(select(WebhookDelivery)).one()
    assert (kept.platform, kept.state, kept.body) == ("17track", DeliveryState.MALFORMED, body)
    assert "data.number" in kept.error
