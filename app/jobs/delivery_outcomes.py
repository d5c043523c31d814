"""What a delivery's attempt needs around the domain: its shop, its event's time, and how
the outcome is written on the delivery row (app/jobs/delivery_batches.py applies them; the
drain and the one-delivery job in app/jobs/deliveries.py schedule what failed)."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.models import DeliveryState, Shop, WebhookDelivery
from app.models.states import DeliveryOutcome
from app.observability.privacy_scrub import scrub_addresses
from app.queues import BACKOFF
from connectors.base import FulfillmentEvent, OrderEvent

# A drain's shops by delivery address (platform, shop id, shop domain); None: no such shop.
Shops = dict[tuple[str, int | None, str | None], Shop | None]

# An attempt that raised: rolled back, marked failed, retried by its own job.
RETRY = DeliveryOutcome(DeliveryState.FAILED, "failed (will retry)", will_retry=True)
# A body the connector cannot read: marked failed, never retried (a replay may try again).
MALFORMED = DeliveryOutcome(DeliveryState.FAILED, "malformed")
# The drain's attempt, then its job's first attempt and one retry per BACKOFF step.
MAX_ATTEMPTS = len(BACKOFF) + 2


def retry_delay(attempts: int) -> timedelta:
    """The wait after a delivery's `attempts`-th failed attempt, as RQ schedules it: BACKOFF[0]
    after the drain's attempt and after the job's first, then one BACKOFF step per retry."""
    return timedelta(seconds=BACKOFF[max(attempts - 2, 0)])


def record_outcome(delivery: WebhookDelivery, outcome: DeliveryOutcome, now: datetime) -> None:
    """An applied (or ignored) delivery's outcome on its row."""
    ignored = outcome.state == DeliveryState.IGNORED
    record(delivery, outcome.state, outcome.note if ignored else None, now)


def record(delivery: WebhookDelivery, state: DeliveryState, error: str | None, processed_at,
           failed_at: datetime | None = None) -> None:
    """The attempt's outcome; set after the attempt so that a rollback cannot lose it.
    `failed_at`: the attempt failed and may be retried (when attempts are left)."""
    delivery.attempts += 1
    delivery.state, delivery.processed_at = state, processed_at
    delivery.error = scrub_addresses(error)[:2000] if error else None  # an exception's text may quote the buyer
    retry = failed_at is not None and delivery.attempts < MAX_ATTEMPTS
    delivery.retry_at = failed_at + retry_delay(delivery.attempts) if retry and failed_at is not None else None


def shop_of(session: Session, delivery: WebhookDelivery, shops: Shops) -> Shop | None:
    """`shops`: a drain's shops by delivery address, each looked up once per drain."""
    address = (delivery.platform, delivery.shop_id, delivery.shop_domain)
    if address not in shops:
        shops[address] = _shop_for(session, delivery)
    return shops[address]


def unknown_shop(delivery: WebhookDelivery) -> DeliveryOutcome:
    return DeliveryOutcome.ignored(f"unknown shop {delivery.shop_domain!r}")


def with_event_time(event, triggered_at: datetime | None):
    """A payload without its own `updated_at` is versioned by when the platform fired it.

    Shopify's X-Shopify-Triggered-At is the event's time, not the delivery's: a retry two
    days later still carries the original moment, so a late retry cannot overwrite newer
    facts and a stale shipped notice is recognised as stale.
    """
    if triggered_at is None or not isinstance(event, (OrderEvent, FulfillmentEvent)) or event.updated_at:
        return event
    return replace(event, updated_at=triggered_at)


def _shop_for(session: Session, delivery: WebhookDelivery) -> Shop | None:
    if delivery.shop_id is not None:
        return session.get(Shop, delivery.shop_id, options=[selectinload(Shop.modules)])
    if delivery.shop_domain:
        return session.scalars(select(Shop).options(selectinload(Shop.modules)).where(
            Shop.platform == delivery.platform, Shop.domain == delivery.shop_domain)).first()
    return None
