"""Unique voucher codes the app created on the shop's platform, one per message or survey.

A row is reserved (code and expiry chosen) before the platform is asked, and marked issued
once the platform created the code, so a retried send reuses its code instead of making a
second one. Nothing about the buyer is kept here: the order says who it was for.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base
from app.models.shop import utcnow


class IssuedVoucherRow(Base):
    __tablename__ = "issued_vouchers"
    __table_args__ = (UniqueConstraint("order_id", "purpose"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    # "<mail kind>:<sequence>" for a mail, "survey" for the block's thank-you code.
    purpose: Mapped[str] = mapped_column(String(60))
    code: Mapped[str] = mapped_column(String(64))
    discount: Mapped[str] = mapped_column(String(10))  # percent | fixed
    value: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    minimum_order: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    expires_at: Mapped[datetime]
    # The platform's id (Shopify DiscountCodeNode gid, WooCommerce coupon id); None when an
    # earlier attempt created the code and its answer was lost (the code is still ours).
    platform_id: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    issued_at: Mapped[datetime | None]
