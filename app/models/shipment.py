"""Shipments (one per parcel of a fulfillment) and their tracking events."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db.base import Base
from app.models.order import Order


class Shipment(Base):
    __tablename__ = "shipments"
    __table_args__ = (UniqueConstraint("order_id", "platform_fulfillment_id", "parcel_index"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    platform_fulfillment_id: Mapped[str] = mapped_column(String(64))
    parcel_index: Mapped[int] = mapped_column(default=0)
    carrier: Mapped[str | None] = mapped_column(String(120))
    # Indexed: a provider's push names the parcel by its number.
    tracking_number: Mapped[str | None] = mapped_column(String(120), index=True)
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
    # Carrier tracking through a provider (app/jobs/carrier_polling.py): which provider follows
    # the parcel (a key of connectors.tracking.PROVIDERS, None: none does), when it is asked
    # next (None: not at all), how often it was asked, when a pushing provider took the
    # number, and when following it ended (delivered, or given up 30 days after shipping).
    tracking_provider: Mapped[str | None] = mapped_column(String(20))
    next_poll_at: Mapped[datetime | None] = mapped_column(index=True)
    poll_count: Mapped[int] = mapped_column(default=0, server_default="0")
    registered_at: Mapped[datetime | None]
    tracking_stopped_at: Mapped[datetime | None]
    # What the carrier adds: the pickup point ({name, address, opening_hours}) and who signed.
    pickup_point: Mapped[dict | None] = mapped_column(JSON)
    signed_by: Mapped[str | None] = mapped_column(String(255))

    order: Mapped[Order] = relationship(back_populates="shipments")
    events: Mapped[list[TrackingEvent]] = relationship(
        back_populates="shipment", cascade="all, delete-orphan",
        order_by="TrackingEvent.happened_at",
    )


# A first look at a new number once the carrier can know it (DHL shows new parcels after
# 10-30 minutes); see app/domain/arrival/poll_schedule.py for the rest of the schedule.
FIRST_LOOK = timedelta(minutes=30)


@event.listens_for(Shipment.tracking_number, "set", active_history=True)
def _new_number_is_due(shipment: Shipment, value, oldvalue, _initiator) -> None:
    """A parcel with a new tracking number is asked about afresh (whichever path set it)."""
    if value and value != oldvalue:
        shipment.next_poll_at = datetime.now(timezone.utc) + FIRST_LOOK
        shipment.tracking_stopped_at = shipment.registered_at = shipment.tracking_provider = None
        shipment.poll_count = 0


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
