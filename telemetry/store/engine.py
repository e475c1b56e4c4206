"""Engines for the store: SQLite files (WAL) and PostgreSQL URLs, checked before use.

A file that is not NeuroPlay's is refused read-only, before anything is
written; database failures become one clear `StoreError` line.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event

from telemetry.errors import DamagedDatabase, ForeignDatabase, SchemaTooNew, StoreError
from telemetry.migrations import LATEST

ENV_DB = "NEUROPLAY_DB"  # e.g. postgresql://user@host/db: every command then uses it


def database_url(text: str) -> str:
    """`postgresql://...` means psycopg 3 (the driver NeuroPlay installs), not psycopg2."""
    for plain in ("postgresql://", "postgres://"):
        if text.startswith(plain):
            return "postgresql+psycopg://" + text[len(plain):]
    return text


def _sqlite_pragmas(engine: Engine, *, wal: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        try:
            if wal:
                cur.execute("PRAGMA journal_mode=WAL")
                # NORMAL in WAL mode survives a killed process (not a power cut).
                cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=10000")
        finally:
            cur.close()


SQLITE_MAGIC = b"SQLite format 3\x00"


def _check_sqlite_file(path: Path) -> None:
    """Refuse, before anything is written, a file that is not a NeuroPlay database.

    Opening for writing switches a file to WAL mode (its header changes) and
    migrating creates NeuroPlay's tables in it, so another program's database
    (or any other file given by mistake) is looked at read-only first: not
    SQLite at all, unreadable, or a SQLite database with tables but without
    NeuroPlay's `schema_migrations` is one line, and the file stays as it was.
    An empty file is a new database.
    """
    try:
        with path.open("rb") as fh:
            head = fh.read(len(SQLITE_MAGIC))
    except OSError as exc:
        raise StoreError(f"cannot read {path}: {exc.strerror or exc}") from exc
    if not head:
        return
    if head != SQLITE_MAGIC:
        raise DamagedDatabase(f"{path} is not a readable NeuroPlay database (not a SQLite file)")
    from urllib.parse import quote

    try:
        con = sqlite3.connect(f"file:{quote(str(path.resolve()))}?mode=ro", uri=True, timeout=10)
        try:
            raw = [r[0] for r in con.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'")]
            if not all(isinstance(n, str) for n in raw):  # a damaged catalogue (BLOB names)
                raise sqlite3.DatabaseError("damaged table names in the schema")
            names = sorted(raw)
            version = con.execute("SELECT max(version) FROM schema_migrations").fetchone()[0] \
                if "schema_migrations" in names else None
        finally:
            con.close()
    except (sqlite3.DatabaseError, UnicodeDecodeError) as exc:
        raise DamagedDatabase(f"{path} is not a readable NeuroPlay database "
                              f"({str(exc).splitlines()[0] if str(exc) else type(exc).__name__})"
                              ) from exc
    if names and "schema_migrations" not in names:
        shown = ", ".join(names[:4]) + (", ..." if len(names) > 4 else "")
        raise ForeignDatabase(f"{path} is another program's database (tables {shown}); "
                              f"NeuroPlay leaves it alone")
    if isinstance(version, int) and version > LATEST:
        raise SchemaTooNew(f"{path} uses schema version {version}, newer than this NeuroPlay "
                           f"understands ({LATEST}); upgrade NeuroPlay to open it")


def _is_damage(exc: BaseException) -> bool:
    text = str(getattr(exc, "orig", exc)).lower()
    return "malformed" in text or "not a database" in text or "corrupt" in text


def _short(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None)
    return str(orig if orig is not None else exc).splitlines()[0]

