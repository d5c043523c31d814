"""Bounce and complaint reports as received: what they said, never the mail they quote."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base
from app.models.shop import utcnow

# bounce (permanent), soft_bounce, delay, delivered, complaint, feedback (other ARF types), malformed
FEEDBACK_KINDS = ("bounce", "soft_bounce", "delay", "delivered", "complaint", "feedback", "malformed")


class MailFeedback(Base):
    __tablename__ = "mail_feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    # sha256 of the raw report: the same report piped or posted twice counts once.
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    # Unknown for a report whose token is missing or forged, and for a malformed one.
    shop_id: Mapped[int | None] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    message_id: Mapped[int | None] = mapped_column(ForeignKey("scheduled_messages.id", ondelete="SET NULL"))
    # The address as a hash (like the suppression list): soft bounces are counted by it.
    email_hash: Mapped[str | None] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str | None] = mapped_column(String(16))  # RFC 3463, e.g. 5.1.1
    diagnostic: Mapped[str | None] = mapped_column(String(300))  # addresses replaced
    feedback_type: Mapped[str | None] = mapped_column(String(40))
    reporting_mta: Mapped[str | None] = mapped_column(String(255))
    source: Mapped[str] = mapped_column(String(10))  # pipe | http | smtp
    # What we did: "suppressed: bounced", "soft bounce 2 of 3", "recorded", "unmatched", …
    outcome: Mapped[str] = mapped_column(String(60))
    # Only for a malformed report: its bytes, for `mail replay-feedback` after a fix; purged.
    raw: Mapped[bytes | None] = mapped_column(LargeBinary)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


Index("ix_mail_feedback_address", MailFeedback.shop_id, MailFeedback.email_hash, MailFeedback.kind)
Index("ix_mail_feedback_received", MailFeedback.received_at)
