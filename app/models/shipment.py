"""Shipments (one per parcel of a fulfillment) and their tracking events."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base
from app.models.order import Order


class Shipment(Base):
    __tablename__ = "shipments"
    __table_args__ = (UniqueConstraint("order_id", "platform_fulfillment_id", "parcel_index"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    platform_fulfillment_id: Mapped[str] = mapped_column(String(64))
    parcel_index: Mapped[int] = mapped_column(default=0)
    carrier: Mapped[str | None] = mapped_column(String(120))
    tracking_number: Mapped[str | None] = mapped_column(String(120))
    tracking_url: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(30), default="pending")
    sub_status: Mapped[str | None] = mapped_column(String(60))
    shipped_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    edd_start: Mapped[datetime | None]
    edd_end: Mapped[datetime | None]
    edd_source: Mapped[str | None] = mapped_column(String(20))
    line_items: Mapped[list] = mapped_column(JSON, default=list)
    platform_updated_at: Mapped[datetime | None]

    order: Mapped[Order] = relationship(back_populates="shipments")
    events: Mapped[list[TrackingEvent]] = relationship(
        back_populates="shipment", cascade="all, delete-orphan",
        order_by="TrackingEvent.happened_at",
    )


class TrackingEvent(Base):
    __tablename__ = "tracking_events"
    __table_args__ = (UniqueConstraint("shipment_id", "status", "happened_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shipment_id: Mapped[int] = mapped_column(ForeignKey("shipments.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(30))
    sub_status: Mapped[str | None] = mapped_column(String(60))
    happened_at: Mapped[datetime]
    location: Mapped[str | None] = mapped_column(String(255))
    message: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(20))

    shipment: Mapped[Shipment] = relationship(back_populates="events")
