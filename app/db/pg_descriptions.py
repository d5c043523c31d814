"""psycopg cursors that describe a statement's result columns once per statement text.

SQLAlchemy reads `cursor.description` after every execution to set up its result, and
psycopg builds that list anew on each read: one Column object per result column, its name
decoded and its type looked up. For the 119 columns of a mail's snapshot that was about
a third of the CPU of loading it (the snapshot has since moved to app/db/dbapi_rows.py, which
reads the description once per statement itself). It still serves every ORM and Core read:
in a drain of webhook deliveries (`python -m bench.drain_cost --chunk 10`) a
delivery cost ≈4.4–4.7 ms of Python CPU with it and ≈4.8–4.9 ms without.

The same statement text yields the same result columns, so the description is kept per
text and column count. SQLAlchemy takes names and positions from it; the values in a row
are decoded by psycopg from the result itself, never through the description. Statements
that return no rows are not described, as before. The one case this gets wrong is a text
whose columns change while the process runs (`SELECT *` across a migration that renames
a column); the app names its columns in every statement (SQLAlchemy does) and has no
`SELECT *`.
"""
from __future__ import annotations

from typing import Any

import psycopg
from psycopg import pq

MAX_STATEMENTS = 2048
_DESCRIBED_STATUSES = {pq.ExecStatus.TUPLES_OK, pq.ExecStatus.SINGLE_TUPLE}


class DescribedOnceCursor(psycopg.Cursor):
    _descriptions: dict[tuple[Any, int], list] = {}

    def execute(self, query, params=None, **kwargs):
        self._statement = query
        return super().execute(query, params, **kwargs)

    def executemany(self, query, params_seq, **kwargs):
        self._statement = query
        return super().executemany(query, params_seq, **kwargs)

    @property
    def description(self):
        result, statement = self.pgresult, getattr(self, "_statement", None)
        if result is None or statement is None or result.status not in _DESCRIBED_STATUSES:
            return super().description
        key = (statement, result.nfields)
        described = self._descriptions.get(key)
        if described is None:
            described = super().description
            if len(self._descriptions) >= MAX_STATEMENTS:  # a bound, not an LRU: texts are few
                self._descriptions.clear()
            self._descriptions[key] = described
        return described
