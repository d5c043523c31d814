"""Shops (one per installed store) and their per-module switches."""
from __future__ import annotations

import secrets
from datetime import datetime, timezone

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db.base import Base
from app.keys.encryption import EncryptedText


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Shop(Base):
    __tablename__ = "shops"
    __table_args__ = (UniqueConstraint("platform", "domain"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(20))
    domain: Mapped[str] = mapped_column(String(255))
    # Public, unguessable handle used in per-shop URLs (WooCommerce webhook address).
    shop_key: Mapped[str] = mapped_column(
        String(40), unique=True, default=lambda: secrets.token_urlsafe(18)
    )
    name: Mapped[str | None] = mapped_column(String(255))
    access_token: Mapped[str | None] = mapped_column(EncryptedText)
    refresh_token: Mapped[str | None] = mapped_column(EncryptedText)
    access_token_expires_at: Mapped[datetime | None]
    refresh_token_expires_at: Mapped[datetime | None]
    # Set when a token refresh was refused: the merchant must open the app again.
    needs_reauth_at: Mapped[datetime | None]
    # Orders updated up to this time are known; reconciliation polls from here.
    reconciled_through: Mapped[datetime | None]
    # WooCommerce consumer key/secret (Shopify uses access_token).
    api_key: Mapped[str | None] = mapped_column(EncryptedText)
    api_secret: Mapped[str | None] = mapped_column(EncryptedText)
    webhook_secret: Mapped[str | None] = mapped_column(EncryptedText)
    scopes: Mapped[str | None] = mapped_column(String(1000))
    # The periodic sync's verdict on the shop's connection (WooCommerce: REST, webhooks).
    sync_health: Mapped[str | None] = mapped_column(String(255))
    last_synced_at: Mapped[datetime | None]
    locale: Mapped[str] = mapped_column(String(10), default="de")
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Berlin")
    # Where the shop ships from: parcels to another country get more time before follow-ups.
    country: Mapped[str] = mapped_column(String(2), default="DE", server_default="DE")
    # §7(3) UWG: marketing to existing customers without opt-in; off unless the merchant
    # confirms its conditions (objection notice at collection and in every mail).
    existing_customer_exemption: Mapped[bool] = mapped_column(default=False, server_default=false())
    branding: Mapped[dict] = mapped_column(JSON, default=dict)
    # The Reply-To of every mail, so a buyer's answer reaches the shop; marketing mail waits
    # for it (app/domain/followups/send_checks.py). Validated as one plain address
    # (app/domain/shop/form_fields.py).
    support_email: Mapped[str | None] = mapped_column(String(254))
    # The merchant's own host for the tracking page and lookup (e.g. track.example.de, CNAMEd
    # to us): lower-case, IDNA-encoded, no port. One shop per host.
    custom_domain: Mapped[str | None] = mapped_column(String(253), unique=True)
    # Set once the shop proved it holds custom_domain (DNS TXT); only then does the host serve it.
    custom_domain_verified_at: Mapped[datetime | None]
    # Salts the hash that puts an order in the holdout (app/domain/analytics/holdout.py): stable per
    # order, unguessable from outside, independent of the app's SECRET_KEY rotation.
    holdout_salt: Mapped[str | None] = mapped_column(String(32),
                                                     default=lambda: secrets.token_hex(16))
    installed_at: Mapped[datetime] = mapped_column(default=utcnow)
    uninstalled_at: Mapped[datetime | None]
    redact_after: Mapped[datetime | None]

    # Bumped whenever the shop's settings or modules change (app/domain/orders/facts_versions.py).
    facts_version: Mapped[int] = mapped_column(default=1, server_default="1")

    modules: Mapped[list[ShopModule]] = relationship(
        back_populates="shop", cascade="all, delete-orphan"
    )

    @property
    def active(self) -> bool:
        return self.uninstalled_at is None


class ShopModule(Base):
    __tablename__ = "shop_modules"
    __table_args__ = (UniqueConstraint("shop_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(40))
    enabled: Mapped[bool]
    settings: Mapped[dict] = mapped_column(JSON, default=dict)
    # What a job computed for the module (recommendations: co-purchases and best sellers),
    # loaded with the switches so a block view needs no query of its own. Never merchant input.
    derived: Mapped[dict | None] = mapped_column(JSON)

    shop: Mapped[Shop] = relationship(back_populates="modules")
