"""An address a shop may send test mails to, once its owner confirmed it through a mailed link."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base
from app.models.shop import utcnow


class TestRecipient(Base):
    __tablename__ = "test_recipients"
    __table_args__ = (UniqueConstraint("shop_id", "address"),)
    __test__ = False  # not a pytest test class

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    # Lowercased and trimmed; a merchant's own address, not a buyer's.
    address: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[datetime | None]
