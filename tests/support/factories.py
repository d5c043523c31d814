"""Build orders and parcels directly in the database for domain tests."""
from __future__ import annotations

from datetime import datetime, timezone

from app.extensions import db
from app.models import Customer, MessageState, Order, OrderLine, Shipment, ShopModule, TrackingEvent

T0 = datetime(2026, 11, 23, 10, 0, tzinfo=timezone.utc)


def make_order(shop, *, platform_order_id="1001", financial_status="paid", lines=(("l1", 1),),
               **fields) -> Order:
    customer = Customer(shop_id=shop.id, email=f"buyer-{platform_order_id}@example.com", locale="de")
    order = Order(shop_id=shop.id, platform_order_id=platform_order_id,
                  name="#1001", currency="EUR", financial_status=financial_status,
                  placed_at=fields.pop("placed_at", T0), customer=customer, **fields)
    for line_id, quantity, *variant in lines:  # (line id, quantity[, variant id])
        variant_id = variant[0] if variant else None
        order.lines.append(OrderLine(platform_line_id=line_id, title=f"Item {line_id}", quantity=quantity,
                                     variant_id=variant_id,
                                     product_id=f"p-{variant_id}" if variant_id else None))
    db.session.add(order)
    db.session.flush()
    return order


def add_parcel(order, *, status="in_transit", tracking_number="00340434161094042557",
               fulfillment_id="f1", index=0, line_items=(("l1", 1),), shipped_at=T0,
               delivered_at=None, carrier="DHL", **fields) -> Shipment:
    shipment = Shipment(platform_fulfillment_id=fulfillment_id, parcel_index=index, status=status,
                        tracking_number=tracking_number, carrier=carrier, shipped_at=shipped_at,
                        delivered_at=delivered_at, line_items=[list(p) for p in line_items], **fields)
    order.shipments.append(shipment)
    db.session.flush()
    return shipment


def carrier_scan(parcel, status: str | None = None, at: datetime | None = None,
                 source: str = "provider:dhl") -> TrackingEvent:
    """A scan the carrier reported (through a tracking provider by default): from then on the
    parcel is one the carrier speaks about, which can stall when it goes quiet."""
    event = TrackingEvent(status=status or parcel.status, happened_at=at or parcel.shipped_at, source=source)
    parcel.events.append(event)
    db.session.flush()
    return event


def set_module(shop, key: str, enabled: bool = True, **settings) -> None:
    """Switch a shop module on or off with settings (replacing any earlier ones)."""
    row = next((m for m in shop.modules if m.key == key), None)
    if row is None:
        row = ShopModule(shop_id=shop.id, key=key)
        shop.modules.append(row)
    row.enabled, row.settings = enabled, dict(settings)
    db.session.flush()


def mark_sent(message, sent_at: datetime) -> None:
    """A planned mail sent, through the states dispatch and the send job move it through."""
    for state in (MessageState.QUEUED, MessageState.SENDING, MessageState.SENT):
        message.state = state
    message.sent_at = sent_at
