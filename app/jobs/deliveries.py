"""Process stored webhook deliveries: parse, apply, record the outcome.

Intake does not enqueue a job per delivery. It stores the delivery and kicks a drain
(`kick_drain`): at most one drain job waits in Redis at a time, and a drain takes the
stored deliveries in arrival order, each claimed with FOR UPDATE SKIP LOCKED and applied
in its own transaction, until none is left (or DRAIN_SECONDS passed: then it kicks the next
drain). A burst of webhooks costs one job instead of one per delivery (an RQ job is some
fifty Redis commands of bookkeeping), and SQL stays the only queue of truth. Several
workers drain side by side without taking the same delivery.

A delivery whose processing raises is rolled back, marked failed and handed to
`process_delivery`, the one-delivery job, with RQ's retries and back-off; that job also
serves `deliveries replay`. The row keeps when its next attempt is due (`retry_at`, None
once MAX_ATTEMPTS failed), so the dispatcher can redrive a retry that Redis lost.

Why no kick is lost: intake commits the row before it tries the kick, and a drain deletes
the kick key before it claims rows. A kick refused because the key is set means a drain
that has not yet deleted the key is queued, and it will see the row. A key whose job
never got enqueued (Redis failed in between) expires after KICK_TTL_MS, and the
dispatcher kicks again for deliveries that wait longer than its redrive threshold.
"""
from __future__ import annotations

import logging
import time
import uuid
from dataclasses import replace
from datetime import datetime, timedelta, timezone

from sqlalchemy import inspect, select
from sqlalchemy.orm import selectinload

from app.domain.events import apply_event
from app.extensions import db, queues
from app.jobs.runtime import job
from app.models import Shop, WebhookDelivery
from app.queues import BACKOFF
from connectors import get_connector
from connectors.base import FulfillmentEvent, LifecycleEvent, MalformedPayload, OrderEvent

log = logging.getLogger(__name__)

DRAIN_KEY = "aftersales:drain-deliveries"
KICK_TTL_MS = 10_000
# A drain hands over after this long so mail and periodic jobs get their turn.
DRAIN_SECONDS = 5.0
# The drain's attempt, then its job's first attempt and one retry per BACKOFF step.
MAX_ATTEMPTS = len(BACKOFF) + 2


def delivery_job_id(delivery_id: int) -> str:
    return f"delivery-{delivery_id}"


def kick_drain() -> bool:
    """Make sure a drain runs after this moment; True when this call enqueued one."""
    if not queues.redis.set(DRAIN_KEY, "1", nx=True, px=KICK_TTL_MS):
        return False
    queues.enqueue("webhooks", drain_deliveries, job_id=f"drain-{uuid.uuid4().hex}", retries=2)
    return True


def retry_delay(attempts: int) -> timedelta:
    """The wait after a delivery's `attempts`-th failed attempt, as RQ schedules it: BACKOFF[0]
    after the drain's attempt and after the job's first, then one BACKOFF step per retry."""
    return timedelta(seconds=BACKOFF[max(attempts - 2, 0)])


def retry_later(delivery_id: int, attempts: int, delay: timedelta | None = None) -> None:
    """Hand one delivery to its own job, with the attempts it has left as RQ retries and
    their back-off; `attempts` is how many it has had."""
    retries = max(MAX_ATTEMPTS - attempts - 1, 0)
    queues.enqueue("webhooks", process_delivery, delivery_id, job_id=delivery_job_id(delivery_id),
                   delay=delay, retries=retries, backoff=BACKOFF[len(BACKOFF) - retries:])


@job
def drain_deliveries() -> dict:
    """Apply every waiting delivery, oldest first, each in a transaction of its own."""
    queues.redis.delete(DRAIN_KEY)
    session, started, counts, shops = db.session, time.monotonic(), {"applied": 0, "failed": 0}, {}
    while True:
        delivery = session.scalars(
            select(WebhookDelivery).where(WebhookDelivery.state == "received")
            .order_by(WebhookDelivery.id).limit(1).with_for_update(skip_locked=True)
        ).first()
        if delivery is None:
            session.commit()
            return counts
        if _process_claimed(session, delivery, datetime.now(timezone.utc), shops) is _RETRY:
            shops.clear()  # rolled back: the shops it held are expired
            counts["failed"] += 1
        else:
            counts["applied"] += 1
        if time.monotonic() - started > DRAIN_SECONDS:
            kick_drain()  # more may wait: the next drain goes on after other queues' jobs
            return counts


@job
def process_delivery(delivery_id: int) -> str:
    """Apply one delivery exactly once; a crash rolls back, records the error and re-raises."""
    session = db.session
    delivery = session.get(WebhookDelivery, delivery_id, with_for_update=True)
    if delivery is None:
        return "gone"
    if delivery.state not in ("received", "failed"):
        return f"already {delivery.state}"
    if delivery.body is None:
        return "body dropped (retention or redaction): nothing to apply"
    return _process_claimed(session, delivery, datetime.now(timezone.utc), None, reraise=True)


_RETRY = "failed (will retry)"


def _process_claimed(session, delivery: WebhookDelivery, now: datetime, shops: dict | None,
                     reraise: bool = False) -> str:
    """Apply a delivery whose row this transaction holds, record the outcome and commit.

    One transaction per delivery: it holds the order's row lock only as long as this
    delivery takes, so two workers never wait on each other across deliveries (with a
    batch per transaction they deadlocked on orders and buyers taken in opposite orders).
    """
    delivery_id = delivery.id
    try:
        outcome = _apply(session, delivery, now, shops)
    except MalformedPayload as exc:
        session.rollback()
        _finish(delivery_id, "failed", f"malformed: {exc}", now)
        log.warning("delivery %s malformed: %s", delivery_id, exc)
        return "malformed"
    except Exception as exc:
        session.rollback()
        failed = _finish(delivery_id, "failed", f"{type(exc).__name__}: {exc}", None, failed_at=now)
        log.exception("delivery %s failed (will retry)", delivery_id)
        if reraise:
            raise  # RQ retries the job
        if failed is not None and failed.retry_at is not None:  # the drain's: to its own job
            retry_later(delivery_id, failed.attempts, retry_delay(failed.attempts))
        return _RETRY
    if not _gone(delivery):
        _record_outcome(delivery, outcome, now)
    session.commit()
    return outcome


def _gone(delivery: WebhookDelivery) -> bool:
    state = inspect(delivery)
    return state.deleted or state.was_deleted or state.detached


def _record_outcome(delivery: WebhookDelivery, outcome: str, now: datetime) -> None:
    ignored = outcome.startswith("ignored")
    _record(delivery, "ignored" if ignored else "processed", outcome if ignored else None, now)


def _record(delivery: WebhookDelivery, state: str, error: str | None, processed_at,
            failed_at: datetime | None = None) -> None:
    """The attempt's outcome; set after the attempt so that a rollback cannot lose it.
    `failed_at`: the attempt failed and may be retried (when attempts are left)."""
    delivery.attempts += 1
    delivery.state, delivery.processed_at = state, processed_at
    delivery.error = error[:2000] if error else None
    retry = failed_at is not None and delivery.attempts < MAX_ATTEMPTS
    delivery.retry_at = failed_at + retry_delay(delivery.attempts) if retry else None


def _apply(session, delivery: WebhookDelivery, now: datetime, shops: dict | None = None) -> str:
    """`shops`: the batch's shops by delivery address, each looked up once per batch."""
    shops = {} if shops is None else shops
    address = (delivery.platform, delivery.shop_id, delivery.shop_domain)
    if address not in shops:
        shops[address] = _shop_for(session, delivery)
    shop = shops[address]
    if shop is None:
        return f"ignored: unknown shop {delivery.shop_domain!r}"
    event = get_connector(delivery.platform).parse(delivery.topic, delivery.body)
    outcome = apply_event(session, shop, with_event_time(event, delivery.triggered_at), now)
    if isinstance(event, LifecycleEvent) and event.kind == "customer_redact":
        delivery.body = None  # the request itself names the buyer it erases
    return outcome


def with_event_time(event, triggered_at: datetime | None):
    """A payload without its own `updated_at` is versioned by when the platform fired it.

    Shopify's X-Shopify-Triggered-At is the event's time, not the delivery's: a retry two
    days later still carries the original moment, so a late retry cannot overwrite newer
    facts and a stale shipped notice is recognised as stale.
    """
    if triggered_at is None or not isinstance(event, (OrderEvent, FulfillmentEvent)) or event.updated_at:
        return event
    return replace(event, updated_at=triggered_at)


def _shop_for(session, delivery: WebhookDelivery) -> Shop | None:
    if delivery.shop_id is not None:
        return session.get(Shop, delivery.shop_id, options=[selectinload(Shop.modules)])
    if delivery.shop_domain:
        return session.scalars(select(Shop).options(selectinload(Shop.modules)).where(
            Shop.platform == delivery.platform, Shop.domain == delivery.shop_domain)).first()
    return None


def _finish(delivery_id: int, state: str, error: str, processed_at,
            failed_at: datetime | None = None) -> WebhookDelivery | None:
    delivery = db.session.get(WebhookDelivery, delivery_id)
    if delivery is None:
        return None
    _record(delivery, state, error, processed_at, failed_at)
    db.session.commit()
    return delivery
