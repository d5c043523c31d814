"""What a tracking provider said about a parcel, into the one model.

Each scan becomes a TrackingEvent with source `provider:<name>` ("the carrier spoke"),
unless the parcel already has an event of the same status within a minute of it, whoever
recorded it (Shopify relays the same scans). The parcel takes the newest scan's status, as
`apply_tracking_update` does, but never leaves a final state (delivered, returned). The
carrier's delivery window, exception reason, pickup point and signature are kept; a
carrier that re-routed the parcel becomes its carrier (the number stays).

`apply_track` changes only the parcel; `replan` then brings the orders' status and planned
mails in step, exactly as a platform event does (app/domain/orders/events.py).
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from app.domain.arrival.carriers import BY_KEY
from app.domain.arrival.poll_schedule import FINAL
from app.domain.arrival.tracking_choice import carrier_key
from app.domain.followups.sync import sync_followups
from app.domain.orders.shipments import PROVIDER_PREFIX, said_by_carrier
from app.domain.orders.statuses import NOT_SHIPPED, derive_order_status
from app.models import Order, Shipment, TrackingEvent
from connectors.base import ShipmentStatus as S
from connectors.tracking.base import CarrierScan, ParcelTrack

SAME_SCAN = timedelta(minutes=1)


def source_of(provider: str) -> str:
    return f"{PROVIDER_PREFIX}{provider}"


def _clip(text: str | None, size: int) -> str | None:
    return text[:size] if text else None


def _known(shipment: Shipment, status: str, at: datetime) -> bool:
    return any(e.status == status and abs(e.happened_at - at) <= SAME_SCAN for e in shipment.events)


def _scans(track: ParcelTrack) -> list[CarrierScan]:
    """The track's scans, oldest first; a final state the provider states without a scan of
    it (a push with only `latest_status`) counts as a scan at the newest one's time."""
    scans = sorted(track.scans, key=lambda scan: scan.happened_at)
    final = S(track.status) if track.status in FINAL else None
    if final and scans and not any(scan.status == final for scan in scans):
        scans.append(CarrierScan(happened_at=scans[-1].happened_at, status=final, code=track.raw_status,
                                 description=track.sub_status))
    return scans


def apply_track(shipment: Shipment, track: ParcelTrack, provider: str) -> bool:
    """Record what the provider knows about the parcel; True when a fact changed."""
    if not track.found:
        return False
    before = _facts(shipment)
    source = source_of(provider)
    for scan in _scans(track):
        status = S(scan.status).value
        if _known(shipment, status, scan.happened_at):
            continue
        # Only the carrier's own earlier scans can outrank this one: the shop marking the
        # parcel shipped or the order completed later is no news about where it is.
        latest = max((e.happened_at for e in shipment.events if said_by_carrier(e.source)), default=None)
        shipment.events.append(TrackingEvent(
            status=status, happened_at=scan.happened_at, source=source, sub_status=_clip(scan.code, 60),
            location=_clip(scan.location, 255), message=scan.description))
        if (latest is None or scan.happened_at >= latest) and shipment.status not in FINAL:
            shipment.status = status
        if status not in NOT_SHIPPED and shipment.shipped_at is None:
            shipment.shipped_at = scan.happened_at
        if status == S.DELIVERED and shipment.delivered_at is None:
            shipment.delivered_at = scan.happened_at
    _details(shipment, track)
    return _facts(shipment) != before


def _details(shipment: Shipment, track: ParcelTrack) -> None:
    if track.estimated_from or track.estimated_to:
        shipment.edd_start = track.estimated_from or track.estimated_to
        shipment.edd_end = track.estimated_to or track.estimated_from
        shipment.edd_source = "carrier"
    if track.sub_status:
        shipment.sub_status = _clip(track.sub_status, 60)
    if track.pickup_point is not None:
        point = track.pickup_point
        shipment.pickup_point = {"name": point.name, "address": point.address,
                                 "opening_hours": point.opening_hours}
    if track.signed_by:
        shipment.signed_by = _clip(track.signed_by, 255)
    rerouted = track.carrier and track.carrier != carrier_key(shipment.carrier, shipment.tracking_number)
    if rerouted and track.carrier in BY_KEY:
        shipment.carrier = BY_KEY[track.carrier].name


def _facts(shipment: Shipment) -> tuple:
    return (len(shipment.events), shipment.status, shipment.shipped_at, shipment.delivered_at,
            shipment.edd_start, shipment.edd_end, shipment.sub_status, shipment.pickup_point,
            shipment.signed_by, shipment.carrier)


def replan(session: Session, orders: Sequence[Order], now: datetime) -> None:
    """After parcels of these orders changed: their status, and their follow-ups through the
    one planner entry, as a platform event does."""
    session.flush()
    for order in orders:
        order.status = derive_order_status(order).value
    sync_followups(session, orders, now)
