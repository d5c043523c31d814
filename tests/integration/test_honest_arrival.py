"""Arrival inferred honestly when no carrier speaks (issue: a real WooCommerce order completed
with a DHL number and nothing after it was called "needs attention, parcel stalled" three
business days later, although nobody had asked the carrier; nothing after arrival was planned).

A parcel whose carrier never reported anything is not stalled and raises no delay notice; it is
taken to have arrived at shipped + the destination's transit maximum, said so in words that
claim no delivery, and the after-arrival mails run from that; a carrier's word replaces it."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from app.domain.arrival.anchors import arrival, awaits_carrier, expected_arrival_after_dispatch
from app.domain.arrival.stalls import is_stalled
from app.domain.followups.rules import plan_followups
from app.domain.followups.sync import sync_followups
from app.extensions import db
from app.links.tracking_page import tracking_token
from app.models import Order, ScheduledMessage, Shipment, TrackingEvent
from app.presenters import order_status
from app.read_model.from_orm import order_view
from connectors.base import ShipmentStatus
from connectors.shopify.mapping import fulfillment_event
from connectors.woocommerce.mapping import tracking_fulfillments
from connectors.woocommerce.statuses import order_status as wc_status
from tests.integration.test_woocommerce_webhooks import post_wc, wc_shop  # noqa: F401 (fixtures)
from tests.support.factories import add_parcel, carrier_scan, make_order, set_module
from tests.support.payload_files import load_payload

UTC = timezone.utc
MON = datetime(2026, 11, 30, 10, tzinfo=UTC)


def _kinds(order) -> dict[str, str]:
    rows = db.session.scalars(select(ScheduledMessage).where(ScheduledMessage.order_id == order.id)).all()
    return {row.kind: row.state for row in rows}


def test_a_parcel_the_carrier_never_spoke_about_is_not_stalled_and_is_taken_to_have_arrived(app, shop):
    order = make_order(shop, shipping_country="DE")
    parcel = add_parcel(order, shipped_at=MON)  # the shop marked it shipped; no carrier since
    later = MON + timedelta(days=14)
    assert awaits_carrier(parcel) and not is_stalled(order, shop, parcel, later)
    assert "delayed" not in [p.kind for p in plan_followups(order, shop, later)]
    expected = expected_arrival_after_dispatch(MON, order, shop)
    assert arrival(order, shop) == (expected, "shipped+transit")
    assert MON < expected <= MON + timedelta(days=7)


def test_the_carriers_word_replaces_the_estimate_and_a_quiet_carrier_then_stalls(app, shop):
    order = make_order(shop, shipping_country="DE")
    parcel = add_parcel(order, shipped_at=MON)
    carrier_scan(parcel, "in_transit", MON + timedelta(hours=5))
    assert arrival(order, shop) is None  # the carrier speaks and has not said "delivered"
    assert is_stalled(order, shop, parcel, MON + timedelta(days=7))
    parcel.status, parcel.delivered_at = "delivered", MON + timedelta(days=2)
    carrier_scan(parcel, "delivered", MON + timedelta(days=2))
    assert arrival(order, shop) == (MON + timedelta(days=2), "delivered")


def test_the_review_request_is_planned_from_the_estimate_and_re_planned_when_the_carrier_speaks(app, shop):
    set_module(shop, "mail_review_request")
    order = make_order(shop, shipping_country="DE")
    order.customer.marketing_consent = "granted"
    parcel = add_parcel(order, shipped_at=MON)
    sync_followups(db.session, [order], MON)
    estimated = expected_arrival_after_dispatch(MON, order, shop)
    review = db.session.scalars(select(ScheduledMessage)
                                .where(ScheduledMessage.kind == "review_request")).one()
    assert review.state == "planned" and review.send_at >= estimated + timedelta(days=7)
    assert "delayed" not in _kinds(order)
    carrier_scan(parcel, "in_transit", MON + timedelta(hours=6))  # a provider answers: still travelling
    sync_followups(db.session, [order], MON + timedelta(hours=7))
    assert _kinds(order)["review_request"] == "cancelled" and _kinds(order)["delayed"] == "planned"


def test_the_block_says_should_have_arrived_not_running_late(app, shop):
    order = make_order(shop, shipping_country="DE", status="shipped", placed_at=MON - timedelta(days=1))
    add_parcel(order, shipped_at=MON)
    facts = order_status(order_view(order), "de", now=MON + timedelta(days=10))
    assert facts["order"]["status"] == "shipped"
    assert facts["modules"]["tracking"]["parcels"][0]["stalled"] is False
    estimate = facts["modules"]["delivery_estimate"]
    assert estimate["state"] == "due" and "sollte" in estimate["text"] and "angekommen" in estimate["title"]
    assert "verspätet" not in json.dumps(facts, ensure_ascii=False)
    quiet = make_order(shop, shipping_country="DE", status="shipped", placed_at=MON - timedelta(days=1),
                       platform_order_id="2")
    carrier_scan(add_parcel(quiet, shipped_at=MON), "in_transit", MON)
    late = order_status(order_view(quiet), "en", now=MON + timedelta(days=10))
    assert (late["order"]["status"] == "needs_attention"
            and late["modules"]["delivery_estimate"]["state"] == "late")


def test_shopify_says_which_statuses_are_the_carriers():
    body = json.loads(load_payload("shopify/fulfillments_create.json"))
    assert not fulfillment_event({**body, "shipment_status": None}).carrier_reported  # fulfilled by the shop
    assert fulfillment_event({**body, "shipment_status": "in_transit"}).carrier_reported
    assert not fulfillment_event({**body, "shipment_status": "label_printed"}).carrier_reported


def test_trackship_statuses_are_the_carriers_and_ast_delivered_is_delivery():
    body = json.loads(load_payload("woocommerce/order_completed_tracking.json"))
    plain = tracking_fulfillments("1", body, wc_status("completed"), None)
    assert [(f.status, f.carrier_reported) for f
            in plain] == [(ShipmentStatus.IN_TRANSIT, False)] * len(plain)
    tracked = {**body, "meta_data": [*body["meta_data"],
                                     {"id": 99, "key": "ts_shipment_status",
                                      "value": [{"status": "out_for_delivery"}]}]}
    [first, *_] = tracking_fulfillments("1", tracked, wc_status("completed"), None)
    assert (first.status, first.carrier_reported) == (ShipmentStatus.OUT_FOR_DELIVERY, True)
    delivered = tracking_fulfillments("1", body, wc_status("delivered"), None)  # AST's order status
    assert {f.status for f in delivered} == {ShipmentStatus.DELIVERED}


def _recorded(name: str, **changes) -> bytes:
    body = json.loads(load_payload(f"woocommerce/recorded/{name}"))
    body.update(changes)
    return json.dumps(body).encode()


def test_a_real_woocommerce_order_completed_with_a_dhl_number_and_nothing_after(
        app, client, post_wc, wc_shop, run_jobs):  # noqa: F811
    """The recorded bodies of a real WooCommerce 10.0.2 order, shipped eight days ago."""
    shipped = datetime.now(UTC) - timedelta(days=8)
    stamp = shipped.strftime("%Y-%m-%dT%H:%M:%S")
    body = json.loads(load_payload("woocommerce/recorded/03_order.updated.json"))
    for meta in body["meta_data"]:
        if meta["key"] == "_wc_shipment_tracking_items":
            meta["value"][0]["date_shipped"] = str(int(shipped.timestamp()))
    body.update(date_created_gmt=stamp, date_modified_gmt=stamp, date_paid_gmt=stamp,
                date_completed_gmt=stamp)
    assert post_wc(json.dumps(body).encode(), delivery_id="real-completed").status_code == 200
    run_jobs()
    order = db.session.scalars(select(Order)).one()
    parcel = db.session.scalars(select(Shipment)).one()
    assert (parcel.tracking_number, parcel.status) == ("00340434161094042557", "in_transit")
    assert [e.source for e in parcel.events] == ["woocommerce"]  # the shop said so, not the carrier
    assert "delayed" not in _kinds(order)  # no delay notice for a silence nobody asked about
    facts = client.get(f"/t/{tracking_token(order)}.json").get_json()
    assert facts["order"]["status"] != "needs_attention"
    assert not any(p["stalled"] for p in facts["modules"]["tracking"]["parcels"])
    assert facts["modules"].get("delivery_estimate", {}).get("state") in (None, "due")
    assert arrival(order, wc_shop)[1] == "shipped+transit"


def test_the_shops_workflow_never_moves_a_parcel_back_once_the_carrier_spoke(app, shop):
    """A WooCommerce order is saved again after delivery (a note, an edit): its 'completed'
    means 'in transit' to the mapping, which must not undo the carrier's 'delivered'."""
    from app.domain.arrival.carrier_tracks import apply_track
    from app.domain.orders.shipments import apply_fulfillment_event
    from connectors.base import FulfillmentEvent, Parcel
    from connectors.tracking.base import CarrierScan, ParcelTrack

    order = make_order(shop)
    parcel = add_parcel(order, fulfillment_id="f1", shipped_at=MON)
    delivered = MON + timedelta(days=1)
    apply_track(parcel, ParcelTrack("00340434161094042557", True, ShipmentStatus.DELIVERED, scans=(
        CarrierScan(delivered, ShipmentStatus.DELIVERED, "delivered", "Zugestellt"),)), "dhl")
    assert (parcel.status, parcel.delivered_at) == ("delivered", delivered)
    saved_again = FulfillmentEvent("1001", "f1", ShipmentStatus.IN_TRANSIT, "completed",
                                   (Parcel("00340434161094042557", None, "dhl"),), MON,
                                   MON + timedelta(days=2))
    apply_fulfillment_event(db.session, order, saved_again, "woocommerce", MON + timedelta(days=2))
    assert parcel.status == "delivered" and [e.source for e in parcel.events] == ["provider:dhl"]
    marked = FulfillmentEvent("1001", "f1", ShipmentStatus.CANCELLED, "cancelled",
                              (Parcel("00340434161094042557", None, "dhl"),), MON, MON + timedelta(days=3))
    apply_fulfillment_event(db.session, order, marked, "woocommerce", MON + timedelta(days=3))
    assert parcel.status == "cancelled"  # a fact from the shop (cancelled, delivered) still counts


def test_a_carrier_scan_older_than_the_shops_completion_still_sets_the_status(app, shop):
    from app.domain.arrival.carrier_tracks import apply_track
    from connectors.tracking.base import CarrierScan, ParcelTrack

    order = make_order(shop)
    parcel = add_parcel(order, shipped_at=MON)
    parcel.events.append(TrackingEvent(
        status="in_transit", happened_at=MON + timedelta(hours=5), source="woocommerce"))
    apply_track(parcel, ParcelTrack("00340434161094042557", True, ShipmentStatus.DELIVERED, scans=(
        CarrierScan(MON + timedelta(hours=2), ShipmentStatus.DELIVERED, "delivered", None),)), "dhl")
    assert parcel.status == "delivered"


def test_germanized_shipments_are_read_with_their_items_and_delivered_state():
    from connectors.woocommerce.mapping import order_event

    body = json.loads(load_payload("woocommerce/order_completed_tracking.json"))
    line = body["line_items"][0]
    body["shipments"] = [  # as Germanized's REST filter adds them (status without its gzd- prefix)
        {"id": 7, "type": "simple", "status": "delivered", "tracking_id": "00340434161094042999",
         "tracking_url": "https://www.dhl.de/de/privatkunden/pakete-empfangen/verfolgen.html"
                         "?piececode=00340434161094042999",
         "shipping_provider": "dhl", "date_sent_gmt": "2026-12-01T09:00:00", "est_delivery_date_gmt": None,
         "items": [{"id": 1, "order_item_id": line["id"], "quantity": line["quantity"]}]},
        {"id": 8, "type": "return", "status": "requested", "tracking_id": "RETURN1", "items": []},
        {"id": 9, "type": "simple", "status": "draft", "tracking_id": "", "items": []},
    ]
    [parcel] = order_event(body).fulfillments
    assert (parcel.platform_fulfillment_id, parcel.status) == ("gzd-7", ShipmentStatus.DELIVERED)
    assert parcel.parcels[0].tracking_number == "00340434161094042999"
    assert parcel.line_items == ((str(line["id"]), line["quantity"]),)
    assert parcel.created_at == datetime(2026, 12, 1, 9, tzinfo=UTC)
