"""A shop's own sender domain: the DKIM key it signs with and what the last DNS check found.

One row per shop at most (the shop id is the key). Mail goes out From an address at `domain`
only while `verified_at` is set: the last check found both the DKIM and the SPF record right
(app/domain/shop/sender_domain_checks.py). The private key is encrypted at rest like the
platform tokens (app/keys/encryption.py) and goes with the shop: uninstalling deletes the row
(app/domain/privacy/lifecycle.py), redacting the shop cascades.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base
from app.keys.encryption import EncryptedText
from app.models.shop import utcnow


class SenderDomain(Base):
    __tablename__ = "sender_domains"

    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), primary_key=True)
    # Lower-case, IDNA-encoded, no final dot (app/domain/shop/sender_domains.py parse_sender_domain).
    domain: Mapped[str] = mapped_column(String(253))
    # The From address is <local_part>@<domain>.
    local_part: Mapped[str] = mapped_column(String(64), default="service")
    # The DKIM selector: the key's record is <selector>._domainkey.<domain>.
    selector: Mapped[str] = mapped_column(String(63))
    # RSA 2048, PEM (PKCS#1), encrypted; never shown, never exported.
    private_key: Mapped[str] = mapped_column(EncryptedText)
    # Base64 of the public key's DER (SubjectPublicKeyInfo): the p= of the DKIM record.
    public_key: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set while both records checked out; cleared when a check finds one missing or different.
    verified_at: Mapped[datetime | None]
    checked_at: Mapped[datetime | None]
    # The last check per record: {"dkim"|"spf"|"dmarc": {"verdict": …, "found": [...]}}.
    last_check: Mapped[dict | None] = mapped_column(JSON)
