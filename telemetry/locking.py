"""One transaction that excludes every other writer of the same kind, on both backends.

Why: a count-and-check ("fewer than 5 failures? then record this attempt") is
only a limit when no other process can count between our count and our
insert. Threads of one process are serialized by the stores' locks; other
processes (a second dashboard worker, parallel CLI calls) by the database:
SQLite's write lock taken up front (`BEGIN IMMEDIATE`, so two transactions
cannot both read and then both write), or a PostgreSQL transaction-level
advisory lock on `key` (released at commit or rollback).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine

LOGIN_KEY = 0x4E50_4C47  # "NPLG": dashboard login attempts
PIN_KEY = 0x4E50_504E  # "NPPN": therapist PIN attempts
MIGRATE_KEY = 0x4E50_4D49  # "NPMI": schema migrations (telemetry.migrations)


@contextmanager
def exclusive_transaction(engine: Engine, key: int) -> Iterator[Connection]:
    """A transaction holding the write lock (SQLite) or advisory lock `key` (PostgreSQL)."""
    with engine.connect() as conn:
        dialect = conn.dialect.name
        if dialect == "sqlite":
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        elif dialect == "postgresql":
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({int(key)})")
        try:
            yield conn
        except BaseException:
            conn.rollback()
            raise
        conn.commit()
