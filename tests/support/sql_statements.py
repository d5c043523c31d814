"""Count the SQL statements a piece of code sends, to guard how many a view costs."""
from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event

from app.extensions import db


@contextmanager
def recorded_statements():
    """Collect every statement sent on the app's engines (its sessions' and the autocommit
    one) inside the block."""
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_rest):
        statements.append(statement)

    engines = (db.engine, db.autocommit_engine)
    for engine in engines:
        event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", record)


def assert_view_costs(view, first: int, again: int = 1):
    """`first` statements for a view after a change, `again` for the same view right after;
    the same answer both times. Returns the first response."""
    with recorded_statements() as statements:
        response = view()
    assert len(statements) == first, "\n---\n".join(s[:200] for s in statements)
    with recorded_statements() as statements:
        repeated = view()
    assert len(statements) == again, "\n---\n".join(s[:200] for s in statements)
    assert repeated.data == response.data
    return response
