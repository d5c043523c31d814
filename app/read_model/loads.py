"""The read model's loads by id: plain ORM queries (joined eager loads, nothing lazy) on a
connection of the autocommit pool, turned into views at once.

Autocommitted: a load is a read of committed rows that needs no transaction, so no BEGIN and
no ROLLBACK go over the wire, and psycopg keeps the statements it prepared on the connection
(it forgets them on every rollback): the order query, which joins seven tables, costs more to
plan than to run. The session lives for one load; the views outlast it.

The shop's modules come from a query of their own (a joined load of them would multiply the
order's rows again) and are kept per shop at its facts version, which moves in every
transaction that changes a module (app/domain/orders/facts_versions.py; the block's answer
cache relies on it too). The install time is in the key because SQLite may give a new shop a
deleted shop's id.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.sql.base import ExecutableOption

from app.caches.bounded_lru import BoundedLRU
from app.extensions import db
from app.models import Order, ScheduledMessage, Shipment, Shop, ShopModule
from app.read_model.from_orm import message_view, order_view, shop_view
from app.read_model.views import MessageView, ModuleView, OrderView

MAX_SHOPS = 1024
# The modules of the shops this process read, as views (frozen; their dicts are shared: read
# them, never change them).
shop_modules: BoundedLRU[tuple[ModuleView, ...]] = BoundedLRU(MAX_SHOPS)


def order_loads(order=None) -> tuple[ExecutableOption, ...]:
    """Loader options for everything an order view holds but the shop's modules, from the
    order itself or (`order`, a joinedload of it) from a row that leads to it."""
    def path(attribute):
        return joinedload(attribute) if order is None else order.joinedload(attribute)
    return (path(Order.shop), path(Order.customer), path(Order.lines),
            path(Order.shipments).joinedload(Shipment.events), path(Order.refunds), path(Order.survey_answer))


@cache
def _order_query() -> Select:
    """Built once: an ad-hoc statement would be rebuilt and its cache key recomputed per call."""
    return select(Order).where(Order.id == bindparam("order_id")).options(*order_loads())


@cache
def _fresh_order_query() -> Select:
    """`populate_existing`: loaded now even if the session already holds the order (a plain
    get() would hand back the held one and lazy-load the rest)."""
    return _order_query().execution_options(populate_existing=True)


@cache
def _message_query() -> Select:
    order = joinedload(ScheduledMessage.order)
    return (select(ScheduledMessage).where(ScheduledMessage.id == bindparam("message_id"))
            .options(joinedload(ScheduledMessage.customer), *order_loads(order)))


@cache
def _modules_query() -> Select:
    return select(ShopModule).where(ShopModule.shop_id == bindparam("shop_id"))


@contextmanager
def _reading() -> Iterator[Session]:
    with db.autocommit() as conn, Session(bind=conn) as session:
        yield session


def _modules(session: Session, shop: Shop) -> tuple[ModuleView, ...]:
    key = (shop.id, shop.installed_at, shop.facts_version)
    modules = shop_modules.get(key)
    if modules is None:
        modules = tuple(ModuleView(m.key, m.enabled, m.settings, m.derived)
                        for m in session.scalars(_modules_query(), {"shop_id": shop.id}))
        shop_modules.put(key, modules)
    return modules


def _view(session: Session, order: Order) -> OrderView:
    return order_view(order, shop_view(order.shop, _modules(session, order.shop)))


def load_order_view(order_id: int) -> OrderView | None:
    """The order's view, as committed; None if there is no such order."""
    with _reading() as session:
        order = session.scalars(_order_query(), {"order_id": order_id}).unique().first()
        return None if order is None else _view(session, order)


def load_message_view(message_id: int) -> MessageView | None:
    """The message's view with its order's, as committed; None if there is no such message
    (erased with its order since it was claimed)."""
    with _reading() as session:
        message = session.scalars(_message_query(), {"message_id": message_id}).unique().first()
        return None if message is None else message_view(message, _view(session, message.order))


def load_order(session: Session, order_id: int) -> Order | None:
    """The mapped order with all an order view reads, for a caller that writes to it (the
    survey and newsletter forms, planning after a send): in `session`, none of it lazily."""
    order = session.scalars(_fresh_order_query(), {"order_id": order_id}).unique().first()
    if order is not None:
        load_modules(session, order.shop)
    return order


def load_modules(session: Session, shop: Shop) -> None:
    """The shop's modules by a query of their own, put in place with set_committed_value: a
    selectin or lazy load of them costs more CPU than the whole order query."""
    set_committed_value(shop, "modules", session.scalars(_modules_query(), {"shop_id": shop.id}).all())
