"""Run a Core SELECT on the DBAPI cursor of a SQLAlchemy connection, for a hot statement
whose result SQLAlchemy would set up at more cost than the query itself.

`Connection.execute` builds, on every execution, an execution context, a cursor result
and its metadata (a key map over every result column) and a row object per row. For the
119 columns of a mail's snapshot (app/mail/snapshot.py) that was ≈0.5 ms of CPU per send
against ≈0.3 ms for the round trip. Here the statement is compiled once per dialect, run
on the pooled connection's own cursor, and its rows come back as plain lists with each
column's result processor applied, as SQLAlchemy applies them (UTC on datetimes, SQLite's
text dates parsed, decimals): the values are the ones `execute` would give.

Errors come out as SQLAlchemy's (`DBAPIError` and its subclasses), a connection the
database dropped is invalidated, and the engine's cursor events fire, as with `execute`,
so callers, the pool and statement counters see no difference. Parameters go through
their types' bind processors, and values bound in the statement itself (a LIMIT) are
sent along; an expanding IN is not supported (it is compiled per execution).
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any, Callable

from sqlalchemy import Select
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.exc import DBAPIError


class _Compiled:
    """A statement as one dialect runs it."""

    def __init__(self, statement: Select, dialect: Dialect):
        compiled = statement.compile(dialect=dialect)
        self.sql = compiled.string
        if "POSTCOMPILE" in self.sql:
            raise ValueError("an expanding IN or a literal-execute parameter needs Connection.execute")
        # None: the dialect takes named parameters.
        self.positional_names = tuple(compiled.positiontup) if compiled.positional else None
        self.defaults = compiled.params  # the values the statement binds itself (a LIMIT's)
        self.bind_processors = {name: processor for name, bind in compiled.binds.items()
                                if (processor := bind.type.dialect_impl(dialect).bind_processor(dialect))}
        self.types = tuple(column.type.dialect_impl(dialect) for column in statement.selected_columns)
        # (column index, result processor) for the columns that have one. SQLAlchemy
        # chooses some processors by the type the driver reports for a column; a statement
        # text reports the same types every time (app/db/pg_descriptions.py relies on that
        # too), so they are chosen at the first execution.
        self.processors: tuple[tuple[int, Callable], ...] | None = None

    def parameters(self, values: dict[str, Any]):
        merged = {**self.defaults, **values}
        for name, processor in self.bind_processors.items():
            merged[name] = processor(merged[name])
        if self.positional_names is None:
            return merged
        return tuple(merged[name] for name in self.positional_names)

    def choose_processors(self, dialect: Dialect, description) -> tuple[tuple[int, Callable], ...]:
        chosen = []
        for index, (type_, column) in enumerate(zip(self.types, description, strict=True)):
            processor = type_.result_processor(dialect, column[1])
            if processor is not None:
                chosen.append((index, processor))
        self.processors = tuple(chosen)
        return self.processors


_compiled = lru_cache(maxsize=64)(_Compiled)


def fetch_rows(conn: Connection, statement: Select, values: dict[str, Any]) -> list[list]:
    """All rows of `statement` (a statement kept for the process's life, e.g. built once
    by a cached function: it is the cache key) with `values` for its bound parameters."""
    dialect = conn.dialect
    compiled = _compiled(statement, dialect)
    parameters = compiled.parameters(values)
    sql, dispatch = compiled.sql, conn.dispatch
    cursor = conn.connection.cursor()
    try:
        # Listeners of the engine (statement counters, app/db/pg_statement_cache.py) hear the
        # statement as they hear Core's; there is no execution context to give them.
        for listener in dispatch.before_cursor_execute:
            sql, parameters = listener(conn, cursor, sql, parameters, None, False)
        cursor.execute(sql, parameters)
        for listener in dispatch.after_cursor_execute:
            listener(conn, cursor, sql, parameters, None, False)
        rows = cursor.fetchall()
        processors = compiled.processors
        if processors is None:
            processors = compiled.choose_processors(dialect, cursor.description)
    except dialect.loaded_dbapi.Error as error:
        dropped = dialect.is_disconnect(error, conn.connection.dbapi_connection, cursor)
        if dropped:
            conn.invalidate(error)
        raise DBAPIError.instance(sql, parameters, error, dialect.loaded_dbapi.Error,
                                  connection_invalidated=dropped, dialect=dialect) from error
    finally:
        cursor.close()
    processed = []
    for row in rows:
        row = list(row)
        for index, processor in processors:
            row[index] = processor(row[index])
        processed.append(row)
    return processed
