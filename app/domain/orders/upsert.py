"""Row upserts that tolerate concurrent workers, and the staleness rule for events."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def insert_for(dialect_name: str):
    """The INSERT construct with ON CONFLICT for this database (PostgreSQL's, else SQLite's)."""
    return postgresql.insert if dialect_name == "postgresql" else sqlite.insert


def is_stale(stored: datetime | None, incoming: datetime | None) -> bool:
    """An event is stale when both sides carry a time and the incoming one is older."""
    return stored is not None and incoming is not None and incoming < stored


def get_or_create(session: Session, model, lookup: dict, *, lock: bool = False, **defaults):
    """Fetch a row by its unique key or insert it; a concurrent insert wins gracefully."""
    return get_or_insert(session, model, lookup, lock=lock, **defaults)[0]


def get_or_insert(session: Session, model, lookup: dict, *, lock: bool = False, **defaults) -> tuple:
    """Like get_or_create, and whether this call inserted the row.

    `lookup` is the row's unique key. The insert is `ON CONFLICT DO NOTHING RETURNING`: one
    statement and no savepoint, and a row a concurrent worker inserted first wins quietly.
    `lock` takes the row lock (SELECT … FOR UPDATE; SQLite serialises writers anyway), so
    that work on one row and everything under it waits for a concurrent transaction on it,
    and reads the row afresh; a row this call inserted is locked by the insert itself.
    """
    query = select(model).filter_by(**lookup)
    if lock:
        # As the row is once the lock is ours: a session that lives across transactions (a
        # drain) may hold it, and its collections, as an earlier transaction left them.
        query = query.with_for_update().execution_options(populate_existing=True)
    row = session.scalars(query).first()
    if row is not None:
        return row, False
    inserted = session.scalars(
        insert_for(session.get_bind().dialect.name)(model).values(**lookup, **defaults)
        .on_conflict_do_nothing(index_elements=list(lookup)).returning(model)
    ).first()
    if inserted is None:
        return session.scalars(query).one(), False
    return inserted, True
