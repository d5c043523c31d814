"""Every member the planner reads (app/domain/followups/planner_input.py, enumerated from its
Protocols, so a new member is covered the day it is declared) moves the order's or the shop's
`facts_version` when the app changes it through the ORM (app/domain/orders/facts_versions.py).
What is cached or compared by those versions (the block's answers, the read model's shop
view) therefore cannot outlive a change of anything a plan is made from."""
from __future__ import annotations

import inspect as pyinspect
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import inspect, select
from sqlalchemy.types import JSON

from app.domain.followups import planner_input
from app.domain.orders.facts_versions import FACTS_TABLES
from app.extensions import db
from app.models import (
    Customer,
    Order,
    OrderLine,
    Refund,
    Shipment,
    Shop,
    ShopModule,
    TrackingEvent,
)
from tests.support.factories import T0, add_parcel, carrier_scan, make_order, set_module

# The row each Protocol of planner_input describes, and how to reach it from the order.
ROWS: dict[str, tuple[type, Any]] = {
    "OrderInput": (Order, lambda order: order),
    "CustomerInput": (Customer, lambda order: order.customer),
    "LineProduct": (OrderLine, lambda order: order.lines[0]),
    "LineInput": (OrderLine, lambda order: order.lines[0]),
    "ParcelInput": (Shipment, lambda order: order.shipments[0]),
    "EventInput": (TrackingEvent, lambda order: order.shipments[0].events[0]),
    "RefundInput": (Refund, lambda order: order.refunds[0]),
    "ShopInput": (Shop, lambda order: order.shop),
    "ModuleInput": (ShopModule, lambda order: order.shop.modules[0]),
}
# Members that are no column but a Python property of the mapped row: the column behind it.
BEHIND = {(Shop, "active"): "uninstalled_at"}
# Members that name which rows belong together, never changed by the app: an order does not
# move to another shop (its key is (shop, platform order id)).
OWNERS = {(Order, "shop_id"), (Order, "shop")}
# A new row of each related kind, for a member that is a relationship (`row`: its owner).
NEW_CHILD = {
    OrderLine: lambda row: row.lines.append(OrderLine(platform_line_id="l-new", title="New", quantity=1)),
    Shipment: lambda row: add_parcel(row, fulfillment_id="f-new", tracking_number="JJD000390007"),
    Refund: lambda row: row.refunds.append(Refund(platform_refund_id="r-new", created_at=T0)),
    TrackingEvent: lambda row: row.events.append(TrackingEvent(status="delivered", source="carrier",
                                                               happened_at=T0 + timedelta(days=2))),
    ShopModule: lambda row: row.modules.append(ShopModule(key="mail_nps", enabled=True)),
    Customer: lambda row: setattr(row, "customer", Customer(shop_id=row.shop_id, email="new@example.com")),
}


def _protocols() -> list[type]:
    return [cls for _name, cls in pyinspect.getmembers(planner_input, pyinspect.isclass)
            if getattr(cls, "_is_protocol", False) and cls.__module__ == planner_input.__name__]


def _members(protocol: type) -> list[str]:
    """Every read-only member the Protocol declares, its bases' included."""
    return sorted({name for cls in protocol.__mro__ if cls.__module__ == planner_input.__name__
                   for name, value in vars(cls).items() if isinstance(value, property)})


MEMBERS = [(protocol.__name__, member) for protocol in _protocols() for member in _members(protocol)]


def _other(column, old):
    """A value of the column's type different from `old`."""
    if isinstance(column.type, JSON):
        return [*(old or []), {"changed": 1}] if isinstance(old, list) else {**(old or {}), "changed": 1}
    python = column.type.python_type
    if python is object:  # a TypeDecorator (aware UTC datetimes): its implementation's type
        python = column.type.impl_instance.python_type
    if python is bool:
        return not old
    if python is int:
        return (old or 0) + 1
    if python is Decimal:
        return (old or Decimal(0)) + 1
    if python is datetime:
        return (old or T0) + timedelta(days=1)
    if python is str:
        length = getattr(column.type, "length", None) or 8
        return next(value for value in ("AT", "zz", "yy") if value != old)[:length] if length < 3 \
            else next(value for value in ("changed", "other") if value != old)[:length]
    raise AssertionError(f"no changed value for {column} of {python}")


def _change(row, member: str) -> None:
    """Change the member on the mapped row, through the ORM session as the app writes rows."""
    model = type(row)
    mapper = inspect(model)
    attribute = BEHIND.get((model, member), member)
    if attribute in mapper.relationships:
        target = mapper.relationships[attribute].mapper.class_
        assert target in NEW_CHILD, f"{model.__name__}.{member}: how is a new {target.__name__} made?"
        NEW_CHILD[target](row)
    elif attribute in mapper.columns:
        column = mapper.columns[attribute]
        assert not column.primary_key, f"{model.__name__}.{member} is a key, not a fact"
        if column.foreign_keys:  # another row: through the relationship that this column holds
            owner = next(rel for rel in mapper.relationships if column in rel.local_columns)
            NEW_CHILD[owner.mapper.class_](row)
        else:
            setattr(row, attribute, _other(column, getattr(row, attribute)))
    else:
        raise AssertionError(f"{model.__name__}.{member}: no column or relationship behind it (BEHIND?)")


@pytest.fixture
def full_order(app, shop):
    """An order with one of every row the planner reads: line, parcel with an event, refund,
    buyer, and a shop module."""
    set_module(shop, "mail_thank_you", enabled=True)
    order = make_order(shop)
    parcel = add_parcel(order)
    carrier_scan(parcel)
    order.refunds.append(Refund(platform_refund_id="r1", created_at=T0, amount=Decimal("5")))
    db.session.commit()
    return order


def _versions(order_id: int) -> tuple[int, int]:
    return db.session.execute(select(Order.facts_version, Shop.facts_version).join(Shop)
                              .where(Order.id == order_id)).one()


def test_every_protocol_of_the_planner_input_has_its_row():
    assert {protocol.__name__ for protocol in _protocols()} == set(ROWS)
    assert len(MEMBERS) > 40  # the enumeration found the members (52 when written)


@pytest.mark.parametrize(("protocol", "member"), MEMBERS, ids=[f"{p}.{m}" for p, m in MEMBERS])
def test_every_member_the_planner_reads_moves_a_facts_version(full_order, protocol, member):
    model, reach = ROWS[protocol]
    if (model, member) in OWNERS or member == "id":
        assert (model, member) in OWNERS or inspect(model).columns["id"].primary_key
        return  # which rows belong together, not a fact of them
    order_side = FACTS_TABLES[model.__tablename__] != "shops"
    before_order, before_shop = _versions(full_order.id)
    _change(reach(full_order), member)
    db.session.commit()
    db.session.expire_all()
    assert _versions(full_order.id) == ((before_order + 1, before_shop) if order_side
                                        else (before_order, before_shop + 1))
