"""Customers, orders and order lines: the normalised picture of what was bought."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, Numeric, String, UniqueConstraint, func, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db.base import Base
from app.models.shop import Shop, utcnow

if TYPE_CHECKING:  # they import this module: resolved by name at mapping time
    from app.models.refund import Refund
    from app.models.shipment import Shipment
    from app.models.survey import SurveyAnswer


class Customer(Base):
    __tablename__ = "customers"
    __table_args__ = (UniqueConstraint("shop_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    platform_customer_id: Mapped[str | None] = mapped_column(String(64))
    email: Mapped[str | None] = mapped_column(String(320))
    locale: Mapped[str | None] = mapped_column(String(10))
    marketing_consent: Mapped[str] = mapped_column(String(20), default="unknown")
    consent_source: Mapped[str | None] = mapped_column(String(40))
    consent_at: Mapped[datetime | None]
    suppressed_reason: Mapped[str | None] = mapped_column(String(40))
    suppressed_at: Mapped[datetime | None]


class Order(Base):
    __tablename__ = "orders"
    __table_args__ = (UniqueConstraint("shop_id", "platform_order_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    customer_id: Mapped[int | None] = mapped_column(
        ForeignKey("customers.id", ondelete="SET NULL")
    )
    platform_order_id: Mapped[str] = mapped_column(String(64))
    # WooCommerce `order_key` (wc_order_…): binds embed tokens to the order, not just its id.
    platform_order_key: Mapped[str | None] = mapped_column(String(64))
    name: Mapped[str | None] = mapped_column(String(64))
    currency: Mapped[str | None] = mapped_column(String(3))
    total_price: Mapped[Decimal | None] = mapped_column(Numeric(14, 4))
    financial_status: Mapped[str | None] = mapped_column(String(40))
    fulfillment_status: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(30), default="placed")
    locale: Mapped[str | None] = mapped_column(String(10))
    shipping_country: Mapped[str | None] = mapped_column(String(2))
    placed_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    refunded_at: Mapped[datetime | None]
    # The platform's own updated_at of the newest event applied; older events are stale.
    platform_updated_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # Bumped whenever anything the block shows about this order changes (app/domain/orders/facts_versions.py).
    facts_version: Mapped[int] = mapped_column(default=1, server_default="1")

    shop: Mapped[Shop] = relationship()
    customer: Mapped[Customer | None] = relationship()
    lines: Mapped[list[OrderLine]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="OrderLine.id"
    )
    shipments: Mapped[list[Shipment]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="Shipment.id"
    )
    refunds: Mapped[list[Refund]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="Refund.id"
    )
    survey_answer: Mapped[SurveyAnswer | None] = relationship(
        back_populates="order", cascade="all, delete-orphan", uselist=False
    )


class OrderLine(Base):
    __tablename__ = "order_lines"
    __table_args__ = (UniqueConstraint("order_id", "platform_line_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    platform_line_id: Mapped[str] = mapped_column(String(64))
    product_id: Mapped[str | None] = mapped_column(String(64))
    variant_id: Mapped[str | None] = mapped_column(String(64))
    sku: Mapped[str | None] = mapped_column(String(255))
    title: Mapped[str] = mapped_column(String(500))
    quantity: Mapped[int]
    price: Mapped[Decimal | None] = mapped_column(Numeric(14, 4))
    # Shopify's product handle (for a link) and whether the product still existed when the
    # platform last sent this line; recommendations skip removed products.
    product_handle: Mapped[str | None] = mapped_column(String(255))
    product_exists: Mapped[bool | None]
    # The product's picture as the platform names it (https only; shown beside the line in
    # the parcel's contents). Kept when a later event carries none (Shopify's REST webhooks).
    image_url: Mapped[str | None] = mapped_column(String(2000))

    order: Mapped[Order] = relationship(back_populates="lines")


Index("ix_orders_shop_updated", Order.shop_id, Order.updated_at)
# A shop's orders of a period, by when they were placed (the analytics pages, migration 0025).
Index("ix_orders_shop_placed", Order.shop_id, func.coalesce(Order.placed_at, Order.created_at))
# The buyer's other orders (follow-up planning reads them on every order event).
Index("ix_orders_customer_id", Order.customer_id)
# Find-my-order looks an order up by the number the buyer types (its name).
Index("ix_orders_shop_name", Order.shop_id, Order.name)
# Has the shop an erased buyer? (redact_late_arrivals asks for every batch a drain applies.)
_ERASED = text("suppressed_reason = 'redacted'")
Index("ix_customers_redacted", Customer.shop_id, postgresql_where=_ERASED, sqlite_where=_ERASED)
