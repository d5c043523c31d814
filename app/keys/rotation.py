"""Re-encrypt every stored secret under the first key of TOKEN_ENCRYPTION_KEY.

Rotating the key: put the new key first and keep the old one after it
(`TOKEN_ENCRYPTION_KEY=NEW,OLD`), restart everything, run `flask --app app keys rotate`,
and only once it reports nothing unreadable drop OLD. Every EncryptedText column of
every table is covered, found from the models, so a new secret column needs no change here.

Values are read and written as stored text, in batches of primary keys, each batch its own
transaction. A value the first key already decrypts is left alone, so a second run (or
one after an interruption) only counts. A write is conditional on the value still being
what was read: a secret the app changed meanwhile (a refreshed token) was written under
the first key by the app itself and is not overwritten with the older one.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Column, Table, Text, select, type_coerce, update
from sqlalchemy.engine import Engine

from app.db.base import Base
from app.domain.orders.facts_versions import FACTS_UNCHANGED
from app.keys import encryption as crypto

# How many unreadable values are named in the report (all are counted).
NAMED_UNREADABLE = 20


@dataclass
class RotationReport:
    rotated: int = 0
    current: int = 0
    changed_meanwhile: int = 0
    unreadable: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (f"{self.rotated} re-encrypted, {self.current} already under the first key, "
                f"{self.changed_meanwhile} changed meanwhile (left as written), {len(self.unreadable)} "
                "unreadable")


def encrypted_columns() -> list[tuple[Table, list[Column]]]:
    """Every table with EncryptedText columns, and those columns, in a stable order."""
    import app.models  # noqa: F401  (every model registered on Base.metadata)

    found = []
    for table in Base.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, crypto.EncryptedText)]
        if columns:
            if len(table.primary_key.columns) != 1:
                raise RuntimeError(f"{table.name}: key rotation needs a single-column primary key")
            found.append((table, columns))
    return found


def rotate_secrets(engine: Engine, batch_size: int = 500,
                   progress: Callable[[str], None] = lambda line: None) -> RotationReport:
    report = RotationReport()
    for table, columns in encrypted_columns():
        (key,) = table.primary_key.columns
        stored = [type_coerce(c, Text) for c in columns]
        names = ", ".join(c.name for c in columns)
        seen, last = 0, None
        while True:
            query = select(key, *stored).order_by(key).limit(batch_size)
            if last is not None:
                query = query.where(key > last)
            with engine.begin() as conn:
                rows = conn.execute(query).all()
                for row in rows:
                    for column, value in zip(columns, row[1:], strict=True):
                        _rotate_one(conn, table, key, row[0], column, value, report)
            if not rows:
                break
            seen, last = seen + len(rows), rows[-1][0]
            progress(f"{table.name} ({names}): {seen} rows; {report.summary()}")
    return report


def _rotate_one(conn, table: Table, key: Column, row_id, column: Column, value: str | None,
                report: RotationReport) -> None:
    if value is None:
        return
    if crypto.under_first_key(value):
        report.current += 1
        return
    try:
        rotated = crypto.rotate(value)
    except ValueError:
        report.unreadable.append(f"{table.name}.{column.name} {key.name}={row_id}")
        return
    stored = type_coerce(column, Text)
    written = conn.execute(update(table).where(key == row_id, stored == value)
                           .values({column.name: type_coerce(rotated, Text)})
                           .execution_options(**{FACTS_UNCHANGED: "the same secret, newest key"}))
    if written.rowcount:
        report.rotated += 1
    else:
        report.changed_meanwhile += 1
