"""The admin's activity log: who changed which of a shop's settings, when, and what."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base
from app.models.shop import utcnow


class SettingChange(Base):
    __tablename__ = "setting_changes"
    __table_args__ = (Index("ix_setting_changes_shop_at", "shop_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    # "Shopify user 42" (the id token's sub) or "WordPress user 7" (the login link's user).
    actor: Mapped[str] = mapped_column(String(100))
    # A module key (mail_shipped) or an admin page (content, legal, …).
    area: Mapped[str] = mapped_column(String(60))
    # Field names with old → new; a secret only as "changed", never its value.
    summary: Mapped[str] = mapped_column(Text)
