"""Every change to what the block shows moves the order's or the shop's facts version, in
the same transaction; nothing else does, and a rolled-back change leaves them alone."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import insert, select, text, update

from app.domain.orders.facts_versions import FACTS_UNCHANGED, touch_customers, touch_orders, touch_shops
from app.extensions import db
from app.models import (
    Customer,
    Order,
    Refund,
    Shipment,
    Shop,
    ShopModule,
    SurveyAnswer,
    TrackingEvent,
)
from tests.support import facts_guard
from tests.support.factories import T0, add_parcel, make_order, set_module


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
    db.session.add(TrackingEvent(shipment_id=shipment.id, status="in_transit",
                                 happened_at=T0 + timedelta(hours=1),
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


def test_a_parcel_or_a_buyer_counted_moves_the_orders_they_belong_to(order, shop):
    shipment = add_parcel(order)
    other = make_order(shop, platform_order_id="1002")
    db.session.commit()
    before, other_before = _versions(order)[0], _versions(other)[0]
    _scan(shipment)
    touch_customers(db.session, [other.customer_id])  # both orders share the factory's buyer
    db.session.commit()
    assert (_versions(order)[0], _versions(other)[0]) == (before + 1, other_before + 1)
    touch_shops(db.session, [shop.id])
    shop_before = _versions(order)[1]
    db.session.commit()
    assert _versions(order) == (before + 1, shop_before + 1)


def _scan(shipment) -> None:
    db.session.add(TrackingEvent(shipment_id=shipment.id, status="in_transit", happened_at=T0,
                                 source="carrier"))


def _survey(order):
    return update(SurveyAnswer).where(SurveyAnswer.order_id == order.id)


@pytest.fixture
def answered(order):
    db.session.add(SurveyAnswer(shop_id=order.shop_id, order_id=order.id, score=4,
                                comment="Frau Muster"))
    db.session.commit()
    return order


def _guarded(change) -> list[str]:
    with facts_guard.strict():
        change()
        db.session.commit()
    return facts_guard.take_violations()


def test_the_guard_names_a_bulk_statement_that_forgets_the_version(answered):
    forgot = _guarded(lambda: db.session.execute(_survey(answered).values(comment=None)))
    assert len(forgot) == 1 and "survey_answers" in forgot[0] and str(answered.id) in forgot[0]
    before = _versions(answered)[0]
    paid = _guarded(lambda: (db.session.execute(_survey(answered).values(comment="x")),
                             touch_orders(db.session, [answered.id])))
    assert paid == [] and _versions(answered)[0] == before + 1


def test_a_buyer_row_changing_beside_does_not_pay_for_their_orders_parts(answered):
    """The luck app/domain/privacy/lifecycle.py once relied on: the buyer's row moves every order of
    theirs, but the bulk statement on the survey answers must count itself."""
    def redact_by_luck():
        answered.customer.email = None
        db.session.execute(_survey(answered).values(comment=None))
    assert len(_guarded(redact_by_luck)) == 1


@pytest.mark.parametrize("statement", [
    lambda o: update(Shipment).where(Shipment.order_id == o.id).values(carrier="DHL"),
    lambda o: update(TrackingEvent).values(message="x"),
    lambda o: update(Order.__table__).where(Order.__table__.c.id == o.id).values(name="#2"),
    lambda o: update(Customer).where(Customer.id == o.customer_id).values(locale="en"),
    lambda o: update(ShopModule).where(ShopModule.shop_id == o.shop_id).values(enabled=False),
    lambda o: update(Shop).where(Shop.id == o.shop_id).values(name="Other"),
    lambda o: insert(Refund).values(order_id=o.id, platform_refund_id="r2", created_at=T0),
    lambda o: insert(Refund.__table__).values([{"order_id": o.id, "platform_refund_id": f"m{n}",
                                                "created_at": T0} for n in range(2)]),
])
def test_every_kind_of_fact_is_held_to_it(order, shop, statement):
    _scan(add_parcel(order))
    set_module(shop, "faq", entries=[])
    db.session.commit()
    assert len(_guarded(lambda: db.session.execute(statement(order)))) == 1


def test_said_exemptions_new_rows_and_other_tables_owe_nothing(order):
    said = update(Order).where(Order.id == order.id).values(name="#3").execution_options(
        **{FACTS_UNCHANGED: "a test of the exemption"})
    assert _guarded(lambda: db.session.execute(said)) == []
    buyer = insert(Customer).values(shop_id=order.shop_id, email="n@x.de",
                                    marketing_consent="unknown")
    assert _guarded(lambda: db.session.execute(buyer)) == []
    nothing = update(Shipment).where(Shipment.id == -1).values(carrier="x")
    assert _guarded(lambda: db.session.execute(nothing)) == []


def test_a_bulk_statement_outside_a_session_must_say_why(order):
    with facts_guard.strict(), db.engine.begin() as conn:
        conn.execute(update(Order).where(Order.id == order.id).values(name="#4"))
    assert len(facts_guard.take_violations()) == 1


ORDERS_AT_SCALE = 100_000


def test_the_bump_reads_orders_by_key_on_postgresql(order, shop):
    """EXPLAIN of the bump with parcels, buyers and orders touched over 100k orders: every
    branch is an index look-up; no sequential scan of orders (the OR it replaced had one)."""
    if db.dialect != "postgresql":
        pytest.skip("the plan is PostgreSQL's (TEST_DATABASE_URL)")
    from app.domain.orders.facts_versions import _order_ids

    shipment = add_parcel(order)
    db.session.commit()
    buyers = ORDERS_AT_SCALE // 4
    db.session.execute(text(
        "INSERT INTO customers (shop_id, email, marketing_consent) "
        "SELECT :shop, 'b' || n || '@x.de', 'unknown' FROM generate_series(1, :n) AS n"),
        {"shop": shop.id, "n": buyers})
    db.session.execute(text(
        "INSERT INTO orders (shop_id, customer_id, platform_order_id, status, created_at, "
        "updated_at, facts_version) SELECT :shop, (SELECT min(id) FROM customers) + n % :c, "
        "'p' || n, 'placed', now(), now(), 1 FROM generate_series(1, :n) AS n"),
        {"shop": shop.id, "n": ORDERS_AT_SCALE, "c": buyers})
    db.session.commit()
    db.session.execute(text("ANALYZE"))
    ids = _order_ids({order.id}, {shipment.id}, {order.customer_id})
    statement = update(Order).where(Order.id.in_(ids))
    compiled = statement.values(facts_version=Order.facts_version + 1).compile(
        dialect=db.engine.dialect, compile_kwargs={"literal_binds": True})
    plan = "\n".join(db.session.execute(text(f"EXPLAIN {compiled}")).scalars())
    db.session.rollback()
    assert "Seq Scan on orders" not in plan, plan
    assert "pk_orders" in plan and "ix_orders_customer_id" in plan, plan
