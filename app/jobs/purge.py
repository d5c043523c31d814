"""Delete what uninstalled shops left behind, once their grace period is over; drop kept
malformed mail reports, raw webhook bodies and customer data exports after a while.

Shopify sends shop/redact 48 hours after an uninstall; WooCommerce sends nothing, so a
disconnected store (plugin deleted, keys revoked) is purged here. Reconnecting within the
grace period clears `redact_after` and keeps everything.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

from flask import current_app
from sqlalchemy import CursorResult, Result, delete, select, update

from app.domain.privacy.data_exports import delete_expired_exports
from app.domain.privacy.lifecycle import redact_shop
from app.extensions import db
from app.mail.feedback_intake import MALFORMED_KEEP
from app.models import MailFeedback, Shop, WebhookDelivery
from app.models.delivery import FINISHED

log = logging.getLogger(__name__)
# Report facts (address hashes, status codes) are kept this long; soft bounces count for 90 days.
FEEDBACK_KEEP = timedelta(days=400)
# Bodies dropped per UPDATE: a short one; a run goes on batch by batch while a full batch
# went, up to BODY_BATCHES_PER_RUN (the periodic table runs it every few minutes: a backlog,
# such as the first run on a big table, goes down by up to that many batches a run).
BODY_BATCH = 1000
BODY_BATCHES_PER_RUN = 100
# Exports deleted per tick (each row holds a JSON document; data requests are rare).
EXPORT_BATCH = 200


def purge_disconnected_shops(now: datetime | None = None, limit: int = 20) -> int:
    now = now or datetime.now(timezone.utc)
    shops = db.session.scalars(select(Shop).where(
        Shop.uninstalled_at.is_not(None), Shop.redact_after.is_not(None), Shop.redact_after <= now,
    ).limit(limit)).all()
    for shop in shops:
        log.info("purging shop %s: uninstalled %s, grace over", shop.id, shop.uninstalled_at)
        redact_shop(db.session(), shop)
        db.session.commit()
    return len(shops)


def purge_mail_feedback(now: datetime | None = None) -> int:
    """Forget the bytes of malformed reports after MALFORMED_KEEP, every report after FEEDBACK_KEEP."""
    now = now or datetime.now(timezone.utc)
    forgotten = _touched(db.session.execute(
        update(MailFeedback)
        .where(MailFeedback.raw.is_not(None), MailFeedback.received_at < now - MALFORMED_KEEP)
        .values(raw=None)))
    forgotten += _touched(db.session.execute(
        delete(MailFeedback).where(MailFeedback.received_at < now - FEEDBACK_KEEP)))
    db.session.commit()
    return forgotten


def drop_old_webhook_bodies(now: datetime | None = None, limit: int = BODY_BATCH) -> int:
    """Drop the raw bodies of finished deliveries older than WEBHOOK_BODY_RETENTION_DAYS,
    oldest first, at most `limit`; the rows stay (state, error, times), only replay ends.

    A delivery still waiting or retrying keeps its body whatever its age (FINISHED).
    """
    now = now or datetime.now(timezone.utc)
    cutoff = now - timedelta(days=current_app.config.get("WEBHOOK_BODY_RETENTION_DAYS", 30))
    oldest = (select(WebhookDelivery.id)
              .where(WebhookDelivery.body.is_not(None), WebhookDelivery.received_at < cutoff, FINISHED)
              .order_by(WebhookDelivery.received_at).limit(limit))
    dropped = _touched(db.session.execute(
        update(WebhookDelivery).where(WebhookDelivery.id.in_(oldest.scalar_subquery())).values(body=None)
        .execution_options(synchronize_session=False)))
    db.session.commit()
    return dropped


def drop_webhook_body_backlog(now: datetime | None = None) -> int:
    """`drop_old_webhook_bodies` batch after batch while a full batch went (each committed)."""
    dropped = 0
    for _ in range(BODY_BATCHES_PER_RUN):
        batch = drop_old_webhook_bodies(now)
        dropped += batch
        if batch < BODY_BATCH:
            break
    return dropped


def _touched(result: Result) -> int:
    """The rows an UPDATE or DELETE touched: Session.execute answers DML with a CursorResult
    but types it as a plain Result."""
    assert isinstance(result, CursorResult)
    return result.rowcount


def data_export_retention() -> timedelta:
    """How long a customer data export is kept after it was made (DATA_EXPORT_RETENTION_DAYS)."""
    return timedelta(days=current_app.config.get("DATA_EXPORT_RETENTION_DAYS", 30))


def purge_old_data_exports(now: datetime | None = None, limit: int = EXPORT_BATCH) -> int:
    """Delete customer data exports older than the retention, oldest first, at most `limit`:
    they hold buyers' personal data, and the merchant has had the month to hand them over."""
    now = now or datetime.now(timezone.utc)
    deleted = delete_expired_exports(db.session(), now - data_export_retention(), limit)
    db.session.commit()
    return deleted
