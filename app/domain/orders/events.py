"""Route one normalised event to the domain and re-plan the follow-ups it affects."""
from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.orm import Session

from app.domain.followups.sync import sync_followups
from app.domain.orders.order_events import apply_order_event, apply_refund, cancel_deleted_order, find_order
from app.domain.orders.shipments import apply_fulfillment_event, apply_tracking_update
from app.domain.orders.statuses import derive_order_status
from app.domain.privacy.lifecycle import export_customer_data, redact_customer, redact_shop, uninstall_shop
from app.models import Order, Shop
from app.models.states import DeliveryOutcome
from connectors.base import (
    FulfillmentEvent,
    IgnoredEvent,
    LifecycleEvent,
    OrderEvent,
    ParsedEvent,
    RefundEvent,
    TrackingUpdate,
)

log = logging.getLogger(__name__)


def apply_event(session: Session, shop: Shop, event: ParsedEvent, now: datetime) -> DeliveryOutcome:
    """Apply the event; return a short outcome for the delivery log."""
    outcome, orders = apply_facts(session, shop, event, now)
    for order in orders:
        sync_followups(session, order, shop, now)
    return outcome


def apply_facts(session: Session, shop: Shop, event: ParsedEvent,
                now: datetime) -> tuple[DeliveryOutcome, list[Order]]:
    """Apply what the event says, without planning mails: the outcome, and the orders whose
    follow-ups the caller re-plans (`sync_followups`) once the facts are in.

    A drain applying a batch plans each order once, after all of the batch's events of it.
    """
    if isinstance(event, OrderEvent):
        order = apply_order_event(session, shop, event, now)
        return DeliveryOutcome.processed(f"order {order.id} {order.status}"), [order]
    if isinstance(event, (FulfillmentEvent, TrackingUpdate, RefundEvent)):
        order = find_order(session, shop, event.platform_order_id)
        if isinstance(event, FulfillmentEvent):
            apply_fulfillment_event(session, order, event, shop.platform, now)
        elif isinstance(event, TrackingUpdate):
            apply_tracking_update(order, event, shop.platform)
        else:
            apply_refund(order, event, now)
        session.flush()
        order.status = derive_order_status(order).value
        return DeliveryOutcome.processed(f"order {order.id} {order.status}"), [order]
    if isinstance(event, LifecycleEvent):
        if event.kind == "order_deleted":
            return _delete_orders(session, shop, event, now)
        return _apply_lifecycle(session, shop, event, now), []
    if isinstance(event, IgnoredEvent):
        return DeliveryOutcome.ignored(event.reason), []
    raise TypeError(f"unknown event type {type(event).__name__}")


def _apply_lifecycle(session: Session, shop: Shop, event: LifecycleEvent,
                     now: datetime) -> DeliveryOutcome:
    if event.kind == "uninstalled":
        uninstall_shop(session, shop, now)
        return DeliveryOutcome.processed("shop uninstalled")
    if event.kind == "scopes_update":
        shop.scopes = ",".join(event.scopes)
        return DeliveryOutcome.processed(f"scopes now {shop.scopes}")
    if event.kind == "shop_redact":
        redact_shop(session, shop)
        return DeliveryOutcome.processed("shop redacted")
    if event.kind == "customer_redact":
        count = redact_customer(session, shop, event.customer_email, event.platform_order_ids, now)
        return DeliveryOutcome.processed(f"customer redacted ({count} record(s))")
    if event.kind == "data_request":
        export = export_customer_data(session, shop, event.customer_email, event.platform_order_ids,
                                      event.request_id)
        session.flush()
        log.info("data request of shop %s answered with export %s", shop.id, export.id)
        return DeliveryOutcome.processed(f"data export {export.id} ready")
    return DeliveryOutcome.ignored(f"lifecycle {event.kind}")


def _delete_orders(session: Session, shop: Shop, event: LifecycleEvent,
                   now: datetime) -> tuple[DeliveryOutcome, list[Order]]:
    """An order moved to the trash: cancel it (its planned mails go with the re-plan; a
    restore re-opens it)."""
    outcomes, orders = [], []
    for platform_order_id in event.platform_order_ids:
        order = cancel_deleted_order(session, shop, platform_order_id, now)
        if order is None:
            outcomes.append(f"{platform_order_id} unknown")
            continue
        orders.append(order)
        outcomes.append(f"order {order.id} {order.status}")
    return DeliveryOutcome.processed("deleted: " + ", ".join(outcomes)), orders
