"""Raw webhook deliveries, kept verbatim so any of them can be replayed while its body is kept.

A body holds buyers' personal data: it goes WEBHOOK_BODY_RETENTION_DAYS after the delivery
arrived, once the delivery is finished (app/jobs/purge.py), and at once when the buyer is
redacted (app/domain/privacy/lifecycle.py). The row (state, error, times) stays.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint, and_, or_
from sqlalchemy.orm import Mapped, mapped_column, validates

from app.db.base import Base
from app.models.shop import utcnow
from app.models.states import DELIVERY_MOVES, DeliveryState, check_move, state_column


class WebhookDelivery(Base):
    __tablename__ = "webhook_deliveries"
    __table_args__ = (UniqueConstraint("platform", "delivery_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(20))
    delivery_key: Mapped[str] = mapped_column(String(200))
    shop_id: Mapped[int | None] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    shop_domain: Mapped[str | None] = mapped_column(String(255))
    topic: Mapped[str] = mapped_column(String(80))
    body: Mapped[bytes | None] = mapped_column(LargeBinary)  # None once dropped
    triggered_at: Mapped[datetime | None]
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    processed_at: Mapped[datetime | None]
    # The states and their moves: app/models/states.py.
    state: Mapped[DeliveryState] = mapped_column(state_column(DeliveryState),
                                                 default=DeliveryState.RECEIVED)
    attempts: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(Text)
    # When a failed delivery's next attempt is due; None when none will come (applied, or
    # given up). The dispatcher redrives from it when Redis lost the retry job.
    retry_at: Mapped[datetime | None]

    @validates("state")
    def _move(self, _key: str, state: str) -> DeliveryState:
        state = DeliveryState(state)
        check_move(DELIVERY_MOVES, self.__dict__.get("state"), state)
        return state


Index("ix_webhook_deliveries_state_received", WebhookDelivery.state, WebhookDelivery.received_at)
# The admin's latest deliveries of a shop: by id (WooCommerce) or by domain (Shopify).
Index("ix_webhook_deliveries_shop_received", WebhookDelivery.shop_id, WebhookDelivery.received_at)
Index("ix_webhook_deliveries_domain_received", WebhookDelivery.platform, WebhookDelivery.shop_domain,
      WebhookDelivery.received_at)
# Deliveries that still hold a body, oldest first: what the retention purge walks. Partial,
# so rows whose body is gone (nearly all of them in time) cost the purge nothing.
Index("ix_webhook_deliveries_body_kept", WebhookDelivery.received_at,
      postgresql_where=WebhookDelivery.body.is_not(None), sqlite_where=WebhookDelivery.body.is_not(None))

# Nothing will read the body again unless someone replays it: applied, ignored, malformed,
# or failed with no retry to come. A delivery waiting or retrying is never finished.
FINISHED = or_(WebhookDelivery.state.in_((DeliveryState.PROCESSED, DeliveryState.IGNORED,
                                          DeliveryState.MALFORMED)),
               and_(WebhookDelivery.state == DeliveryState.FAILED,
                    WebhookDelivery.retry_at.is_(None)))
