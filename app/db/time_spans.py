"""`later` at most so many seconds after `earlier`, as SQL that reads the same on PostgreSQL
and SQLite (both store naive UTC, app/db/base.py UTCDateTime).

PostgreSQL adds an interval of seconds (exact: no calendar arithmetic, so no clock change
inside); SQLite compares the two moments' distance in whole milliseconds (julianday keeps
them), rounded so that a distance of exactly `seconds` is inside on both.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.expression import ClauseElement
from sqlalchemy.sql.visitors import InternalTraversal
from sqlalchemy.types import Boolean


class WithinSeconds(ColumnElement[bool]):
    """True when `later` <= `earlier` + `seconds`."""

    type = Boolean()
    inherit_cache = True
    _traverse_internals = [("later", InternalTraversal.dp_clauseelement),
                           ("earlier", InternalTraversal.dp_clauseelement),
                           ("seconds", InternalTraversal.dp_plain_obj)]

    def __init__(self, later: ClauseElement, earlier: ClauseElement, seconds: int) -> None:
        self.later, self.earlier, self.seconds = later, earlier, int(seconds)


@compiles(WithinSeconds)
def _postgresql(element: WithinSeconds, compiler: SQLCompiler, **kw: Any) -> str:
    return (f"({compiler.process(element.later, **kw)} <= "
            f"{compiler.process(element.earlier, **kw)} + interval '{element.seconds} seconds')")


@compiles(WithinSeconds, "sqlite")
def _sqlite(element: WithinSeconds, compiler: SQLCompiler, **kw: Any) -> str:
    return (f"(round((julianday({compiler.process(element.later, **kw)}) - "
            f"julianday({compiler.process(element.earlier, **kw)})) * 86400000) <= {element.seconds * 1000})")


def within_seconds(later: ClauseElement, earlier: ClauseElement, seconds: int) -> WithinSeconds:
    return WithinSeconds(later, earlier, seconds)
