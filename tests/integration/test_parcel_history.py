"""The tracking page and the embed list, per parcel, what travels in it and its scans: time in
the shop's zone, words a buyer understands, the place, and the carrier's own words where a
tracking provider gave them."""
from __future__ import annotations

import re
from datetime import datetime, timezone

from app.extensions import db
from app.links.tracking_page import tracking_token
from app.models import TrackingEvent
from tests.support.factories import add_parcel, make_order

UTC = timezone.utc


def test_the_tracking_page_shows_the_parcels_contents_and_scan_history(app, client, shop):
    order = make_order(shop, lines=(("l1", 2), ("l2", 1)), status="shipped")
    parcel = add_parcel(order, line_items=(("l1", 2),), shipped_at=datetime(2026, 12, 1, 8, tzinfo=UTC))
    parcel.events.extend([
        TrackingEvent(status="in_transit", happened_at=datetime(2026, 12, 1, 13, 5, tzinfo=UTC),
                      location="Kassel",
                      source="provider:dhl", message="Die Sendung wurde im Start-Paketzentrum bearbeitet."),
        TrackingEvent(status="info_received", happened_at=datetime(2026, 12, 1, 9, tzinfo=UTC),
                      source="shopify",
                      message="success"),
    ])
    db.session.commit()
    page = client.get(f"/t/{tracking_token(order)}").get_data(as_text=True)
    assert "In diesem Paket: 2 × Item l1" in page and "Item l2" not in page  # l2 travels elsewhere
    history = re.search(r'<details class="as-history" data-history>(.*?)</details>', page, re.S).group(1)
    scans = re.findall(r"<li>(.*?)</li>", history, re.S)
    assert "Di., 1.12., 14:05" in scans[0] and "Kassel" in scans[0]  # newest first, Berlin time
    assert "Start-Paketzentrum" in scans[0]  # the carrier's words, from the provider
    assert "success" not in history  # a platform's raw status is no news for a buyer
    facts = client.get(f"/t/{tracking_token(order)}.json").get_json()
    [shown] = facts["modules"]["tracking"]["parcels"]
    assert shown["contents"] == [{"title": "Item l1", "quantity": 2, "image_url": None}]
    assert [e["at_label"] for e in shown["events"]] == ["Di., 1.12., 14:05", "Di., 1.12., 10:00"]


def test_a_parcel_waiting_at_a_pickup_point_says_where(app, client, shop):
    order = make_order(shop, status="shipped")
    add_parcel(order, status="available_for_pickup", pickup_point={
        "name": "DHL Packstation 123", "address": "Hauptstr. 1, 10115 Berlin",
        "opening_hours": "Mo–So 0–24 Uhr"})
    db.session.commit()
    page = client.get(f"/t/{tracking_token(order)}").get_data(as_text=True)
    box = re.search(r'<p class="as-pickup" data-pickup>(.*?)</p>', page, re.S).group(1)
    assert "Abholen bei" in box and "Packstation 123" in box and "10115 Berlin" in box and "0–24 Uhr" in box
    order.shipments[0].status = "delivered"
    db.session.commit()
    assert "data-pickup" not in client.get(f"/t/{tracking_token(order)}").get_data(as_text=True)
