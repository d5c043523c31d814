"""A shop's own tracking-provider keys, and the provider calls made for its parcels per month.

App-wide default keys come from the environment (DHL_API_KEY, SEVENTEENTRACK_API_KEY) and
have no row; a shop's own key (entered in the admin) is stored encrypted and is used first.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base
from app.keys.encryption import EncryptedText
from app.models.shop import utcnow


class TrackingProviderKey(Base):
    __tablename__ = "tracking_provider_keys"
    __table_args__ = (UniqueConstraint("shop_id", "provider"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    provider: Mapped[str] = mapped_column(String(20))  # a key of connectors.tracking.PROVIDERS
    api_key: Mapped[str] = mapped_column(EncryptedText)
    # Set by a test call that the provider answered; None: not verified (yet).
    verified_at: Mapped[datetime | None]
    # Set when the provider refused the key (401/403): it is not used until replaced.
    last_error: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class TrackingUsage(Base):
    """Calls to one provider for one shop's parcels in one calendar month (UTC), whichever key."""

    __tablename__ = "tracking_usage"
    __table_args__ = (UniqueConstraint("shop_id", "provider", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    provider: Mapped[str] = mapped_column(String(20))
    month: Mapped[str] = mapped_column(String(7))  # "2026-12"
    calls: Mapped[int] = mapped_column(default=0)  # HTTP requests (a batch is one)
    lookups: Mapped[int] = mapped_column(default=0)  # parcels asked about or registered
