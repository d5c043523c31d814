"""SQLAlchemy engine, scoped session and the declarative base with portable column types, and
the dialect's INSERT … ON CONFLICT."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import DateTime, MetaData, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import DeclarativeBase, scoped_session, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator):
    """Store naive UTC, hand back aware UTC: the same on SQLite and PostgreSQL."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect):
        return None if value is None else value.replace(tzinfo=timezone.utc)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime()}


def make_engine(url: str, autocommit: bool = False) -> Engine:
    """Create an engine; SQLite gets WAL, a busy timeout and foreign keys. `autocommit`:
    its connections stay in autocommit mode for good (Database.autocommit)."""
    options = {"isolation_level": "AUTOCOMMIT"} if autocommit else {}
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False}, **options)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        return engine
    # An autocommitted connection holds no transaction to reset when it goes back to the pool.
    sizes = ({"pool_size": 2, "max_overflow": 3, "pool_reset_on_return": None} if autocommit
             else {"pool_size": 5, "max_overflow": 5})
    return create_engine(url, **sizes, **options)


class Database:
    """Holds the engine and a scoped session; bound to an app by init_app.

    `autocommit` is a second, small pool whose connections stay in autocommit mode, for
    the hot paths that need no transaction (the block's fingerprint, the webhook's durable
    insert, the read model's loads, app/read_model/loads.py): no BEGIN and no ROLLBACK go
    over the wire, and unlike a connection of `engine` switched to autocommit for one use,
    it is not switched there and back on every checkout (≈0.1 ms of CPU). On PostgreSQL the
    statements psycopg prepared on such a connection (after five runs) stay prepared: it
    forgets them only on a rollback, which an autocommitted connection never does.
    """

    def __init__(self) -> None:
        self.engine: Engine | None = None
        self.autocommit_engine: Engine | None = None
        self.session = scoped_session(sessionmaker(expire_on_commit=False))

    def init_app(self, app) -> None:
        if self.engine is not None:
            self.session.remove()
            self.engine.dispose()
        if self.autocommit_engine is not None:
            self.autocommit_engine.dispose()
        self.engine = make_engine(app.config["DATABASE_URL"])
        self.autocommit_engine = make_engine(app.config["DATABASE_URL"], autocommit=True)
        self.session.configure(bind=self.engine)
        app.teardown_appcontext(self._remove_session)

    def _remove_session(self, _exc=None) -> None:
        self.session.remove()

    def autocommit(self) -> Connection:
        """A connection for statements that are each their own transaction; use with `with`."""
        assert self.autocommit_engine is not None, "Database.init_app was not called"
        return self.autocommit_engine.connect()

    @property
    def dialect(self) -> str:
        assert self.engine is not None, "Database.init_app was not called"
        return self.engine.dialect.name


def insert_for(dialect_name: str):
    """The INSERT construct with ON CONFLICT for this database (PostgreSQL's, else SQLite's)."""
    return postgresql.insert if dialect_name == "postgresql" else sqlite.insert
