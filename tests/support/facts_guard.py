"""Every test runs under this check: a bulk statement of the app that changes what a block or a
mail shows must move the facts versions it affects (app/domain/orders/facts_versions.py).

The ORM counts its own writes; a bulk UPDATE, INSERT or DELETE on FACTS_TABLES does not. So
before such a statement runs in a session, the keys it is about to change are read with its
own WHERE (the orders, buyers or shops whose version it owes); at the commit they must be
among what the transaction counted (ORM changes, `touch_orders`, `touch_customers`,
`touch_shops`), kind for kind: a buyer's row changing beside a bulk update of their orders'
parts does not pay for it. A statement that says `facts_unchanged="why"` owes nothing; one
run on a connection outside any session (where nothing counts) must say so. An INSERT of a
new order, buyer or shop owes nothing (no answer can depend on a row that did not exist); an
upsert that may update one must say why, or go through the ORM.

Only statements the app issues are held to this (the test's own set-up writes are not),
unless `strict()` is on. What is owed and not paid lands in `violations`; the `app` fixture
fails the test that left any.
"""
from __future__ import annotations

import sys
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import event, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import Delete, Insert, Update

from app.domain.orders.facts_versions import FACTS_TABLES, FACTS_UNCHANGED, touched

violations: list[str] = []
_OWED = "facts_owed"
_SEEN = "_facts_guard_seen"  # set on a session's statement: the engine-level check skips it
_ROOTS = {"orders", "customers", "shops"}  # a kind's own table: an insert there is a new row
_ROOT = Path(__file__).resolve().parents[2]
_APP_DIRS = tuple(f"{_ROOT / name}/" for name in ("app", "connectors"))
_strict = False


@contextmanager
def strict():
    """Hold every statement to the check, the test's own included."""
    global _strict
    _strict, before = True, _strict
    try:
        yield
    finally:
        _strict = before


def install(session_factory, engines) -> None:
    if not event.contains(session_factory, "do_orm_execute", _on_session_statement):
        event.listen(session_factory, "do_orm_execute", _on_session_statement)
        event.listen(session_factory, "before_commit", _settle, insert=True)  # before the bump
        event.listen(session_factory, "after_transaction_end", _forget)
    for engine in engines:
        if not event.contains(engine, "before_execute", _on_connection_statement):
            event.listen(engine, "before_execute", _on_connection_statement)


def take_violations() -> list[str]:
    found = violations[:]
    violations.clear()
    return found


def _from_the_app() -> bool:
    if _strict:
        return True
    frame = sys._getframe(1)
    while frame is not None:
        name = frame.f_code.co_filename
        if "/sqlalchemy/" not in name and name != __file__:
            return name.startswith(_APP_DIRS)
        frame = frame.f_back
    return False


def _bulk(statement) -> tuple[str, str] | None:
    """(table, kind) of a bulk statement on a facts table that does not say it changes nothing."""
    if not isinstance(statement, (Insert, Update, Delete)):
        return None
    table = statement.table.name
    kind = FACTS_TABLES.get(table)
    if kind is None:
        return None
    why = statement.get_execution_options().get(FACTS_UNCHANGED)
    if why is not None:
        assert isinstance(why, str) and why.strip(), f"{FACTS_UNCHANGED} on {table} needs a reason"
        return None
    return table, kind


def _on_session_statement(state) -> None:
    state.update_execution_options(**{_SEEN: True})
    found = _bulk(state.statement)
    if found is None or not _from_the_app():
        return
    table, kind = found
    keys = _keys(state.session, state.statement, table, kind, state.parameters)
    if keys:
        what = f"{type(state.statement).__name__} {table}"
        state.session.info.setdefault(_OWED, []).append((kind, keys, what))


def _on_connection_statement(conn, statement, multiparams, params, execution_options):
    # A session's statement (checked there) or a flush's (the ORM counts it).
    if execution_options.get(_SEEN) or "compiled_cache" in execution_options:
        return
    found = _bulk(statement)
    if found is not None and _from_the_app():
        violations.append(f"{type(statement).__name__} {found[0]} on a connection outside a "
                          f"session: no facts version can move there; say {FACTS_UNCHANGED}= "
                          "or use a session")


def _keys(session: Session, statement, table: str, kind: str, parameters) -> set:
    """The ids (of `kind`) whose version the statement changes."""
    t = statement.table
    key = t.c.id if table == kind else (t.c.shop_id if kind == "shops" else t.c.get("order_id"))
    conn = session.connection()
    if isinstance(statement, Insert):
        if table in _ROOTS:
            upsert = type(statement._post_values_clause).__name__ == "OnConflictDoUpdate"
            return {f"an upsert that may update an existing {table} row"} if upsert else set()
        column = key.name if key is not None else "shipment_id"
        values = _inserted(session, statement, column, parameters)
        if key is None:  # tracking events: their parcels' orders
            shipments = statement.table.metadata.tables["shipments"]
            query = select(shipments.c.order_id).where(shipments.c.id.in_(values))
            return set(conn.execute(query).scalars())
        return values
    if key is None:
        shipments = t.metadata.tables["shipments"]
        parcels = _where(select(t.c.shipment_id), statement)
        query = select(shipments.c.order_id).where(shipments.c.id.in_(parcels))
    else:
        query = _where(select(key), statement)
    if statement.whereclause is None and isinstance(parameters, list):  # ORM bulk by primary key
        (pk,) = t.primary_key.columns
        query = query.where(pk.in_([p[pk.key] for p in parameters]))
        parameters = {}
    runs = parameters if isinstance(parameters, list) else [parameters or {}]
    return {value for run in runs for value in conn.execute(query, run).scalars()}


def _where(query, statement):
    return query if statement.whereclause is None else query.where(statement.whereclause)


def _inserted(session: Session, statement, column: str, parameters) -> set:
    """The values of `column` in the rows an INSERT brings (VALUES, multi-VALUES, executemany)."""
    if statement.select is not None:
        return {f"INSERT … FROM SELECT into {statement.table.name}"}
    bound = statement.compile(dialect=session.get_bind().dialect).params
    found = {value for name, value in bound.items()
             if name == column or _multi_values_name(name, column)}
    runs = parameters if isinstance(parameters, list) else [parameters or {}]
    return found | {run[column] for run in runs if column in run}


def _multi_values_name(name: str, column: str) -> bool:
    """`order_id_m3`: how a multi-row VALUES names the column of its fourth row."""
    return name.startswith(column + "_m") and name[len(column) + 2:].isdigit()


def _settle(session: Session) -> None:
    """Before the commit (and before the bump pops what was counted): is every debt paid?"""
    if session.in_nested_transaction():
        return
    owed = session.info.pop(_OWED, None)
    if not owed:
        return
    session.flush()
    counted = touched(session)
    for kind, keys, what in owed:
        unpaid = keys - (counted[kind] - {None})
        if unpaid:
            violations.append(f"{what}: changed {kind} {sorted(map(str, unpaid))} and moved no "
                              f"facts version for them (touch_{kind} or {FACTS_UNCHANGED}=)")


def _forget(session: Session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_OWED, None)
