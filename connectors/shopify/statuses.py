"""Shopify fulfillment and shipment statuses → ShipmentStatus (REST lowercase, GraphQL upper)."""
from __future__ import annotations

import logging

from connectors.base import ShipmentStatus as S

log = logging.getLogger(__name__)

# Fulfillment.shipment_status (REST) / FulfillmentDisplayStatus + event status (GraphQL).
SHIPMENT_STATUS = {
    "label_printed": S.INFO_RECEIVED,
    "label_purchased": S.INFO_RECEIVED,
    "confirmed": S.INFO_RECEIVED,
    "ready_for_pickup": S.AVAILABLE_FOR_PICKUP,
    "picked_up": S.IN_TRANSIT,
    "in_transit": S.IN_TRANSIT,
    "out_for_delivery": S.OUT_FOR_DELIVERY,
    "attempted_delivery": S.ATTEMPT_FAILED,
    "delayed": S.DELAYED,
    "delivered": S.DELIVERED,
    "failure": S.EXCEPTION,
    "carrier_picked_up": S.IN_TRANSIT,
    # FulfillmentDisplayStatus (GraphQL, 2026-10) values beyond the REST shipment_status set
    "fulfilled": S.INFO_RECEIVED,
    "marked_as_fulfilled": S.INFO_RECEIVED,
    "submitted": S.PENDING,
    "label_voided": S.CANCELLED,
    "canceled": S.CANCELLED,
    "not_delivered": S.EXCEPTION,
    # unstable FulfillmentEventStatus values
    "buyer_action_required": S.EXCEPTION,
    "returning_to_sender": S.RETURNING,
}

# Shipment statuses only the carrier's tracking sets (the others: labels, fulfilment steps).
CARRIER_STATUSES = frozenset({
    "ready_for_pickup", "picked_up", "in_transit", "out_for_delivery", "attempted_delivery", "delayed",
    "delivered", "failure", "carrier_picked_up", "not_delivered", "buyer_action_required",
    "returning_to_sender",
})


def carrier_reported(shipment_status: str | None) -> bool:
    return bool(shipment_status and shipment_status.lower() in CARRIER_STATUSES)


# Fulfillment.status when no shipment status is known yet.
FULFILLMENT_STATUS = {
    "pending": S.PENDING,
    "open": S.PENDING,
    "success": S.INFO_RECEIVED,
    "cancelled": S.CANCELLED,
    "error": S.EXCEPTION,
    "failure": S.EXCEPTION,
}

_logged_unknown: set[str] = set()


def _lookup(table: dict[str, S], value: str) -> S:
    status = table.get(value.lower())
    if status is None:
        if value not in _logged_unknown:
            _logged_unknown.add(value)
            log.warning("unknown Shopify status %r mapped to unknown", value)
        return S.UNKNOWN
    return status


def shipment_status(fulfillment_status: str | None, shipment_status: str | None) -> S:
    """Normalise a fulfillment's status pair; a cancelled fulfillment wins over tracking."""
    if fulfillment_status and fulfillment_status.lower() == "cancelled":
        return S.CANCELLED
    if shipment_status:
        return _lookup(SHIPMENT_STATUS, shipment_status)
    if fulfillment_status:
        return _lookup(FULFILLMENT_STATUS, fulfillment_status)
    return S.PENDING


# Email-marketing consent (REST lower case, GraphQL upper case) → our consent state.
CONSENT_STATES = {
    "subscribed": "granted", "pending": "pending", "not_subscribed": "denied",
    "invalid": "denied", "unsubscribed": "withdrawn", "redacted": "withdrawn",
}


def consent_state(platform_state: str | None) -> str | None:
    return CONSENT_STATES.get(platform_state.lower()) if platform_state else None
