"""The read model loads on autocommitted connections (app/read_model/loads.py), which never
roll back, so the statements psycopg prepared there survive from one load to the next; the
sessions' transactions end as SQLAlchemy ends them: anything that wrote is rolled back, row
locks are released and a failed transaction leaves a working connection."""
from __future__ import annotations

import pytest
from sqlalchemy import select, text

from app.extensions import db
from app.models import Shop
from app.read_model.loads import load_order_view
from tests.support.factories import make_order


@pytest.fixture(autouse=True)
def _postgresql_only(app):
    if db.dialect != "postgresql":
        pytest.skip("prepared statements and psycopg's rollback are PostgreSQL's")


def _prepared_on(connection) -> list[str]:
    return list(connection.exec_driver_sql("SELECT statement FROM pg_prepared_statements").scalars())


def test_the_order_query_stays_prepared_across_loads(app, shop):
    order = make_order(shop)
    db.session.commit()
    db.autocommit_engine.dispose()  # one connection in the pool from here: the loads share it
    for _ in range(8):  # psycopg prepares on the fifth run
        assert load_order_view(order.id) is not None
    with db.autocommit() as conn:
        prepared = _prepared_on(conn)
    assert any("FROM orders" in statement and "JOIN shops" in statement for statement in prepared), prepared


def test_a_session_that_wrote_and_did_not_commit_is_still_rolled_back(app, shop):
    db.session.execute(text("UPDATE shops SET name = 'never committed' WHERE id = :id"), {"id": shop.id})
    db.session.remove()
    assert db.session.scalar(select(Shop.name).where(Shop.id == shop.id)) != "never committed"


def test_row_locks_of_a_read_only_transaction_are_released(app, shop):
    db.session.scalar(select(Shop.id).where(Shop.id == shop.id).with_for_update())
    db.session.remove()
    with db.engine.connect() as other:  # NOWAIT: fails at once if the lock were still held
        assert other.scalar(select(Shop.id).where(Shop.id == shop.id).with_for_update(nowait=True)) == shop.id
        other.rollback()


def test_a_failed_transaction_is_rolled_back_and_the_connection_works_again(app, shop):
    with pytest.raises(Exception, match="no_such_table"):
        db.session.execute(text("SELECT * FROM no_such_table"))
    db.session.remove()
    assert db.session.scalar(select(Shop.id).where(Shop.id == shop.id)) == shop.id
