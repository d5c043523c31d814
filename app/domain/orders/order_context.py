"""The one loader of the rows that applying events works on: an explicit `OrderContext`.

Whatever applies platform events (a drain's deliveries, a batch of one included, and
reconciliation's pages) first loads the rows those events name, here, and hands them to the
domain as an argument; nothing is kept in the session for later code to find.

Two drains that apply events of the same orders must not deadlock. So the orders are locked
in ONE statement sorted by their unique key (shop, platform order id): an upsert whose
conflicting rows are locked and whose missing rows are inserted (and so locked) in that
order. Then the buyers the events name that are new are inserted, sorted by (shop, email),
in one statement too. Two loaders can then only wait for one another, never in a circle.

Carrier tracking locks in the same key order (`lock_existing`), without inserting: a parcel's
answer never brings a vanished order back.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, false, select, tuple_
from sqlalchemy.orm import Session, selectinload

from app.db.base import insert_for
from app.domain.orders.facts_versions import FACTS_UNCHANGED
from app.models import Customer, Order, Shipment, Shop
from connectors.base import FulfillmentEvent, OrderEvent, ParsedEvent, RefundEvent, TrackingUpdate

# The events about one order: the context holds (and locks) the order each of them names.
ORDER_EVENTS = (OrderEvent, FulfillmentEvent, TrackingUpdate, RefundEvent)
OrderKey = tuple[int, str]  # (shop id, platform order id)
CustomerKey = tuple[int, str]  # (shop id, email as stored: stripped, lower case)



def is_stale(stored: datetime | None, incoming: datetime | None) -> bool:
    """An event is stale when both sides carry a time and the incoming one is older: facts
    never go back in time."""
    return stored is not None and incoming is not None and incoming < stored


@dataclass(frozen=True)
class OrderContext:
    """The rows a set of events works on: the orders they name, locked (with lines, parcels,
    tracking events, refunds and customer loaded), and their buyers (new ones inserted)."""
    orders: Mapping[OrderKey, Order]
    customers: Mapping[CustomerKey, Customer]

    def order(self, shop: Shop, platform_order_id: str) -> Order:
        return self.orders[shop.id, platform_order_id]

    def customer(self, shop: Shop, email: str) -> Customer:
        return self.customers[shop.id, customer_email(email)]


def customer_email(email: str) -> str:
    """An address as a customer row keeps it."""
    return email.strip().lower()


def load_context(session: Session, events: Sequence[tuple[Shop, ParsedEvent]], now: datetime) -> OrderContext:
    """Lock (inserting the missing ones) the orders these events name, then insert their new
    buyers; an order event that is stale against its order brings no buyer."""
    orders = lock_orders(session, [(shop.id, event.platform_order_id) for shop, event in events
                                   if isinstance(event, ORDER_EVENTS)], now)
    customers = insert_customers(session, [
        (shop.id, customer_email(event.email)) for shop, event in events
        if isinstance(event, OrderEvent) and event.email
        and not is_stale(orders[shop.id, event.platform_order_id].platform_updated_at, event.updated_at)])
    return OrderContext(orders, customers)


def lock_orders(session: Session, keys: Iterable[OrderKey], now: datetime) -> dict[OrderKey, Order]:
    """Lock (inserting the missing ones) the orders of these keys, in key order.

    ON CONFLICT DO UPDATE … WHERE false is what locks an existing row (FOR UPDATE) inside the
    same statement that inserts the new ones, without writing a new version of it; rows are
    taken in the order of the VALUES list.
    """
    ordered = sorted(set(keys))
    if not ordered:
        return {}
    insert = insert_for(session.get_bind().dialect.name)(Order.__table__).values([
        {"shop_id": shop_id, "platform_order_id": platform_order_id, "status": "placed",
         "created_at": now, "updated_at": now, "facts_version": 1}
        for shop_id, platform_order_id in ordered])
    session.execute(insert.on_conflict_do_update(
                        index_elements=["shop_id", "platform_order_id"],
                        set_={"platform_order_id": insert.excluded.platform_order_id}, where=false())
                    .execution_options(**{FACTS_UNCHANGED: "locks orders, inserts new ones: "
                                                           "the events applied next are counted"}))
    return _loaded(session, select(Order).where(tuple_(Order.shop_id, Order.platform_order_id).in_(ordered)))


def lock_existing(session: Session, shop_id: int, platform_order_ids: Iterable[str]) -> dict[OrderKey, Order]:
    """Lock the shop's orders of these ids that exist, in the same key order; none inserted."""
    ids = sorted(set(platform_order_ids))
    if not ids:
        return {}
    # Code point order, as Python sorts `lock_orders`' keys (PostgreSQL's default collation may not).
    postgres = session.get_bind().dialect.name == "postgresql"
    by_key = Order.platform_order_id.collate("C") if postgres else Order.platform_order_id
    return _loaded(session, select(Order).where(Order.shop_id == shop_id, Order.platform_order_id.in_(ids))
                   .order_by(by_key).with_for_update())


def _loaded(session: Session, query: Select[Order]) -> dict[OrderKey, Order]:
    """The orders, as they are now (populate_existing: an Order still in the identity map from
    an earlier transaction carries what it read then), with what applying and planning read."""
    orders = session.scalars(
        query.options(selectinload(Order.lines), selectinload(Order.shipments).selectinload(Shipment.events),
                      selectinload(Order.refunds), selectinload(Order.customer))
        .execution_options(populate_existing=True)).all()
    return {(order.shop_id, order.platform_order_id): order for order in orders}


def insert_customers(session: Session, keys: Iterable[CustomerKey]) -> dict[CustomerKey, Customer]:
    """The customers of these keys, the missing ones inserted in key order. Existing rows are
    not locked (an update of one locks it when it happens)."""
    ordered = sorted(set(keys))
    if not ordered:
        return {}
    session.execute(insert_for(session.get_bind().dialect.name)(Customer.__table__).values([
        {"shop_id": shop_id, "email": email, "marketing_consent": "unknown"} for shop_id, email in ordered])
        .on_conflict_do_nothing(index_elements=["shop_id", "email"]))
    customers = session.scalars(select(Customer).where(tuple_(Customer.shop_id, Customer.email).in_(ordered))
                                .execution_options(populate_existing=True)).all()
    return {(customer.shop_id, customer.email): customer for customer in customers
            if customer.email is not None}  # always: found by these addresses
