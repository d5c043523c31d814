"""Apply normalised events to the domain: the facts of each, then the follow-ups of every
order they touched, re-planned once after all of its events.

`apply_events` is the one way platform events enter the domain: a drain's claimed
deliveries (a batch of one included, app/jobs/delivery_batches.py) and reconciliation's pages
(app/jobs/reconcile.py). It loads the rows the events name with the one loader
(`load_context`: orders locked in key order, new buyers inserted) and passes that context on;
the planner then reads the buyers' history for all the touched orders at once.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime

from sqlalchemy.orm import Session

from app.domain.followups.sync import sync_followups
from app.domain.orders.order_context import OrderContext, load_context
from app.domain.orders.order_events import apply_order_event, apply_refund, cancel_deleted_order
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

# Wraps the work done for some of the events (their indexes): the caller's way to tell
# whose an exception is (a drain sets a delivery apart from its batch).
Blame = Callable[[Sequence[int]], AbstractContextManager[object]]


@contextmanager
def _nobody(_indexes: Sequence[int]) -> Iterator[None]:
    yield


def apply_events(session: Session, events: Sequence[tuple[Shop, ParsedEvent]], now: datetime,
                 blame: Blame = _nobody) -> list[DeliveryOutcome]:
    """Apply the events in order, then re-plan the follow-ups of each order they touched once;
    return each event's outcome. The caller commits.

    Loading the context is nobody's fault (nothing is blamed); each event's facts are blamed
    on it, an order's planning on the events that touched the order.
    """
    context = load_context(session, events, now)
    outcomes: list[DeliveryOutcome] = []
    touched: dict[int, Order] = {}
    sources: dict[int, list[int]] = {}  # order id: indexes of the events that touched it
    for index, (shop, event) in enumerate(events):
        with blame([index]):
            outcome, orders = apply_facts(session, context, shop, event, now)
            session.flush()
        for order in orders:
            touched.setdefault(order.id, order)
            sources.setdefault(order.id, []).append(index)
        outcomes.append(outcome)
    planned = sorted(touched.values(), key=lambda order: (order.shop_id, order.platform_order_id))
    sync_followups(session, planned, now, each=lambda order: blame(sources[order.id]))
    return outcomes


def apply_facts(session: Session, context: OrderContext, shop: Shop, event: ParsedEvent,
                now: datetime) -> tuple[DeliveryOutcome, list[Order]]:
    """Apply what the event says, without planning mails: the outcome, and the orders whose
    follow-ups `apply_events` re-plans once all the facts are in. `context` holds the order
    the event names (locked) and its buyer."""
    if isinstance(event, OrderEvent):
        order = apply_order_event(session, context, shop, event, now)
        return DeliveryOutcome.processed(f"order {order.id} {order.status}"), [order]
    if isinstance(event, (FulfillmentEvent, TrackingUpdate, RefundEvent)):
        order = context.order(shop, event.platform_order_id)
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
