"""Apply normalised order events to the database: upsert, never go back in time."""
from __future__ import annotations

import logging
from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from app.domain.orders.order_locks import held_customer, held_order
from app.domain.orders.shipments import apply_fulfillment_event
from app.domain.orders.statuses import derive_order_status
from app.domain.orders.upsert import get_or_create, get_or_insert, is_stale
from app.domain.privacy.suppressions import DOUBLE_OPT_IN, WITHDRAWN
from app.models import Customer, Order, OrderLine, Refund, Shop
from connectors.base import LineItem, OrderEvent, RefundEvent

log = logging.getLogger(__name__)


def find_order(session: Session, shop: Shop, platform_order_id: str) -> Order:
    """The order row for a platform id, locked; a placeholder when a later event arrived first.

    The lock makes events of one order apply one after the other: Shopify sends a scan as two
    topics at once, a fulfillment with its order update, and two workers would otherwise
    insert the same parcel or tracking event side by side (a unique violation and a retry)
    or update the order and its parcels in opposite orders (a deadlock). In a drain's batch
    the order was locked (and loaded) up front with the batch's others (app/domain/orders/order_locks.py).
    """
    held = held_order(session, shop.id, platform_order_id)
    if held is not None:
        return held
    order, inserted = get_or_insert(session, Order, {"shop_id": shop.id, "platform_order_id": platform_order_id},
                                    lock=True)
    if inserted:
        # A row this transaction just inserted has no lines, parcels or refunds yet: say so
        # rather than let each first access ask the database.
        for collection in ("lines", "shipments", "refunds"):
            set_committed_value(order, collection, [])
    return order


def apply_order_event(session: Session, shop: Shop, event: OrderEvent, now: datetime) -> Order:
    """Upsert the order, its customer, lines and embedded fulfillments."""
    order = find_order(session, shop, event.platform_order_id)
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
            customer = upsert_customer(session, shop, event, now)
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
    order = session.scalars(select(Order).filter_by(shop_id=shop.id, platform_order_id=platform_order_id)).first()
    if order is None:
        return None
    order.cancelled_at = order.cancelled_at or now
    order.status = derive_order_status(order).value
    return order


def upsert_customer(session: Session, shop: Shop, event: OrderEvent, now: datetime) -> Customer:
    """Keep the least we need: address, language and the marketing-consent state."""
    email = event.email.strip().lower()
    customer = held_customer(session, shop.id, email) or get_or_create(
        session, Customer, {"shop_id": shop.id, "email": email})
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
