"""A due message with its order and all that the re-check and the mail read, loaded as
plain read-only objects by Core: one joined statement on an autocommitted connection (no
BEGIN, no ROLLBACK), and one for the shop's modules when this process has not read them
at the shop's current facts version.

Why not the ORM: loading the same graph with joinedload cost ≈1 ms of CPU per send, most
of it the ORM setting up row processors for nine relationships on every execution, where
the SQL itself takes ≈0.1 ms. The statements run on the DBAPI cursor (app/db/dbapi_rows.py):
Core's own result setup for 119 columns cost more than the round trip. A send only reads
until it records the outcome, and it records that by id, so it has no use for an
identity map or change tracking.

Each object carries every column of its table as an attribute (not the shop's
credentials: a mail has no use for them) and its relationships as attributes and lists in
the mapped order, so the presenter, the re-check and the templates read it as they read
mapped objects, and as they read an admin preview's in-memory sample.
"""
from __future__ import annotations

from functools import cache
from operator import attrgetter

from sqlalchemy import bindparam, select

from app.caches.bounded_lru import BoundedLRU
from app.db.dbapi_rows import fetch_rows
from app.extensions import db
from app.models import Customer, Order, OrderLine, Refund, ScheduledMessage, Shipment, Shop, ShopModule
from app.models.shipment import TrackingEvent
from app.models.survey import SurveyAnswer

SHOP_CREDENTIALS = {"access_token", "refresh_token", "api_key", "api_secret", "webhook_secret"}
MAX_SHOPS = 1024


class Snapshot:
    """One row, its columns as attributes."""

    def __init__(self, values: dict):
        self.__dict__.update(values)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} id={self.__dict__.get('id')}>"


class ShopSnapshot(Snapshot):
    active = Shop.active


# (name, model, how its alias joins the aliases before it); all but INNER are outer joins,
# which may find nothing.
PARTS = (
    ("message", ScheduledMessage, None),
    ("order", Order, lambda a: a["order"].c.id == a["message"].c.order_id),
    ("shop", Shop, lambda a: a["shop"].c.id == a["order"].c.shop_id),
    ("customer", Customer, lambda a: a["customer"].c.id == a["message"].c.customer_id),
    ("line", OrderLine, lambda a: a["line"].c.order_id == a["order"].c.id),
    ("parcel", Shipment, lambda a: a["parcel"].c.order_id == a["order"].c.id),
    ("event", TrackingEvent, lambda a: a["event"].c.shipment_id == a["parcel"].c.id),
    ("refund", Refund, lambda a: a["refund"].c.order_id == a["order"].c.id),
    ("survey", SurveyAnswer, lambda a: a["survey"].c.order_id == a["order"].c.id),
)
INNER = {"order", "shop"}


@cache
def _statement():
    """The joined statement and, per part, where its columns sit in a row and their names."""
    aliases, columns, layout = {}, [], {}
    joined = None
    for name, model, on in PARTS:
        alias = aliases[name] = model.__table__.alias(name)
        names = [c.name for c in alias.c if not (model is Shop and c.name in SHOP_CREDENTIALS)]
        names.sort(key=lambda column: column != "id")  # the id first: it tells a missing row
        layout[name] = (len(columns), names)
        columns += [alias.c[n] for n in names]
        if joined is None:
            joined = alias
        else:
            joined = joined.join(alias, on(aliases), isouter=name not in INNER)
    statement = select(*columns).select_from(joined).where(aliases["message"].c.id == bindparam("message_id"))
    return statement, layout


@cache
def _customer_statement():
    return select(Customer.__table__).where(Customer.__table__.c.id == bindparam("customer_id"))


@cache
def _modules_statement():
    return select(ShopModule.__table__).where(ShopModule.__table__.c.shop_id == bindparam("shop_id"))


def _modules_key(shop: Snapshot) -> tuple:
    """The modules of a shop stand still while its facts version does: it moves in every
    transaction that changes a module (app/domain/orders/facts_versions.py, which the block's
    answer cache relies on too), so an entry found is current. The install time is in the
    key because SQLite may give a new shop a deleted shop's id."""
    return shop.id, shop.installed_at, shop.facts_version


# The modules of the shops this process sent for; entries are shared between sends: read
# them, never change them.
shop_modules: BoundedLRU[list[Snapshot]] = BoundedLRU(MAX_SHOPS)


def _part(row, layout: tuple[int, list[str]], cls=Snapshot) -> Snapshot | None:
    start, names = layout
    if row[start] is None:
        return None
    return cls(dict(zip(names, row[start:start + len(names)], strict=True)))


def _distinct(rows, layout, order_key: str) -> list[Snapshot]:
    """The part's rows once each (the joins repeat them), in the mapped relationship's order."""
    seen: dict = {}
    for row in rows:
        ident = row[layout[0]]
        if ident is not None and ident not in seen:
            seen[ident] = _part(row, layout)
    return sorted(seen.values(), key=attrgetter(order_key))


def _snapshots(conn, statement, values: dict) -> list[Snapshot]:
    names = statement.selected_columns.keys()
    return [Snapshot(dict(zip(names, row, strict=True))) for row in fetch_rows(conn, statement, values)]


def load_message_snapshot(message_id: int) -> Snapshot | None:
    """The message with `order` (with `shop` and its `modules`, `customer`, `lines`,
    `shipments` with their `events`, `refunds`, `survey_answer`) and `customer`; None if
    there is no such message. One statement while the order's buyer is the message's and
    this process knows the shop's modules at their version."""
    statement, layout = _statement()
    with db.autocommit() as conn:
        rows = fetch_rows(conn, statement, {"message_id": message_id})
        if not rows:
            return None
        first = rows[0]
        message, order = _part(first, layout["message"]), _part(first, layout["order"])
        message.customer = _part(first, layout["customer"])
        # The order's buyer is the message's but where the order changed hands since.
        if order.customer_id is None:
            order.customer = None
        elif order.customer_id == message.customer_id:
            order.customer = message.customer
        else:
            found = _snapshots(conn, _customer_statement(), {"customer_id": order.customer_id})
            order.customer = found[0] if found else None
        order.shop = shop = _part(first, layout["shop"], ShopSnapshot)
        key = _modules_key(shop)
        shop.modules = shop_modules.get(key)
        if shop.modules is None:
            shop.modules = _snapshots(conn, _modules_statement(), {"shop_id": shop.id})
            shop_modules.put(key, shop.modules)
    order.lines = _distinct(rows, layout["line"], "id")
    order.refunds = _distinct(rows, layout["refund"], "id")
    order.survey_answer = _part(first, layout["survey"])
    events = _distinct(rows, layout["event"], "happened_at")
    order.shipments = _distinct(rows, layout["parcel"], "id")
    for parcel in order.shipments:
        parcel.events = [event for event in events if event.shipment_id == parcel.id]
    message.order = order
    return message
