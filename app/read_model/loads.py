"""The read model's loads by id, and the mapped order for a writer.

A view is loaded by one Core SELECT that joins the order's rows (shop, buyer, lines, parcels
with their events, refunds, survey answer; for a message also the message and its buyer),
run through the autocommit pool's connection (`Connection.execute`), and turned into views at
once. Core and not the ORM: loading the same graph with joined eager loads cost ≈1 ms of CPU
per send against ≈0.5 ms (most of it the ORM setting up row processors for the relationships on
every execution), and a view needs no identity map or change tracking.

Autocommitted: a load is a read of committed rows that needs no transaction, so no BEGIN and
no ROLLBACK go over the wire, and psycopg keeps the statements it prepared on the connection
(it forgets them on every rollback): the joined statement costs more to plan than to run.

The shop's view is kept per shop at its facts version, which moves in every transaction that
changes the shop's row or one of its modules (app/domain/orders/facts_versions.py; the block's
answer cache relies on it too): the joined statement reads only the shop's id, install time
and version, and the shop's columns with its modules come from a query of their own when that
key is new (joining the modules to the order's rows would multiply them again). The install
time is in the key because SQLite may give a new shop a deleted shop's id. A view read after
the key is kept under its own row's key, never under an older one's.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, Select, bindparam, select
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.sql.base import ExecutableOption

from app.caches.bounded_lru import BoundedLRU
from app.domain.followups.survey import survey_code_for
from app.extensions import db
from app.models import Customer, Order, OrderLine, Refund, ScheduledMessage, Shipment, Shop, ShopModule
from app.models.shipment import TrackingEvent
from app.models.survey import SurveyAnswer
from app.read_model.views import (
    CustomerView,
    EventView,
    LineView,
    MessageView,
    ModuleView,
    OrderView,
    ParcelView,
    RefundView,
    ShopView,
    SurveyAnswerView,
    columns_of,
)

MAX_SHOPS = 1024
# The shops this process read, with their modules, as views by (id, installed_at, facts_version)
# (frozen; their dicts are shared: read them, never change them).
shop_views: BoundedLRU[ShopView] = BoundedLRU(MAX_SHOPS)
# What the joined statement reads of the shop: the key of its kept view.
SHOP_KEY = ("id", "installed_at", "facts_version")

Aliases = dict[str, Any]
# (name, table, its view, how its alias joins the aliases before it). The order and the
# shop are inner joins, the rest outer: they may find nothing.
PARTS: tuple[tuple[str, Any, Any, Callable[[Aliases], Any] | None], ...] = (
    ("message", ScheduledMessage, MessageView, None),
    ("order", Order, OrderView, lambda a: a["order"].c.id == a["message"].c.order_id),
    ("message_customer", Customer, CustomerView,
     lambda a: a["message_customer"].c.id == a["message"].c.customer_id),
    ("shop", Shop, ShopView, lambda a: a["shop"].c.id == a["order"].c.shop_id),
    ("customer", Customer, CustomerView, lambda a: a["customer"].c.id == a["order"].c.customer_id),
    ("line", OrderLine, LineView, lambda a: a["line"].c.order_id == a["order"].c.id),
    ("parcel", Shipment, ParcelView, lambda a: a["parcel"].c.order_id == a["order"].c.id),
    ("event", TrackingEvent, EventView, lambda a: a["event"].c.shipment_id == a["parcel"].c.id),
    ("refund", Refund, RefundView, lambda a: a["refund"].c.order_id == a["order"].c.id),
    ("survey", SurveyAnswer, SurveyAnswerView, lambda a: a["survey"].c.order_id == a["order"].c.id),
)
INNER = {"order", "shop"}
MESSAGE_PARTS = {"message", "message_customer"}
# Where a part's columns sit in a row, and their names (the id first: it tells a missing row).
Layout = dict[str, tuple[int, tuple[str, ...]]]


@cache
def _statement(root: str) -> tuple[Select, Layout]:
    """The joined statement from the message or the order (`root`), by its id, and its layout."""
    aliases: Aliases = {}
    columns: list[Any] = []
    layout: Layout = {}
    joined: Any = None
    for name, model, view, on in PARTS:
        if root == "order" and name in MESSAGE_PARTS:
            continue
        alias = aliases[name] = model.__table__.alias(name)
        names = SHOP_KEY if name == "shop" else ("id", *(n for n in columns_of(view) if n != "id"))
        layout[name] = (len(columns), names)
        columns += [alias.c[n] for n in names]
        if joined is None:
            joined = alias
        else:
            assert on is not None
            joined = joined.join(alias, on(aliases), isouter=name not in INNER)
    statement = select(*columns).select_from(joined).where(aliases[root].c.id == bindparam("id"))
    return statement, layout


@cache
def _shop_statement() -> Select:
    """The shop's columns with its modules, one row per module (one without any)."""
    shop, m = Shop.__table__.c, ShopModule.__table__.c
    return (select(*(shop[name] for name in columns_of(ShopView)), m.key, m.enabled, m.settings, m.derived)
            .select_from(Shop.__table__.outerjoin(ShopModule.__table__, m.shop_id == shop.id))
            .where(shop.id == bindparam("shop_id")))


def _part(row: Sequence, layout: Layout, name: str) -> dict[str, Any] | None:
    start, names = layout[name]
    return None if row[start] is None else dict(zip(names, row[start:start + len(names)], strict=True))


def _distinct(rows: Sequence[Sequence], layout: Layout, name: str, order_key: str) -> list[dict[str, Any]]:
    """The part's rows once each (the joins repeat them), in the mapped relationship's order."""
    start = layout[name][0]
    seen: dict[Any, dict[str, Any]] = {}
    for row in rows:
        if row[start] is not None and row[start] not in seen:
            seen[row[start]] = _part(row, layout, name) or {}
    return sorted(seen.values(), key=itemgetter(order_key))


def _shop(conn: Connection, key: dict[str, Any]) -> ShopView | None:
    """The shop's view at the version the joined statement read (`key`), or a newer one;
    None if the shop is gone since."""
    shop = shop_views.get((key["id"], key["installed_at"], key["facts_version"]))
    if shop is None:
        rows = conn.execute(_shop_statement(), {"shop_id": key["id"]}).all()
        if not rows:
            return None
        width = len(columns_of(ShopView))
        modules = tuple(ModuleView(*row[width:]) for row in rows if row[width] is not None)
        shop = ShopView(**dict(zip(columns_of(ShopView), rows[0][:width], strict=True)), modules=modules)
        shop_views.put((shop.id, shop.installed_at, shop.facts_version), shop)
    return shop


def _customer(values: dict[str, Any] | None) -> CustomerView | None:
    return None if values is None else CustomerView(**values)


def _order(conn: Connection, rows: Sequence[Sequence], layout: Layout) -> OrderView | None:
    """The order's view; None if its shop is gone since the rows were read."""
    first = rows[0]
    shop = _shop(conn, _part(first, layout, "shop") or {})
    if shop is None:
        return None
    order = _part(first, layout, "order") or {}
    survey = _part(first, layout, "survey")
    events = [EventView(**e) for e in _distinct(rows, layout, "event", "happened_at")]
    code = None
    if survey is not None:  # the buyer's unique survey code, where the thanks could show one
        with Session(bind=conn) as session:
            code = survey_code_for(session, shop, order["id"], answered=True)
    return OrderView(
        **order, shop=shop, customer=_customer(_part(first, layout, "customer")),
        lines=tuple(LineView(**line) for line in _distinct(rows, layout, "line", "id")),
        shipments=tuple(ParcelView(**parcel, events=tuple(e for e in events if e.shipment_id == parcel["id"]))
                        for parcel in _distinct(rows, layout, "parcel", "id")),
        refunds=tuple(RefundView(**refund) for refund in _distinct(rows, layout, "refund", "id")),
        survey_answer=None if survey is None else SurveyAnswerView(**survey), survey_code=code)


def load_order_view(order_id: int) -> OrderView | None:
    """The order's view, as committed; None if there is no such order."""
    statement, layout = _statement("order")
    with db.autocommit() as conn:
        rows = conn.execute(statement, {"id": order_id}).all()
        return _order(conn, rows, layout) if rows else None


def load_message_view(message_id: int) -> MessageView | None:
    """The message's view with its order's, as committed; None if there is no such message
    (erased with its order since it was claimed)."""
    statement, layout = _statement("message")
    with db.autocommit() as conn:
        rows = conn.execute(statement, {"id": message_id}).all()
        if not rows:
            return None
        order = _order(conn, rows, layout)
    if order is None:
        return None
    message = _part(rows[0], layout, "message") or {}
    # One buyer, one view, unless the order changed hands since the message was planned.
    same = order.customer is not None and order.customer.id == message["customer_id"]
    return MessageView(**message, order=order,
                       customer=order.customer if same
                       else _customer(_part(rows[0], layout, "message_customer")))


# ---- the mapped order, for a caller that writes to it --------------------------------------

def order_loads(order=None) -> tuple[ExecutableOption, ...]:
    """Loader options for everything an order view holds but the shop's modules, from the
    order itself or (`order`, a joinedload of it) from a row that leads to it."""
    def path(attribute):
        return joinedload(attribute) if order is None else order.joinedload(attribute)
    return (path(Order.shop), path(Order.customer), path(Order.lines),
            path(Order.shipments).joinedload(Shipment.events), path(Order.refunds), path(Order.survey_answer))


@cache
def _order_query() -> Select:
    """Built once: an ad-hoc statement would be rebuilt and its cache key recomputed per call.
    `populate_existing`: loaded now even if the session already holds the order (a plain get()
    would hand back the held one and lazy-load the rest)."""
    return (select(Order).where(Order.id == bindparam("order_id")).options(*order_loads())
            .execution_options(populate_existing=True))


@cache
def _modules_query() -> Select:
    return select(ShopModule).where(ShopModule.shop_id == bindparam("shop_id"))


def load_order(session: Session, order_id: int) -> Order | None:
    """The mapped order with all an order view reads, for a caller that writes to it (the
    survey and newsletter forms, planning after a send): in `session`, none of it lazily."""
    order = session.scalars(_order_query(), {"order_id": order_id}).unique().first()
    if order is not None:
        load_modules(session, order.shop)
    return order


def load_modules(session: Session, shop: Shop) -> None:
    """The shop's modules by a query of their own, put in place with set_committed_value: a
    selectin or lazy load of them costs more CPU than the whole order query."""
    set_committed_value(shop, "modules", session.scalars(_modules_query(), {"shop_id": shop.id}).all())
