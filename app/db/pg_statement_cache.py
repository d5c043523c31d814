"""Keep psycopg's prepared statements alive across read-only transactions.

psycopg prepares a statement on the server once it has run five times on a connection, so
PostgreSQL stops planning it anew: the order query behind the block and every mail joins
seven tables and costs ≈1.2 ms to plan against ≈0.1 ms to run. But psycopg forgets every
prepared statement (and sends DEALLOCATE ALL) whenever a transaction is rolled back, and
SQLAlchemy ends every session with a rollback, so read-only requests and jobs never reached
the fifth run and paid for planning on every query.

A transaction that only read ends the same way with COMMIT as with ROLLBACK (row locks taken
by SELECT … FOR UPDATE are released by both), so it is ended with COMMIT, which keeps the
statements. A transaction that ran anything but a SELECT, or failed, is rolled back exactly
as before. The check costs no round trip: the statements are noted as they are sent.
"""
from __future__ import annotations

from weakref import WeakSet

from psycopg import pq
from sqlalchemy import event
from sqlalchemy.engine import Engine

# psycopg connections whose open transaction sent something other than a SELECT.
_writing: WeakSet = WeakSet()


def keep_prepared_statements(engine: Engine) -> None:
    dialect = engine.dialect
    rollback, commit = dialect.do_rollback, dialect.do_commit

    @event.listens_for(engine, "before_cursor_execute")
    def _note_writes(connection, cursor, statement, parameters, context, executemany) -> None:
        if statement.lstrip()[:6].upper() != "SELECT":
            _writing.add(connection.connection.dbapi_connection)

    def end_read_only_with_commit(connection) -> None:
        # The pool sometimes hands over its proxy of the connection rather than psycopg's own.
        psycopg_connection = getattr(connection, "dbapi_connection", connection)
        read_only = psycopg_connection not in _writing
        _writing.discard(psycopg_connection)
        if read_only and psycopg_connection.info.transaction_status == pq.TransactionStatus.INTRANS:
            psycopg_connection.commit()
        else:
            rollback(connection)

    def commit_and_forget(connection) -> None:
        _writing.discard(getattr(connection, "dbapi_connection", connection))
        commit(connection)

    # The dialect object belongs to this engine alone (and to its pool's reset on return).
    dialect.do_rollback, dialect.do_commit = end_read_only_with_commit, commit_and_forget
