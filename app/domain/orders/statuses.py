"""Order status derived from the order's flags and its parcels (DESIGN.md §4)."""
from __future__ import annotations

from collections import Counter
from enum import StrEnum

from app.domain.followups.planner_input import OrderInput
from connectors.base import ShipmentStatus as S


class OrderStatus(StrEnum):
    PLACED = "placed"
    PROCESSING = "processing"
    PARTIALLY_SHIPPED = "partially_shipped"
    SHIPPED = "shipped"
    OUT_FOR_DELIVERY = "out_for_delivery"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"
    RETURNED = "returned"
    NEEDS_ATTENTION = "needs_attention"


ATTENTION = frozenset({S.ATTEMPT_FAILED, S.EXCEPTION, S.AVAILABLE_FOR_PICKUP})
RETURNS = frozenset({S.RETURNING, S.RETURNED})
NOT_SHIPPED = frozenset({S.PENDING, S.CANCELLED})
PAID = frozenset({"paid", "partially_refunded", "authorized", "partially_paid", "processing"})


def fully_fulfilled(order: OrderInput) -> bool:
    """True when the platform says so or the parcels cover every ordered quantity."""
    if order.fulfillment_status == "fulfilled":
        return True
    if not order.lines:
        return False
    shipped: Counter[str] = Counter()
    for shipment in order.shipments:
        if shipment.status in NOT_SHIPPED or shipment.parcel_index:
            continue  # count a fulfillment's lines once, not once per parcel
        for line_id, quantity in shipment.line_items or ():
            shipped[line_id] += quantity
    return all(shipped[line.platform_line_id] >= line.quantity for line in order.lines)


def derive_order_status(order: OrderInput) -> OrderStatus:
    """The buyer-facing status; a cancellation or refund outranks any parcel state."""
    if order.cancelled_at is not None:
        return OrderStatus.CANCELLED
    if order.financial_status == "refunded":
        return OrderStatus.REFUNDED
    live = [s.status for s in order.shipments if s.status not in NOT_SHIPPED]
    if any(status in RETURNS for status in live):
        return OrderStatus.RETURNED
    if any(status in ATTENTION for status in live):
        return OrderStatus.NEEDS_ATTENTION
    if live:
        complete = fully_fulfilled(order)
        if complete and all(status == S.DELIVERED for status in live):
            return OrderStatus.DELIVERED
        if any(status == S.OUT_FOR_DELIVERY for status in live):
            return OrderStatus.OUT_FOR_DELIVERY
        return OrderStatus.SHIPPED if complete else OrderStatus.PARTIALLY_SHIPPED
    if order.financial_status in PAID:
        return OrderStatus.PROCESSING
    return OrderStatus.PLACED
