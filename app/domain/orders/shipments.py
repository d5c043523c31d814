"""Apply fulfillment events: one Shipment row per parcel, with a tracking-event history."""
from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.orm import Session

from app.domain.followups.planner_input import ParcelInput
from app.domain.orders.order_context import is_stale
from app.models import Order, Shipment, TrackingEvent
from connectors.base import FulfillmentEvent, ShipmentStatus, TrackingUpdate
from connectors.links import web_link

log = logging.getLogger(__name__)

UNSHIPPED = (ShipmentStatus.PENDING, ShipmentStatus.CANCELLED)
CARRIER_SUFFIX = ":carrier"
PROVIDER_PREFIX = "provider:"


def carrier_source(platform: str) -> str:
    """The event source of a carrier scan the platform relays (Shopify's shipment status)."""
    return platform if platform.endswith(CARRIER_SUFFIX) else platform + CARRIER_SUFFIX


def said_by_carrier(source: str | None) -> bool:
    """Whether an event's source is the carrier: relayed by the platform (`shopify:carrier`)
    or asked of a tracking provider (`provider:dhl`); the rest is the shop's own workflow."""
    return source is not None and (source.endswith(CARRIER_SUFFIX) or source.startswith(PROVIDER_PREFIX))


def carrier_spoke(parcel: ParcelInput) -> bool:
    """Whether the carrier ever reported on the parcel (not just the shop marking it shipped)."""
    return any(said_by_carrier(e.source) for e in parcel.events)


# What a shop's own workflow says of a parcel (fulfilled, order completed) that the carrier
# knows better once it has spoken: such a status neither replaces the carrier's nor joins the
# parcel's history then. Delivered, cancelled or returned from the shop still count.
WORKFLOW_GUESSES = (ShipmentStatus.PENDING, ShipmentStatus.INFO_RECEIVED, ShipmentStatus.IN_TRANSIT,
                    ShipmentStatus.UNKNOWN)


def _workflow_behind_carrier(shipment: Shipment, event: FulfillmentEvent) -> bool:
    return not event.carrier_reported and event.status in WORKFLOW_GUESSES and carrier_spoke(shipment)


def apply_fulfillment_event(session: Session, order: Order, event: FulfillmentEvent, source: str,
                            now: datetime) -> list[Shipment]:
    """Upsert the fulfillment's parcels; a parcel never takes an older state."""
    existing = {
        (s.platform_fulfillment_id, s.parcel_index): s for s in order.shipments
    }
    touched = []
    for index, parcel in enumerate(event.parcels):
        shipment = existing.get((event.platform_fulfillment_id, index))
        if shipment is None:
            shipment = Shipment(platform_fulfillment_id=event.platform_fulfillment_id,
                                parcel_index=index, status=ShipmentStatus.PENDING.value)
            order.shipments.append(shipment)
        elif is_stale(shipment.platform_updated_at, event.updated_at):
            log.info("stale fulfillment event dropped shipment=%s", shipment.id)
            continue
        happened = event.updated_at or now
        status = ShipmentStatus(event.status).value
        said_by = carrier_source(source) if event.carrier_reported else source
        if shipment.status != status and not _workflow_behind_carrier(shipment, event):
            # Shopify reports a carrier scan twice, as fulfillments/update and as
            # fulfillment_events/create, and the two may be applied in either order: the
            # scan is recorded once, and a later scan already recorded keeps its status.
            known = shipment.events
            latest = max((e.happened_at for e in known), default=None)
            if not any(e.status == status and e.happened_at == happened for e in known):
                known.append(TrackingEvent(status=status, happened_at=happened, source=said_by,
                                           message=event.raw_status))
            if latest is None or happened >= latest:
                shipment.status = status
        shipment.carrier = parcel.carrier or shipment.carrier
        shipment.tracking_number = parcel.tracking_number or shipment.tracking_number
        shipment.tracking_url = web_link(parcel.tracking_url) or shipment.tracking_url
        shipment.line_items = [list(pair) for pair in event.line_items]
        if event.status not in UNSHIPPED and shipment.shipped_at is None:
            shipment.shipped_at = event.created_at or happened
        if event.status == ShipmentStatus.DELIVERED and shipment.delivered_at is None:
            shipment.delivered_at = happened
        if event.estimated_delivery_at is not None:
            shipment.edd_start = shipment.edd_end = event.estimated_delivery_at
            shipment.edd_source = "carrier"
        shipment.platform_updated_at = event.updated_at or shipment.platform_updated_at
        touched.append(shipment)
    return touched



def apply_tracking_update(order: Order, update: TrackingUpdate, source: str) -> list[Shipment]:
    """Record a carrier event on every parcel of its fulfillment; newer events set the status.
    A tracking update is the carrier's scan as the platform relays it: `<platform>:carrier`."""
    source = carrier_source(source)
    shipments = [s for s in order.shipments if s.platform_fulfillment_id == update.platform_fulfillment_id]
    if not shipments:  # the fulfillment itself has not arrived yet
        shipments = [Shipment(platform_fulfillment_id=update.platform_fulfillment_id, parcel_index=0,
                              status=ShipmentStatus.PENDING.value)]
        order.shipments.extend(shipments)
    status = ShipmentStatus(update.status).value
    for shipment in shipments:
        if any(e.status == status and e.happened_at == update.happened_at for e in shipment.events):
            continue  # the same carrier event twice
        latest = max((e.happened_at for e in shipment.events), default=None)
        shipment.events.append(TrackingEvent(
            status=status, happened_at=update.happened_at, source=source,
            location=update.location, message=update.message or update.raw_status))
        if latest is None or update.happened_at >= latest:
            shipment.status = status
            if status not in UNSHIPPED and shipment.shipped_at is None:
                shipment.shipped_at = update.happened_at
            if status == ShipmentStatus.DELIVERED and shipment.delivered_at is None:
                shipment.delivered_at = update.happened_at
        if update.estimated_delivery_at is not None:
            shipment.edd_start = shipment.edd_end = update.estimated_delivery_at
            shipment.edd_source = "carrier"
    return shipments
