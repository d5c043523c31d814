"""The dispatcher: move due plans from SQL onto the mail queue, and redrive lost work.

SQL holds the truth and Redis only carries work, so this pass also re-enqueues any
message or delivery whose job Redis no longer has (flushed, restarted, crashed worker).
Safe with many workers: rows are claimed with FOR UPDATE SKIP LOCKED (PostgreSQL), each
message's carrier (the group job, or its own job) is known, and send_message claims its
row before it sends.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from app.extensions import db, queues
from app.jobs.deliveries import DRAIN_KEY, delivery_job_id, kick_drain, retry_later
from app.jobs.messages import carrier_jobs, enqueue_sends, message_job_id
from app.jobs.runtime import job
from app.models import DeliveryState, MessageState, ScheduledMessage, WebhookDelivery

log = logging.getLogger(__name__)

BATCH = 500
# Work older than this without a live job is taken as lost.
REDRIVE_AFTER = timedelta(seconds=60)
# A stored delivery normally waits milliseconds for its drain.
DELIVERY_REDRIVE_AFTER = timedelta(seconds=10)


@job
def dispatch_due(now: datetime | None = None) -> dict:
    now = now or datetime.now(timezone.utc)
    queues.reap_abandoned()
    counts = {"queued": _queue_due_messages(now), "redriven_messages": _redrive_messages(now),
              "redriven_deliveries": _redrive_deliveries(now), "redriven_retries": _redrive_retries(now)}
    if any(counts.values()):
        log.info("dispatch %s", counts)
    return counts


def _queue_due_messages(now: datetime) -> int:
    session = db.session
    rows = session.scalars(
        select(ScheduledMessage)
        .where(ScheduledMessage.state == MessageState.PLANNED, ScheduledMessage.send_at <= now)
        .order_by(ScheduledMessage.send_at).limit(BATCH)
        .with_for_update(skip_locked=True)
    ).all()
    for row in rows:
        row.state, row.queued_at = MessageState.QUEUED, now
    ids = [row.id for row in rows]
    session.commit()  # the claim is durable before Redis hears of it
    enqueue_sends(ids)  # in send order, groups of up to SEND_GROUP (app/jobs/messages.py)
    return len(ids)


def _redrive_messages(now: datetime) -> int:
    session = db.session
    rows = session.scalars(
        select(ScheduledMessage)
        .where(ScheduledMessage.state.in_((MessageState.QUEUED, MessageState.SENDING)),
               ScheduledMessage.updated_at <= now - REDRIVE_AFTER)
        .limit(BATCH).with_for_update(skip_locked=True)
    ).all()
    carriers, live = carrier_jobs([row.id for row in rows]), {}

    def carried(message_id: int) -> bool:
        # Its group's job (while that job has not finished it) or its own (a retry, a newsletter).
        for job_id in filter(None, (carriers.get(message_id), message_job_id(message_id))):
            if job_id not in live:
                live[job_id] = queues.job_is_live(job_id)
            if live[job_id]:
                return True
        return False

    lost = [row for row in rows if not carried(row.id)]
    for row in lost:
        # A row left in `sending` means a worker died mid-send: at-least-once, send again.
        row.state, row.queued_at = MessageState.QUEUED, now
    ids = [row.id for row in lost]
    session.commit()
    enqueue_sends(ids)
    return len(ids)


def _redrive_deliveries(now: datetime) -> int:
    """Kick a drain when deliveries wait longer than a drain takes to start (Redis lost
    the kick, or the kick's job); returns how many waited."""
    waiting = db.session.execute(
        select(func.count()).select_from(WebhookDelivery)
        .where(WebhookDelivery.state == DeliveryState.RECEIVED,
               WebhookDelivery.received_at <= now - DELIVERY_REDRIVE_AFTER)
    ).scalar_one()
    db.session.commit()
    if waiting:
        queues.redis.delete(DRAIN_KEY)  # a kick whose job was lost must not block this one
        kick_drain()
    return waiting


def _redrive_retries(now: datetime) -> int:
    """Re-enqueue failed deliveries whose retry is due but whose job Redis no longer has.

    Only rows with a `retry_at` qualify: it is set while attempts are left, to the end of
    the back-off, so a redrive neither comes early nor exceeds MAX_ATTEMPTS (the job gets
    only the retries left). Moving `retry_at` to now claims the row for REDRIVE_AFTER, the
    time the new job has to show up as live.
    """
    session = db.session
    rows = session.scalars(
        select(WebhookDelivery)
        .where(WebhookDelivery.state == DeliveryState.FAILED,
               WebhookDelivery.retry_at <= now - REDRIVE_AFTER)
        .order_by(WebhookDelivery.retry_at).limit(BATCH).with_for_update(skip_locked=True)
    ).all()
    lost = [row for row in rows if not queues.job_is_live(delivery_job_id(row.id))]
    for row in lost:
        row.retry_at = now
    redrive = [(row.id, row.attempts) for row in lost]
    session.commit()
    for delivery_id, attempts in redrive:
        log.info("delivery %s: retry job lost, redriven after %s attempt(s)", delivery_id, attempts)
        retry_later(delivery_id, attempts)
    return len(redrive)
