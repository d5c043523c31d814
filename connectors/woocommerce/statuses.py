"""WooCommerce order statuses → what they mean for the order and its tracked parcels.

ONE table. Core statuses (`wc_get_order_statuses`), `trash`, the block checkout's
`checkout-draft`, and the custom ones tracking plugins register (AST: `shipped`,
`partial-shipped`, `delivered`). Any other value is `unknown`: logged once, never a crash.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

from connectors.base import ShipmentStatus as S

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OrderStatusMeaning:
    """What one WooCommerce order status says about the order.

    parcels: the status of the order's tracked parcels; None leaves existing parcels alone
    (a refund or cancellation must not rewrite a parcel that was delivered).
    fulfillment: "fulfilled", "partial" or None, in the Order.fulfillment_status vocabulary.
    """

    name: str
    parcels: S | None
    fulfillment: str | None = None
    paid: bool = False
    cancelled: bool = False
    refunded: bool = False
    ignored: bool = False


ORDER_STATUSES: dict[str, OrderStatusMeaning] = {m.name: m for m in (
    OrderStatusMeaning("pending", parcels=S.INFO_RECEIVED),
    OrderStatusMeaning("on-hold", parcels=S.INFO_RECEIVED),
    OrderStatusMeaning("processing", parcels=S.INFO_RECEIVED, paid=True),
    OrderStatusMeaning("completed", parcels=S.IN_TRANSIT, fulfillment="fulfilled", paid=True),
    OrderStatusMeaning("shipped", parcels=S.IN_TRANSIT, fulfillment="fulfilled", paid=True),
    OrderStatusMeaning("partial-shipped", parcels=S.IN_TRANSIT, fulfillment="partial", paid=True),
    OrderStatusMeaning("delivered", parcels=S.DELIVERED, fulfillment="fulfilled", paid=True),
    OrderStatusMeaning("cancelled", parcels=None, cancelled=True),
    OrderStatusMeaning("trash", parcels=None, cancelled=True),
    OrderStatusMeaning("refunded", parcels=None, paid=True, refunded=True),
    OrderStatusMeaning("failed", parcels=None),
    OrderStatusMeaning("checkout-draft", parcels=None, ignored=True),
    OrderStatusMeaning("draft", parcels=None, ignored=True),
    OrderStatusMeaning("auto-draft", parcels=None, ignored=True),
)}

UNKNOWN = OrderStatusMeaning("unknown", parcels=S.UNKNOWN)

_logged_unknown: set[str] = set()


def order_status(raw) -> OrderStatusMeaning:
    """The meaning of a raw status (`wc-` prefix tolerated); unknown values map to `unknown`."""
    text = str(raw or "").strip().lower()
    if text.startswith("wc-"):
        text = text[3:]
    meaning = ORDER_STATUSES.get(text)
    if meaning is None:
        if text not in _logged_unknown:
            _logged_unknown.add(text)
            log.warning("unknown WooCommerce order status %r mapped to unknown", raw)
        return UNKNOWN
    return meaning


# TrackShip for WooCommerce keeps the carrier's status per tracking item in the order meta
# `ts_shipment_status` (older versions: `shipment_status`), a PHP array keyed like the
# tracking items: [{"status": "in_transit", …}] (trackship-for-woocommerce,
# includes/api/class-trackship-rest-api-controller.php, tracking_webhook). Values that are
# TrackShip's own bookkeeping (pending_trackship, carrier_unsupported, …) are left out: they
# say nothing about the parcel.
TRACKSHIP_META_KEYS = ("ts_shipment_status", "shipment_status")
TRACKSHIP_STATUS = {
    "pre_transit": S.INFO_RECEIVED,
    "in_transit": S.IN_TRANSIT,
    "on_hold": S.DELAYED,
    "out_for_delivery": S.OUT_FOR_DELIVERY,
    "available_for_pickup": S.AVAILABLE_FOR_PICKUP,
    "failure": S.ATTEMPT_FAILED,
    "exception": S.EXCEPTION,
    "return_to_sender": S.RETURNING,
    "delivered": S.DELIVERED,
}
