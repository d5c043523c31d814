"""The rows a batch of events works on, locked up front in one global order.

A drain applies a batch of deliveries in one transaction. Taken one event at a time, in
arrival order, two drains' order locks crossed (each held an order the other wanted next)
and PostgreSQL broke the deadlock by failing one of them. Here a batch first locks every
order it names, in ONE statement sorted by the order's unique key (shop, platform order
id): an upsert whose conflicting rows are locked and whose missing rows are inserted (and
so locked) in that order. Then it inserts the buyers it names that are new, sorted by
(shop, email), in one statement too. Two batches can then only wait for one another, never
in a circle, on these rows.

`find_order` and `upsert_customer` answer from the rows held here (`holding`) without
asking the database again; outside a batch they go on as before.
"""
from __future__ import annotations

from collections.abc import Iterable
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy import false, select, tuple_
from sqlalchemy.orm import Session, selectinload

from app.domain.orders.facts_versions import FACTS_UNCHANGED
from app.domain.orders.upsert import insert_for
from app.models import Customer, Order, Shipment

_HELD = "held_rows"


def _insert(session: Session):
    return insert_for(session.get_bind().dialect.name)


def lock_orders(session: Session, keys: Iterable[tuple[int, str]], now: datetime) -> dict[tuple[int, str], Order]:
    """Lock (inserting the missing ones) the orders of these (shop id, platform order id) keys,
    in key order; return them with their lines, parcels, tracking events and refunds loaded.

    ON CONFLICT DO UPDATE … WHERE false is what locks an existing row (FOR UPDATE, as
    `find_order` does) inside the same statement that inserts the new ones, without writing
    a new version of it; rows are taken in the order of the VALUES list.
    """
    keys = sorted(set(keys))
    if not keys:
        return {}
    table = Order.__table__
    stmt = _insert(session)(table).values([
        {"shop_id": shop_id, "platform_order_id": platform_order_id, "status": "placed",
         "created_at": now, "updated_at": now, "facts_version": 1}
        for shop_id, platform_order_id in keys])
    session.execute(stmt.on_conflict_do_update(index_elements=["shop_id", "platform_order_id"],
                                               set_={"platform_order_id": stmt.excluded.platform_order_id},
                                               where=false())
                    .execution_options(**{FACTS_UNCHANGED: "locks orders, inserts new ones: "
                                                           "the events applied next are counted"}))
    # populate_existing: an Order still in the identity map from an earlier transaction
    # carries what it read then; under the lock, read what is there now.
    orders = session.scalars(
        select(Order).where(tuple_(Order.shop_id, Order.platform_order_id).in_(keys))
        .options(selectinload(Order.lines), selectinload(Order.shipments).selectinload(Shipment.events),
                 selectinload(Order.refunds), selectinload(Order.customer))
        .execution_options(populate_existing=True)).all()
    return {(order.shop_id, order.platform_order_id): order for order in orders}


def insert_customers(session: Session, keys: Iterable[tuple[int, str]]) -> dict[tuple[int, str], Customer]:
    """The customers of these (shop id, email) keys, the missing ones inserted in key order.

    Existing rows are not locked (an update of one locks it when it happens).
    """
    keys = sorted(set(keys))
    if not keys:
        return {}
    table = Customer.__table__
    session.execute(_insert(session)(table).values([
        {"shop_id": shop_id, "email": email, "marketing_consent": "unknown"} for shop_id, email in keys])
        .on_conflict_do_nothing(index_elements=["shop_id", "email"]))
    customers = session.scalars(select(Customer).where(tuple_(Customer.shop_id, Customer.email).in_(keys))
                                .execution_options(populate_existing=True)).all()
    return {(customer.shop_id, customer.email): customer for customer in customers}


@contextmanager
def holding(session: Session, orders: dict[tuple[int, str], Order], customers: dict[tuple[int, str], Customer]):
    """Within the block, `held_order` and `held_customer` answer from these rows."""
    session.info[_HELD] = (orders, customers)
    try:
        yield
    finally:
        session.info.pop(_HELD, None)


def held_order(session: Session, shop_id: int, platform_order_id: str) -> Order | None:
    held = session.info.get(_HELD)
    return held[0].get((shop_id, platform_order_id)) if held else None


def held_customer(session: Session, shop_id: int, email: str) -> Customer | None:
    held = session.info.get(_HELD)
    return held[1].get((shop_id, email)) if held else None
