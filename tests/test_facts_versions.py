"""Every change to what the block shows moves the order's or the shop's facts version, in
the same transaction; nothing else does, and a rolled-back change leaves them alone."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from app.domain.orders.facts_versions import touch_orders
from app.extensions import db
from app.models import Order, Refund, Shop, TrackingEvent
from tests.factories import T0, add_parcel, make_order, set_module


def _versions(order) -> tuple[int, int]:
    db.session.expire_all()
    return db.session.execute(select(Order.facts_version, Shop.facts_version).join(Shop)
                              .where(Order.id == order.id)).one()


@pytest.fixture
def order(app, shop):
    order = make_order(shop)
    db.session.commit()
    return order


CHANGES = {
    "order field": lambda order: setattr(order, "status", "shipped"),
    "new line": lambda order: make_line(order),
    "changed line": lambda order: setattr(order.lines[0], "quantity", 3),
    "new parcel": lambda order: add_parcel(order),
    "refund": lambda order: order.refunds.append(Refund(platform_refund_id="r1", created_at=T0)),
    "customer locale": lambda order: setattr(order.customer, "locale", "en"),
}


def make_line(order):
    from app.models import OrderLine

    order.lines.append(OrderLine(platform_line_id="l9", title="Extra", quantity=1))


@pytest.mark.parametrize("change", CHANGES)
def test_a_change_to_the_order_or_its_parts_moves_its_version_once(order, change):
    before_order, before_shop = _versions(order)
    CHANGES[change](order)
    db.session.commit()
    assert _versions(order) == (before_order + 1, before_shop)


def test_a_tracking_event_moves_the_version_of_its_parcels_order(order):
    shipment = add_parcel(order)
    db.session.commit()
    before = _versions(order)[0]
    db.session.add(TrackingEvent(shipment_id=shipment.id, status="in_transit", happened_at=T0 + timedelta(hours=1),
                                 source="carrier"))
    db.session.commit()
    assert _versions(order)[0] == before + 1


def test_a_module_setting_moves_the_shop_version_not_the_orders(order, shop):
    before_order, before_shop = _versions(order)
    set_module(shop, "faq", entries=[])
    db.session.commit()
    assert _versions(order) == (before_order, before_shop + 1)


def test_an_unchanged_write_and_a_rollback_move_nothing(order):
    before = _versions(order)
    order.status = order.status  # same value: not a change
    db.session.commit()
    assert _versions(order) == before
    order.status = "cancelled"
    db.session.flush()
    db.session.rollback()
    assert _versions(order) == before


def test_a_bulk_statement_counts_when_it_says_so(order):
    before = _versions(order)[0]
    db.session.execute(update(Order).where(Order.id == order.id).values(name="#X"))
    touch_orders(db.session, [order.id])
    db.session.commit()
    assert _versions(order)[0] == before + 1
