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

Every attempt goes through `delivery_batches.apply_deliveries`; a single delivery is a
batch of one. A delivery whose processing raises is set apart from its batch (the others
are applied without it), marked failed and handed to `process_delivery`, its own job, with
RQ's retries and back-off; that job also serves `deliveries replay`. A lifecycle delivery
(uninstall, redaction, …) is a batch of its own, and a batch that failed as a whole is
applied again one delivery at a time. A failed row keeps when its next attempt is due
(`retry_at`, None once MAX_ATTEMPTS failed), so the dispatcher can redrive a retry that
Redis lost.

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

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.extensions import db, queues
from app.jobs.delivery_batches import (
    BATCH,
    MAX_ATTEMPTS,
    Shops,
    apply_deliveries,
    leading_batch,
    prepare,
    retry_delay,
)
from app.jobs.runtime import job
from app.models import DeliveryState, WebhookDelivery
from app.observability.privacy_scrub import address_free
from app.queues import BACKOFF

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
    session, started, counts = db.session(), time.monotonic(), {"applied": 0, "failed": 0}
    shops: Shops = {}
    while True:
        claimed = session.scalars(
            select(WebhookDelivery).where(WebhookDelivery.state == DeliveryState.RECEIVED)
            .order_by(WebhookDelivery.id).limit(BATCH).with_for_update(skip_locked=True)
        ).all()
        if not claimed:
            session.commit()
            return counts
        # A lifecycle delivery first goes alone (the commit lets the rest of the claim go).
        batch = leading_batch(session, claimed, shops)
        for applied in apply_deliveries(session, batch, datetime.now(timezone.utc), shops):
            if applied.outcome.will_retry:
                counts["failed"] += 1
                _to_its_own_job(session, applied.id)
            else:
                counts["applied"] += 1
        if time.monotonic() - started > DRAIN_SECONDS:
            kick_drain()  # more may wait: the next drain goes on after other queues' jobs
            return counts
        if len(claimed) < BATCH and len(batch) == len(claimed):  # it took all there was
            time.sleep(GATHER_SECONDS)


def _to_its_own_job(session: Session, delivery_id: int) -> None:
    """A delivery that failed in the drain goes on in its own job, when attempts are left."""
    failed = session.get(WebhookDelivery, delivery_id)
    if failed is not None and failed.retry_at is not None:
        retry_later(delivery_id, failed.attempts, retry_delay(failed.attempts))
    session.commit()


@job
def process_delivery(delivery_id: int) -> str:
    """Apply one delivery, a batch of one: a failure is recorded on it and re-raised, so that
    RQ retries the job after its back-off."""
    session = db.session()
    delivery = session.get(WebhookDelivery, delivery_id, with_for_update=True)
    if delivery is None:
        return "gone"
    if delivery.state not in (DeliveryState.RECEIVED, DeliveryState.FAILED):
        return f"already {delivery.state}"
    if delivery.body is None:
        return "body dropped (retention or redaction): nothing to apply"
    shops: Shops = {}
    applied = apply_deliveries(session, [prepare(session, delivery, shops)], datetime.now(timezone.utc),
                               shops)
    if not applied:
        return "taken by another worker"
    if applied[0].outcome.will_retry and applied[0].failure is not None:
        # RQ retries the job and keeps what it raised: its text, scrubbed
        raise address_free(applied[0].failure) from None
    return str(applied[0].outcome)
