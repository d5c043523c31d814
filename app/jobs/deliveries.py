"""Process stored webhook deliveries: parse, apply, record the outcome.

Intake does not enqueue a job per delivery. It stores the delivery and kicks a drain
(`kick_drain`): at most one drain job waits in Redis at a time, and a drain takes the
stored deliveries in arrival order, up to BATCH at a time claimed with FOR UPDATE SKIP
LOCKED, and applies each claimed batch in one transaction (app/jobs/delivery_batches.py:
the batch's orders locked up front in one global order, so drains side by side cannot
deadlock on them), until none is left (or DRAIN_SECONDS passed: then it kicks the next
drain); after a batch that emptied the queue it waits GATHER_SECONDS for more before it
claims again. A burst of webhooks costs one job instead of one per delivery (an RQ job is some
fifty Redis commands of bookkeeping) and one commit per batch, and SQL stays the only
queue of truth. Several workers drain side by side without taking the same delivery.

A delivery whose processing raises is set apart from its batch (the others are applied
without it), marked failed and handed to `process_delivery`, the one-delivery job, with
RQ's retries and back-off; that job also serves `deliveries replay`. Lifecycle deliveries
(uninstall, redaction, …) and a batch that failed as a whole take the one-delivery path
within the drain: each in a transaction of its own. A failed row keeps when its next
attempt is due (`retry_at`, None once MAX_ATTEMPTS failed), so the dispatcher can redrive a
retry that Redis lost.

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
from datetime import datetime, timedelta, timezone

from sqlalchemy import inspect, select

from app.domain.orders.events import apply_event
from app.domain.privacy.lifecycle import redact_late_arrivals
from app.extensions import db, queues
from app.jobs.delivery_batches import BATCH, apply_batch, leading_batch
from app.jobs.delivery_outcomes import (
    MALFORMED,
    MAX_ATTEMPTS,
    RETRY,
    record,
    record_outcome,
    retry_delay,
    shop_of,
    unknown_shop,
    with_event_time,
)
from app.jobs.runtime import job
from app.models import DeliveryState, WebhookDelivery
from app.models.states import DeliveryOutcome
from app.observability.privacy_scrub import address_free
from app.queues import BACKOFF
from connectors import get_connector
from connectors.base import LifecycleEvent, MalformedPayload

log = logging.getLogger(__name__)

DRAIN_KEY = "aftersales:drain-deliveries"
KICK_TTL_MS = 10_000
# A drain hands over after this long so mail and periodic jobs get their turn.
DRAIN_SECONDS = 5.0
# After a batch that took all there was, a drain waits this long before it claims again, so
# that the next batch gathers what arrives meanwhile (a batch costs about 20 statements
# however few deliveries it holds) and the drain goes on instead of ending: each new drain
# is another RQ job. It ends when nothing arrived in that time.
GATHER_SECONDS = 0.03


def delivery_job_id(delivery_id: int) -> str:
    return f"delivery-{delivery_id}"


def kick_drain() -> bool:
    """Make sure a drain runs after this moment; True when this call enqueued one."""
    if not queues.redis.set(DRAIN_KEY, "1", nx=True, px=KICK_TTL_MS):
        return False
    queues.enqueue("webhooks", drain_deliveries, job_id=f"drain-{uuid.uuid4().hex}", retries=2)
    return True


def retry_later(delivery_id: int, attempts: int, delay: timedelta | None = None) -> None:
    """Hand one delivery to its own job, with the attempts it has left as RQ retries and
    their back-off; `attempts` is how many it has had."""
    retries = max(MAX_ATTEMPTS - attempts - 1, 0)
    queues.enqueue("webhooks", process_delivery, delivery_id, job_id=delivery_job_id(delivery_id),
                   delay=delay, retries=retries, backoff=BACKOFF[len(BACKOFF) - retries:])


@job
def drain_deliveries() -> dict:
    """Apply every waiting delivery, oldest first, a claimed batch per transaction."""
    queues.redis.delete(DRAIN_KEY)
    session, started, counts, shops = db.session, time.monotonic(), {"applied": 0, "failed": 0}, {}
    while True:
        claimed = session.scalars(
            select(WebhookDelivery).where(WebhookDelivery.state == DeliveryState.RECEIVED)
            .order_by(WebhookDelivery.id).limit(BATCH).with_for_update(skip_locked=True)
        ).all()
        if not claimed:
            session.commit()
            return counts
        now = datetime.now(timezone.utc)
        batch = leading_batch(session, claimed, shops)
        if batch:
            outcomes, singles = apply_batch(session, batch, now)
        else:  # a lifecycle delivery first: alone (the commit lets the rest of the claim go)
            outcomes, singles = [(claimed[0].id, _process_claimed(session, claimed[0], now, shops))], []
        for delivery_id in singles:
            delivery = _claim_one(session, delivery_id)
            if delivery is not None:
                outcomes.append((delivery_id, _process_claimed(session, delivery, now, shops)))
        for delivery_id, outcome in outcomes:
            if outcome.will_retry:
                counts["failed"] += 1
                _to_its_own_job(session, delivery_id)
            else:
                counts["applied"] += 1
        if time.monotonic() - started > DRAIN_SECONDS:
            kick_drain()  # more may wait: the next drain goes on after other queues' jobs
            return counts
        if len(claimed) < BATCH and len(batch) == len(claimed):  # it took all there was
            time.sleep(GATHER_SECONDS)


def _to_its_own_job(session, delivery_id: int) -> None:
    """A delivery that failed in the drain goes on in its own job, when attempts are left."""
    failed = session.get(WebhookDelivery, delivery_id)
    if failed is not None and failed.retry_at is not None:
        retry_later(delivery_id, failed.attempts, retry_delay(failed.attempts))
    session.commit()


def _claim_one(session, delivery_id: int) -> WebhookDelivery | None:
    delivery = session.scalars(
        select(WebhookDelivery).where(WebhookDelivery.id == delivery_id,
                                      WebhookDelivery.state == DeliveryState.RECEIVED)
        .with_for_update(skip_locked=True)).first()
    if delivery is None:
        session.commit()  # another drain took it meanwhile
    return delivery


@job
def process_delivery(delivery_id: int) -> str:
    """Apply one delivery exactly once; a crash rolls back, records the error and re-raises."""
    session = db.session
    delivery = session.get(WebhookDelivery, delivery_id, with_for_update=True)
    if delivery is None:
        return "gone"
    if delivery.state not in (DeliveryState.RECEIVED, DeliveryState.FAILED):
        return f"already {delivery.state}"
    if delivery.body is None:
        return "body dropped (retention or redaction): nothing to apply"
    return str(_process_claimed(session, delivery, datetime.now(timezone.utc), None, reraise=True))


def _process_claimed(session, delivery: WebhookDelivery, now: datetime, shops: dict | None,
                     reraise: bool = False) -> DeliveryOutcome:
    """Apply a delivery whose row this transaction holds, record the outcome and commit."""
    delivery_id = delivery.id
    try:
        outcome = _apply(session, delivery, now, shops)
    except MalformedPayload as exc:
        session.rollback()
        _finish(delivery_id, MALFORMED.state, f"malformed: {exc}", now)
        log.warning("delivery %s malformed: %s", delivery_id, exc)
        return MALFORMED
    except Exception as exc:
        session.rollback()
        if shops is not None:
            shops.clear()  # rolled back: the shops it held are expired
        _finish(delivery_id, RETRY.state, f"{type(exc).__name__}: {exc}", None, failed_at=now)
        log.exception("delivery %s failed (will retry)", delivery_id)
        if reraise:  # RQ retries the job and keeps what it raised: its text, scrubbed
            raise address_free(exc) from None
        return RETRY  # the drain hands it to its own job
    if not _gone(delivery):
        record_outcome(delivery, outcome, now)
    session.commit()
    return outcome


def _gone(delivery: WebhookDelivery) -> bool:
    state = inspect(delivery)
    return state.deleted or state.was_deleted or state.detached


def _apply(session, delivery: WebhookDelivery, now: datetime,
           shops: dict | None = None) -> DeliveryOutcome:
    shop = shop_of(session, delivery, shops)
    if shop is None:
        return unknown_shop(delivery)
    event = get_connector(delivery.platform).parse(delivery.topic, delivery.body)
    outcome = apply_event(session, shop, with_event_time(event, delivery.triggered_at), now)
    if isinstance(event, LifecycleEvent):
        if event.kind == "customer_redact":
            delivery.body = None  # the request itself names the buyer it erases
    else:  # it may have waited while its buyer was erased: then its body goes, and what it stored
        redact_late_arrivals(session, [(shop, delivery, event)], now)
    return outcome


def _finish(delivery_id: int, state: DeliveryState, error: str, processed_at,
            failed_at: datetime | None = None) -> None:
    delivery = db.session.get(WebhookDelivery, delivery_id)
    if delivery is None:
        return
    record(delivery, state, error, processed_at, failed_at)
    db.session.commit()
