"""The floor servers' PostgreSQL connection: raw psycopg, autocommit, one per thread, at
BENCH_FLOOR_PG (the database the app seeded)."""
from __future__ import annotations

import os
import threading

import psycopg

_local = threading.local()


def floor_connection() -> psycopg.Connection:
    conn = getattr(_local, "conn", None)
    if conn is None:
        conn = _local.conn = psycopg.connect(os.environ["BENCH_FLOOR_PG"], autocommit=True)
    return conn


def close_floor_connection() -> None:
    """Close this thread's connection (a test that served a floor in-process ends with it)."""
    conn = getattr(_local, "conn", None)
    if conn is not None:
        conn.close()
        del _local.conn
