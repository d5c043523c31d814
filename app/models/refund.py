"""Refunds of an order, one row per platform refund: the events refund and return mails answer."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db.base import Base
from app.models.order import Order


class Refund(Base):
    __tablename__ = "refunds"
    __table_args__ = (UniqueConstraint("order_id", "platform_refund_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    platform_refund_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    # Goods came back (restock type "return"), not only money.
    returned: Mapped[bool] = mapped_column(default=False)
    amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 4))

    order: Mapped[Order] = relationship(back_populates="refunds")
