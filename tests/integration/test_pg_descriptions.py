"""psycopg cursors describe a statement's columns once per statement text
(app/db/pg_descriptions.py): the description read again is the same, another statement gets
its own, and a statement without rows has none."""
from __future__ import annotations

import pytest
from sqlalchemy import select, text

from app.db.pg_descriptions import DescribedOnceCursor
from app.extensions import db
from app.models import Shop


@pytest.fixture(autouse=True)
def _postgresql_only(app):
    if db.dialect != "postgresql":
        pytest.skip("the cursor is psycopg's")


def test_every_app_connection_uses_the_describing_cursor(app):
    for engine in (db.engine, db.autocommit_engine):
        with engine.connect() as conn:
            assert conn.connection.dbapi_connection.cursor_factory is DescribedOnceCursor


def test_the_same_statement_is_described_once_and_rightly(app, shop):
    statement = select(Shop.id, Shop.domain, Shop.facts_version).where(Shop.id == shop.id)
    with db.autocommit() as conn:
        first = conn.execute(statement)
        first_description = first.cursor.description
        assert [column.name for column in first_description] == ["id", "domain", "facts_version"]
        row = first.one()
        assert row[:2] == (shop.id, shop.domain)
        again = conn.execute(statement)
        assert again.cursor.description is first_description  # kept, not built anew
        assert again.one() == row
        other = conn.execute(select(Shop.name, Shop.id).where(Shop.id == shop.id))
        assert [column.name for column in other.cursor.description] == ["name", "id"]
        assert other.one() == (shop.name, shop.id)


def test_statements_without_rows_have_no_description(app, shop):
    cursor = db.session.connection().connection.dbapi_connection.cursor()
    cursor.execute("UPDATE shops SET name = name WHERE id = %s", (shop.id,))
    assert cursor.description is None
    cursor.executemany("UPDATE shops SET name = name WHERE id = %s", [(shop.id,), (shop.id,)])
    assert cursor.description is None
    cursor.execute("SELECT 1 AS one")
    assert [column.name for column in cursor.description] == ["one"]
    db.session.rollback()
    assert db.session.execute(text("SELECT 2 AS two")).one() == (2,)
