"""Row upserts that tolerate concurrent workers, and the staleness rule for events."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session


def is_stale(stored: datetime | None, incoming: datetime | None) -> bool:
    """An event is stale when both sides carry a time and the incoming one is older."""
    return stored is not None and incoming is not None and incoming < stored


def get_or_create(session: Session, model, lookup: dict, *, lock: bool = False, **defaults):
    """Fetch a row by its unique key or insert it; a concurrent insert wins gracefully.

    `lock` takes the row lock (SELECT … FOR UPDATE; SQLite serialises writers anyway), so
    that work on one row and everything under it waits for a concurrent transaction on it.
    """
    query = select(model).filter_by(**lookup)
    if lock:
        query = query.with_for_update()
    row = session.scalars(query).first()
    if row is not None:
        return row
    try:
        with session.begin_nested():
            row = model(**lookup, **defaults)
            session.add(row)
    except IntegrityError:
        row = session.scalars(query).one()
    return row
