"""The suppression list: addresses that get no marketing mail, kept as hashes only."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base
from app.models.shop import utcnow

SUPPRESSION_REASONS = ("unsubscribed", "bounced", "complained", "redacted")


class Suppression(Base):
    __tablename__ = "suppressions"
    __table_args__ = (UniqueConstraint("shop_id", "email_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    # sha256 hex of the lowercased, trimmed address: the list outlives the address itself.
    email_hash: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


# Has the shop an address listed as erased? (redact_late_arrivals asks for every batch.)
_REDACTED = text("reason = 'redacted'")
Index("ix_suppressions_redacted", Suppression.shop_id, postgresql_where=_REDACTED,
      sqlite_where=_REDACTED)
