"""Rows read on the DBAPI cursor (app/db/dbapi_rows.py) are the rows Core's execute gives:
the same values after each column's result processor (aware UTC datetimes, decimals,
JSON, SQLite's text dates), the same errors, and a dropped connection invalidated."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import bindparam, column, select, table, text
from sqlalchemy.exc import DBAPIError, OperationalError

from app.db.dbapi_rows import fetch_rows
from app.extensions import db
from app.models import Order, OrderLine, Refund, Shipment
from tests.support.factories import add_parcel, make_order

ORDER_WITH_ALL = (
    select(Order.__table__, OrderLine.__table__, Shipment.__table__, Refund.__table__)
    .join_from(Order.__table__, OrderLine.__table__, OrderLine.order_id == Order.id)
    .join(Shipment.__table__, Shipment.order_id == Order.id)
    .outerjoin(Refund.__table__, Refund.order_id == Order.id)
    .where(Order.id == bindparam("order_id"))
    .order_by(OrderLine.id)
)


@pytest.fixture
def order(app, shop):
    placed = datetime(2026, 11, 2, 9, 30, tzinfo=timezone.utc)
    order = make_order(shop, placed_at=placed, lines=(("l1", 1), ("l2", 3)))
    order.total_price = Decimal("59.9000")
    add_parcel(order, shipped_at=placed.replace(day=3), line_items=(("l1", 1), ("l2", 3)))
    db.session.add(Refund(order=order, platform_refund_id="r1", amount=Decimal("12.5000"),
                          created_at=placed.replace(day=9)))
    db.session.commit()
    return order


def test_rows_equal_what_core_execute_gives(order):
    values = {"order_id": order.id}
    with db.autocommit() as conn:
        expected = [list(row) for row in conn.execute(ORDER_WITH_ALL, values)]
        rows = fetch_rows(conn, ORDER_WITH_ALL, values)
        again = fetch_rows(conn, ORDER_WITH_ALL, values)  # processors chosen at the first run
    assert len(rows) == 2
    assert rows == expected == again
    names = list(ORDER_WITH_ALL.selected_columns.keys())
    first = dict(zip(names, rows[0], strict=True))
    assert first["placed_at"] == datetime(2026, 11, 2, 9, 30, tzinfo=timezone.utc)
    assert first["total_price"] == Decimal("59.9000") and isinstance(first["amount"], Decimal)


def test_positional_and_named_parameter_styles_bind_by_name(order):
    two = select(Order.id, Order.name).where(Order.id == bindparam("a"), Order.shop_id == bindparam("b"))
    with db.autocommit() as conn:
        assert fetch_rows(conn, two, {"b": order.shop_id, "a": order.id}) == [[order.id, order.name]]
        assert fetch_rows(conn, two, {"b": order.shop_id + 1, "a": order.id}) == []


def test_a_failing_statement_raises_sqlalchemys_error(app):
    missing = select(table("no_such_table", column("x")).c.x)
    with db.autocommit() as conn:
        with pytest.raises(DBAPIError) as raised:
            fetch_rows(conn, missing, {})
        assert "no_such_table" in str(raised.value)
        assert not raised.value.connection_invalidated
        assert conn.execute(text("SELECT 1")).scalar() == 1  # the connection is still good


def test_a_connection_the_database_dropped_is_invalidated(app):
    if db.dialect != "postgresql":
        pytest.skip("needs a server that can end a session")
    statement = select(Order.id).where(Order.id == bindparam("order_id"))
    with db.autocommit() as conn:
        pid = conn.execute(text("SELECT pg_backend_pid()")).scalar()
        with db.engine.connect() as other:
            other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            other.commit()
        with pytest.raises(OperationalError) as raised:
            fetch_rows(conn, statement, {"order_id": 1})
        assert raised.value.connection_invalidated
        assert conn.invalidated
    with db.autocommit() as conn:  # the pool hands out a working connection again
        assert fetch_rows(conn, statement, {"order_id": -1}) == []


def test_the_engines_cursor_listeners_hear_the_statement(order):
    from tests.support.sql_statements import recorded_statements

    statement = select(Order.id).where(Order.id == bindparam("order_id"))
    with recorded_statements() as statements, db.autocommit() as conn:
        assert fetch_rows(conn, statement, {"order_id": order.id}) == [[order.id]]
    assert len(statements) == 1 and statements[0].startswith("SELECT orders.id")


def test_values_go_through_their_types_and_the_statements_own_values_go_along(order):
    """A datetime bound to a UTC column is stored naive UTC (app/db/base.py): it must be converted
    as Core converts it; the LIMIT's value is bound by the statement itself."""
    since = select(Order.id).where(Order.placed_at >= bindparam("since", type_=Order.placed_at.type)).limit(1)
    in_berlin = datetime(2026, 11, 2, 10, 30, tzinfo=ZoneInfo("Europe/Berlin"))  # 09:30 UTC: placed then
    with db.autocommit() as conn:
        assert fetch_rows(conn, since, {"since": in_berlin}) == [[order.id]]
        assert fetch_rows(conn, since, {"since": in_berlin + timedelta(seconds=1)}) == []


def test_an_expanding_in_is_refused_at_once(app):
    many = select(Order.id).where(Order.id.in_(bindparam("ids", expanding=True)))
    with db.autocommit() as conn, pytest.raises(ValueError, match="expanding IN"):
        fetch_rows(conn, many, {"ids": [1, 2]})
