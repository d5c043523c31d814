"""Process a stored webhook delivery: parse it, apply it, record the outcome."""
from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, timezone

from sqlalchemy import inspect, select

from app.domain.events import apply_event
from app.extensions import db
from app.jobs.runtime import job
from app.models import Shop, WebhookDelivery
from connectors import get_connector
from connectors.base import FulfillmentEvent, MalformedPayload, OrderEvent

log = logging.getLogger(__name__)


def delivery_job_id(delivery_id: int) -> str:
    return f"delivery-{delivery_id}"


@job
def process_delivery(delivery_id: int) -> str:
    """Apply one delivery exactly once; a crash rolls back, records the error and re-raises."""
    session = db.session
    now = datetime.now(timezone.utc)
    delivery = session.get(WebhookDelivery, delivery_id, with_for_update=True)
    if delivery is None:
        return "gone"
    if delivery.state not in ("received", "failed"):
        return f"already {delivery.state}"
    delivery.attempts += 1
    try:
        outcome = _apply(session, delivery, now)
    except MalformedPayload as exc:
        session.rollback()
        _finish(delivery_id, "failed", f"malformed: {exc}", now)
        log.warning("delivery %s malformed: %s", delivery_id, exc)
        return "malformed"
    except Exception as exc:
        session.rollback()
        _finish(delivery_id, "failed", f"{type(exc).__name__}: {exc}", None, count_attempt=True)
        log.exception("delivery %s failed (will retry)", delivery_id)
        raise
    if inspect(delivery).deleted:  # shop/redact took this delivery with the shop's other rows
        session.commit()
        return outcome
    delivery.state = "ignored" if outcome.startswith("ignored") else "processed"
    delivery.error = None if delivery.state == "processed" else outcome
    delivery.processed_at = now
    session.commit()
    return outcome


def _apply(session, delivery: WebhookDelivery, now: datetime) -> str:
    shop = _shop_for(session, delivery)
    if shop is None:
        return f"ignored: unknown shop {delivery.shop_domain!r}"
    event = get_connector(delivery.platform).parse(delivery.topic, delivery.body)
    return apply_event(session, shop, with_event_time(event, delivery.triggered_at), now)


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
        return session.get(Shop, delivery.shop_id)
    if delivery.shop_domain:
        return session.scalars(select(Shop).where(
            Shop.platform == delivery.platform, Shop.domain == delivery.shop_domain)).first()
    return None


def _finish(delivery_id: int, state: str, error: str, processed_at, count_attempt: bool = False):
    delivery = db.session.get(WebhookDelivery, delivery_id)
    if delivery is None:
        return
    delivery.state = state
    delivery.error = error[:2000]
    delivery.processed_at = processed_at
    if count_attempt:
        delivery.attempts += 1
    db.session.commit()
