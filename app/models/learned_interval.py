"""Replenishment intervals learned from a shop's repeat purchases (one compact row per shop)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base


class LearnedIntervals(Base):
    __tablename__ = "learned_intervals"

    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), primary_key=True)
    # {product key: days}, only products with enough repeat purchases (app/domain/orders/repeat_purchases.py).
    intervals: Mapped[dict] = mapped_column(JSON, default=dict)
    computed_at: Mapped[datetime]
