"""The dialect's INSERT … ON CONFLICT, and the staleness rule for events."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.dialects import postgresql, sqlite


def insert_for(dialect_name: str):
    """The INSERT construct with ON CONFLICT for this database (PostgreSQL's, else SQLite's)."""
    return postgresql.insert if dialect_name == "postgresql" else sqlite.insert


def is_stale(stored: datetime | None, incoming: datetime | None) -> bool:
    """An event is stale when both sides carry a time and the incoming one is older."""
    return stored is not None and incoming is not None and incoming < stored
