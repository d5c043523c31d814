"""Version counters for what the block shows, bumped in the transaction that changes it.

`orders.facts_version` moves whenever the order, its lines, parcels, tracking events,
refunds, survey answer, issued voucher codes or its customer (language, newsletter consent)
change; `shops.facts_version` whenever the shop or one of its module settings (or their
derived tables: recommendations) does. The block's views read the two counters in one small
query and answer from a cache (app/web/presented_cache.py) while they stand still, so a change a
worker commits shows on the next request, in every process, with nothing to invalidate.

The counting hooks into the ORM session: every write of these models goes through it.
Bulk statements (`session.execute(update(...))`, inserts and deletes) bypass it: one that
changes what a block or a mail shows calls `touch_orders` / `touch_shops` for the rows it
changes, in its transaction (`touch_customers` for buyers' rows); one that changes nothing
shown says why in its execution options (`facts_unchanged="…"`, see FACTS_UNCHANGED).
tests/support/facts_guard.py runs every test under a check that holds each bulk statement on
FACTS_TABLES to one of the two.

The bump is one UPDATE of `orders` by primary key: the ids of the orders touched directly,
of the parcels' orders and of the buyers' orders are gathered by a UNION of indexed
look-ups (never an OR across them, which PostgreSQL answers with a scan of `orders`).
"""
from __future__ import annotations

from itertools import chain

from sqlalchemy import event, select, union, update
from sqlalchemy.orm import Session

from app.models import (
    Customer,
    IssuedVoucherRow,
    Order,
    OrderLine,
    Refund,
    SenderDomain,
    Shipment,
    Shop,
    ShopModule,
    SurveyAnswer,
    TrackingEvent,
)

# Rows that hang off an order by `order_id`.
ORDER_PARTS = (OrderLine, Shipment, Refund, SurveyAnswer, IssuedVoucherRow)
# Rows that hang off a shop by `shop_id` and change what every order of it shows (or, for
# the sender domain, who its mail comes from: app/mail/own_sender.py caches by the version).
SHOP_PARTS = (ShopModule, SenderDomain)
# The tables whose rows a block or a mail shows, and which version a change of them moves.
FACTS_TABLES: dict[str, str] = {
    **{model.__tablename__: "orders" for model in (Order, *ORDER_PARTS, TrackingEvent)},
    Customer.__tablename__: "customers",
    **{model.__tablename__: "shops" for model in (Shop, *SHOP_PARTS)},
}
# The execution option by which a bulk statement on FACTS_TABLES says, in words, why it
# changes nothing a block or mail shows (bookkeeping, a lock, the same value re-encrypted).
FACTS_UNCHANGED = "facts_unchanged"
_INFO_KEY = "facts_touched"
# What a flushed row counts toward (`_touched`'s sets) and by which of its ids.
_COUNTED_BY: tuple[tuple[type | tuple[type, ...], str, str], ...] = (
    (Order, "orders", "id"),
    (ORDER_PARTS, "orders", "order_id"),
    (TrackingEvent, "shipments", "shipment_id"),
    (Customer, "customers", "id"),
    (Shop, "shops", "id"),
    (SHOP_PARTS, "shops", "shop_id"),
)


def _touched(session: Session) -> dict[str, set[int]]:
    return session.info.setdefault(_INFO_KEY, {"orders": set(), "shipments": set(), "customers": set(),
                                               "shops": set()})


def touch_orders(session: Session, order_ids) -> None:
    """Count a change made outside the ORM's unit of work (a bulk statement)."""
    _touched(session)["orders"].update(order_ids)


def touch_customers(session: Session, customer_ids) -> None:
    """Count a change to buyers' rows made by a bulk statement: all their orders move."""
    _touched(session)["customers"].update(customer_ids)


def touch_shops(session: Session, shop_ids) -> None:
    """Count a change to shops or their modules made by a bulk statement."""
    _touched(session)["shops"].update(shop_ids)


def touched(session: Session) -> dict[str, set[int]]:
    """What this transaction has counted so far (flushed ORM changes and touches)."""
    return _touched(session)


def _collect(session: Session, _flush_context) -> None:
    """After a flush (ids assigned; new/dirty/deleted still list what was flushed)."""
    touched = _touched(session)
    dirty = (obj for obj in session.dirty if session.is_modified(obj, include_collections=False))
    for obj in chain(session.new, dirty, session.deleted):
        for kinds, counted, id_name in _COUNTED_BY:
            if isinstance(obj, kinds):
                touched[counted].add(getattr(obj, id_name))
                break


def _bump(session: Session) -> None:
    """Before the commit: one UPDATE per table for everything this transaction touched."""
    if session.in_nested_transaction():  # a savepoint's release: its changes count at the real commit
        return
    session.flush()  # before_commit comes before the commit's own flush: count its changes too
    touched = session.info.pop(_INFO_KEY, None)
    if not touched:
        return
    orders, shipments, customers = (touched[k] - {None} for k in ("orders", "shipments", "customers"))
    shops = touched["shops"] - {None}
    if orders or shipments or customers:
        session.execute(update(Order).where(Order.id.in_(_order_ids(orders, shipments, customers)))
                        .values(facts_version=Order.facts_version + 1)
                        .execution_options(synchronize_session=False))
    if shops:
        session.execute(update(Shop).where(Shop.id.in_(shops)).values(facts_version=Shop.facts_version + 1)
                        .execution_options(synchronize_session=False))


def _order_ids(orders: set[int], shipments: set[int], customers: set[int]):
    """The ids to bump: a plain list when only orders were touched, else a UNION whose every
    branch is an index look-up (orders' key, shipments' key, ix_orders_customer_id)."""
    branches = []
    if shipments:
        branches.append(select(Shipment.order_id).where(Shipment.id.in_(sorted(shipments))))
    if customers:
        branches.append(select(Order.id).where(Order.customer_id.in_(sorted(customers))))
    if not branches:
        return sorted(orders)
    if orders:
        branches.append(select(Order.id).where(Order.id.in_(sorted(orders))))
    return branches[0] if len(branches) == 1 else union(*branches)


def _forget(session: Session, transaction) -> None:
    if transaction.parent is None:  # the whole transaction ended: nothing of it is left to count
        session.info.pop(_INFO_KEY, None)


def count_changes(session_factory) -> None:
    """Install the counting on every session the factory makes (once per process)."""
    if not event.contains(session_factory, "after_flush", _collect):
        event.listen(session_factory, "after_flush", _collect)
        event.listen(session_factory, "before_commit", _bump)
        event.listen(session_factory, "after_transaction_end", _forget)
