"""A parcel's figures for the Carriers and WISMO pages, stored when they become known.

One row per shipment that left or was delivered, written by the flush hook of
app/domain/arrival/parcel_records.py (every path that changes a parcel, its events or its
order's destination goes through a flush) and filled for older parcels by its
`fill_parcel_facts` (migration 0026). The definitions are app/domain/arrival/carrier_performance.py's:
days local to the shop's zone, transit in business days of the destination, only the
carrier's own events. A silence still going on when the row was written is kept as the
moment it becomes a stall (`stall_due_at`), so a reader compares it with its own now.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db.base import Base
from app.models.order import Order
from app.models.shipment import Shipment


class ParcelFact(Base):
    __tablename__ = "parcel_facts"
    __table_args__ = (
        Index("ix_parcel_facts_shop_ship_day", "shop_id", "ship_day"),
        Index("ix_parcel_facts_shop_delivered_day", "shop_id", "delivered_day"),
        Index("ix_parcel_facts_shop_delivered_at", "shop_id", "delivered_at"),
    )

    shipment_id: Mapped[int] = mapped_column(ForeignKey("shipments.id", ondelete="CASCADE"), primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    departed: Mapped[bool]  # shipped and not pending or cancelled: the Carriers page counts it
    carrier: Mapped[str] = mapped_column(String(90))  # learned_transit.carrier_key
    carrier_name: Mapped[str] = mapped_column(String(120))
    country: Mapped[str] = mapped_column(String(8))  # destination, upper case
    ship_day: Mapped[date | None]  # local
    reported: Mapped[bool]  # the carrier said anything about it
    delivered_day: Mapped[date | None]  # local; the carrier said delivered
    delivered_week: Mapped[date | None]  # its Monday
    transit: Mapped[int | None]  # business days of the destination
    no_carrier_data: Mapped[bool]
    on_time: Mapped[bool | None]
    inside_rule: Mapped[bool | None]
    exception: Mapped[bool]
    attempt_failed: Mapped[bool]
    stalled: Mapped[bool]  # a carrier silence that ended (a later carrier event came too late)
    stall_due_at: Mapped[datetime | None]  # the silence going on counts as a stall from then
    delivered_at: Mapped[datetime | None]  # the shipment's own (any source): WISMO's delivery moment

    shipment: Mapped[Shipment] = relationship()
    order: Mapped[Order] = relationship()
