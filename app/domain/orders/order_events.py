"""Apply normalised order events to the database: upsert, never go back in time."""
from __future__ import annotations

import logging
from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.orders.order_context import OrderContext, is_stale
from app.domain.orders.shipments import apply_fulfillment_event
from app.domain.orders.statuses import derive_order_status
from app.domain.privacy.suppressions import DOUBLE_OPT_IN, WITHDRAWN
from app.models import Customer, Order, OrderLine, Refund, Shop
from connectors.base import LineItem, OrderEvent, RefundEvent

log = logging.getLogger(__name__)


def apply_order_event(session: Session, context: OrderContext, shop: Shop, event: OrderEvent,
                      now: datetime) -> Order:
    """Update the order (locked in `context`), its customer, lines and embedded fulfillments."""
    order = context.order(shop, event.platform_order_id)
    if is_stale(order.platform_updated_at, event.updated_at):
        log.info("stale order event dropped order=%s", order.id)
        return order
    # One UPDATE for all of it: no flush halfway (the customer lookup needs none of it).
    with session.no_autoflush:
        _assign(order, name=event.name or order.name, currency=event.currency or order.currency,
                total_price=event.total_price if event.total_price is not None else order.total_price,
                financial_status=event.financial_status, fulfillment_status=event.fulfillment_status,
                placed_at=event.placed_at or order.placed_at, cancelled_at=event.cancelled_at,
                locale=event.locale or order.locale,
                shipping_country=event.shipping_country or order.shipping_country or None,
                platform_updated_at=event.updated_at or order.platform_updated_at,
                platform_order_key=event.order_key or order.platform_order_key)
        if event.financial_status == "refunded" and order.refunded_at is None:
            order.refunded_at = event.updated_at or now
        if event.email:
            customer = update_customer(context.customer(shop, event.email), event, now)
            if order.customer_id != customer.id:
                order.customer = customer
        _apply_lines(session, order, event.lines)
        for fulfillment in event.fulfillments:
            apply_fulfillment_event(session, order, fulfillment, shop.platform, now)
        for refund in event.refunds:
            apply_refund(order, refund, now)
        _assign(order, status=derive_order_status(order).value)
    session.flush()
    return order


def cancel_deleted_order(session: Session, shop: Shop, platform_order_id: str, now: datetime) -> Order | None:
    """The platform deleted (trashed) the order: treat it as cancelled; unknown orders stay unknown."""
    order = session.scalars(select(Order)
                            .filter_by(shop_id=shop.id, platform_order_id=platform_order_id)).first()
    if order is None:
        return None
    order.cancelled_at = order.cancelled_at or now
    order.status = derive_order_status(order).value
    return order


def update_customer(customer: Customer, event: OrderEvent, now: datetime) -> Customer:
    """Keep the least we need of the buyer (the row `load_context` found or inserted for the
    event's address): platform id, language and the marketing-consent state."""
    _assign(customer, platform_customer_id=event.platform_customer_id or customer.platform_customer_id,
            locale=event.locale or customer.locale)
    # An unsubscribe through our own link outranks whatever the platform says later.
    state = event.marketing_state or (
        None if event.marketing_consent is None else ("granted" if event.marketing_consent else "denied"))
    if state is not None and (customer.consent_source in (None, "platform")
                              or _withdrawn_since_opt_in(customer, state, event.marketing_consent_at)):
        if customer.marketing_consent != state:
            customer.marketing_consent = state
            customer.consent_source = "platform"
            customer.consent_at = event.marketing_consent_at or now
    return customer


def _withdrawn_since_opt_in(customer: Customer, state: str, platform_at: datetime | None) -> bool:
    """The buyer unsubscribed at the platform after confirming our sign-up: that wins.
    (The platform's "not subscribed" only means its own list never had them.)"""
    if state != WITHDRAWN or customer.consent_source != DOUBLE_OPT_IN or platform_at is None:
        return False
    confirmed = customer.consent_at
    if confirmed is not None and confirmed.tzinfo is None:
        confirmed = confirmed.replace(tzinfo=timezone.utc)
    return confirmed is None or platform_at > confirmed


def _apply_lines(session: Session, order: Order, lines: tuple[LineItem, ...]) -> None:
    existing = {line.platform_line_id: line for line in order.lines}
    for item in lines:
        row = existing.get(item.platform_line_id)
        if row is None:
            row = OrderLine(platform_line_id=item.platform_line_id)
            order.lines.append(row)
        # A REST webhook names no handle or picture: keep the ones reconciliation brought.
        _assign(row, title=item.title, quantity=item.quantity, product_id=item.product_id,
                variant_id=item.variant_id, sku=item.sku, price=item.price,
                product_handle=item.product_handle or row.product_handle,
                image_url=item.image_url or row.image_url)
        if item.product_exists is not None:
            _assign(row, product_exists=item.product_exists)


def _assign(row, **values) -> None:
    """Set the attributes that differ. An attribute set to the value it has still marks the
    row for the flush, which then compares each of its columns; most events repeat much of
    what is stored, and an order sent again unchanged then costs the flush nothing."""
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)


def apply_refund(order: Order, refund: RefundEvent, now: datetime) -> None:
    """A refund of every ordered unit makes the order refunded; less, partially refunded.

    Each platform refund is kept once (by its id): refund and return mails answer it.
    """
    if refund.platform_refund_id and not any(
            r.platform_refund_id == refund.platform_refund_id for r in order.refunds):
        order.refunds.append(Refund(platform_refund_id=refund.platform_refund_id,
                                    created_at=refund.created_at or now, returned=refund.returned,
                                    amount=refund.amount))
    refunded: dict[str, int] = {}
    for line_id, quantity in refund.line_items:
        refunded[line_id] = refunded.get(line_id, 0) + quantity
    full = bool(order.lines) and all(
        refunded.get(line.platform_line_id, 0) >= line.quantity for line in order.lines)
    if full:
        order.financial_status = "refunded"
        order.refunded_at = order.refunded_at or refund.created_at or now
    elif order.financial_status != "refunded":
        order.financial_status = "partially_refunded"
