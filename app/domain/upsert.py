"""Row upserts that tolerate concurrent workers, and the staleness rule for events."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session


def is_stale(stored: datetime | None, incoming: datetime | None) -> bool:
    """An event is stale when both sides carry a time and the incoming one is older."""
    return stored is not None and incoming is not None and incoming < stored


def get_or_create(session: Session, model, lookup: dict, **defaults):
    """Fetch a row by its unique key or insert it; a concurrent insert wins gracefully."""
    return get_or_insert(session, model, lookup, **defaults)[0]


def get_or_insert(session: Session, model, lookup: dict, **defaults) -> tuple:
    """Like get_or_create, and whether this call inserted the row."""
    row = session.scalars(select(model).filter_by(**lookup)).first()
    if row is not None:
        return row, False
    try:
        with session.begin_nested():
            row = model(**lookup, **defaults)
            session.add(row)
    except IntegrityError:
        return session.scalars(select(model).filter_by(**lookup)).one(), False
    return row, True
