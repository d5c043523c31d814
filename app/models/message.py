"""Scheduled follow-up messages: SQL holds the plan, Redis only carries the work."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from app.db.base import Base
from app.models.order import Customer, Order
from app.models.shop import utcnow
from app.models.states import MESSAGE_MOVES, MessageState, check_move, state_column


class ScheduledMessage(Base):
    __tablename__ = "scheduled_messages"
    __table_args__ = (UniqueConstraint("order_id", "kind", "sequence"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    customer_id: Mapped[int | None] = mapped_column(
        ForeignKey("customers.id", ondelete="SET NULL")
    )
    kind: Mapped[str] = mapped_column(String(40))
    # Distinguishes several mails of one kind for one order (e.g. one per parcel).
    sequence: Mapped[int] = mapped_column(default=0)
    stream: Mapped[str] = mapped_column(String(20))
    send_at: Mapped[datetime]
    stale_after_seconds: Mapped[int | None]
    # planned → queued → sending → sent, or skipped / cancelled / failed with a reason; a
    # report may still make it bounced or complained. The table: app/models/states.py.
    state: Mapped[MessageState] = mapped_column(state_column(MessageState),
                                                default=MessageState.PLANNED)
    reason: Mapped[str | None] = mapped_column(String(200))
    message_id: Mapped[str | None] = mapped_column(String(200))
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    queued_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    # The buyer followed the mail's tracked link (/r/<token>): for a review request, "reviewed".
    clicked_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    order: Mapped[Order] = relationship()
    customer: Mapped[Customer | None] = relationship()

    @validates("state")
    def _move(self, _key: str, state: str) -> MessageState:
        state = MessageState(state)
        check_move(MESSAGE_MOVES, self.__dict__.get("state"), state)
        return state


Index("ix_scheduled_messages_due", ScheduledMessage.state, ScheduledMessage.send_at)
# The buyer's other mails (review history, win-back of earlier orders, marketing caps).
Index("ix_scheduled_messages_customer_id", ScheduledMessage.customer_id)
# One shop's mails of some weeks (the admin's Mail page).
Index("ix_scheduled_messages_shop_send_at", ScheduledMessage.shop_id, ScheduledMessage.send_at)
