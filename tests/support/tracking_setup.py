"""Carrier tracking in tests: a pass of the poller, due parcels, DHL answers (fixtures: tracking_fixtures)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from app.extensions import db
from app.jobs.carrier_polling import poll_due
from app.models import Shipment
from tests.support.factories import add_parcel, make_order

DHL_KEY = "dhl-app-key-0001"
SEVENTEEN_KEY = "17track-app-key-0001"
NOW = datetime.now(timezone.utc).replace(microsecond=0)
DPD_NUMBER = "01234567890128"
DPD_CODE = 100007  # 17TRACK's DPD (DE)


def poll(now: datetime, **kwargs) -> dict:
    """One pass of the poller at `now` (rate waits simulated); the session then reads afresh."""
    counts = poll_due(now, simulated=True, **kwargs)
    db.session.expire_all()
    return counts


def due_parcel(shop, number: str, *, carrier: str | None, order_id: str, now: datetime = NOW,
               shipped: timedelta = timedelta(hours=2), status: str = "in_transit") -> Shipment:
    """An order with one parcel of this number, shipped `shipped` ago and due for a look at `now`."""
    order = make_order(shop, platform_order_id=order_id, status="shipped", shipping_country="DE",
                       placed_at=now - shipped - timedelta(days=1))
    parcel = add_parcel(order, tracking_number=number, carrier=carrier, shipped_at=now - shipped,
                        status=status)
    parcel.next_poll_at = now
    db.session.commit()
    return parcel


def delivered_on_17track(shop, fake_17track) -> tuple[Shipment, datetime]:
    """A DPD parcel shipped two days ago, registered with 17TRACK, whose recorded answer (served
    by the fake) says it was delivered an hour ago; the parcel and that moment."""
    parcel = due_parcel(shop, DPD_NUMBER, carrier="DPD", order_id="a", shipped=timedelta(hours=48))
    parcel.tracking_provider, parcel.registered_at = "17track", parcel.shipped_at
    db.session.commit()
    delivered_at = datetime.now(timezone.utc).replace(second=0, microsecond=0) - timedelta(hours=1)
    fake_17track.put(DPD_NUMBER, seventeen_item("gettrackinfo_delivered.json", carrier=DPD_CODE,
                                                newest_at=delivered_at), tag=str(parcel.id))
    return parcel, delivered_at


def dhl_body(number: str, events: list[tuple[datetime, str, str]], *, signed_by: str | None = None) -> dict:
    """A DHL Unified 200 body for a parcel-de parcel: (time, statusCode, description) oldest first."""
    wire = [{"timestamp": at.astimezone(timezone.utc).isoformat(timespec="seconds"), "statusCode": code,
             "status": text, "description": text, "location": {"address": {"addressLocality": "Deutschland"}}}
            for at, code, text in reversed(events)]
    shipment = {"id": number, "service": "parcel-de", "status": wire[0], "events": wire,
                "details": {"product": {"productName": "DHL PAKET"}, "pieceIds": [number]}}
    if signed_by:
        shipment["details"]["proofOfDelivery"] = {"timestamp": wire[0]["timestamp"],
                                                  "signed": {"name": signed_by}}
    return {"shipments": [shipment]}


def seventeen_item(name: str, *, carrier: int, newest_at: datetime) -> dict:
    """The recorded `accepted[]` item of tests/payloads/tracking/17track/<name>, tracked by 17TRACK
    carrier `carrier` and moved in time so that its newest event happened at `newest_at`."""
    from tests.support.fakes.tracking_providers import recorded

    item = recorded("17track", name)["data"]["accepted"][0]
    item["carrier"] = carrier
    for provider in item["track_info"]["tracking"]["providers"]:
        provider["provider"]["key"] = carrier
    stamps = [event["time_utc"] for provider in item["track_info"]["tracking"]["providers"]
              for event in provider["events"]]
    newest = max(datetime.fromisoformat(stamp) for stamp in stamps)
    # A delivery window's days move by whole days, as the newest event's UTC day moved: moved
    # by the full shift, "the day after the newest scan" would fall on the scan's own day
    # whenever the test runs earlier in the UTC day than the recorded scan happened.
    days = (newest_at.astimezone(timezone.utc).date() - newest.astimezone(timezone.utc).date())
    return _shifted(item, newest_at - newest, timedelta(days=days.days))


def _shifted(node, shift: timedelta, days: timedelta):
    if isinstance(node, list):
        return [_shifted(value, shift, days) for value in node]
    if not isinstance(node, dict):
        return node
    moved = {}
    for key, value in node.items():
        if key in ("time_utc", "time_iso") and isinstance(value, str):
            at = datetime.fromisoformat(value) + shift
            value = (at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ") if key == "time_utc"
                     else at.isoformat())
        # a delivery window's days
        elif key in ("from", "to") and isinstance(value, str) and len(value) == 10:
            value = (datetime.fromisoformat(value) + days).date().isoformat()
        moved[key] = _shifted(value, shift, days)
    return moved
