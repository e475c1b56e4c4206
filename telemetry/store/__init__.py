"""The telemetry store: one SQLite (WAL) or PostgreSQL database per install.

`Store` implements `telemetry.api.TelemetryStore`; `Store.start_session`
returns a `Recorder` implementing `SessionRecorder`. Crash safety: the game
thread appends to an in-memory buffer; a background flusher commits it every
`flush_interval_s` (0.5 s) of wall time, and sooner when the buffered events
or frames span 0.5 s of SESSION time or number FLUSH_EVENTS, whichever comes
first. On a simulated clock (headless, ~50x real time) that flush happens on
the game thread, so a SIGKILL loses at most 0.5 s of session on any clock. Each flush also stamps the session's heartbeat. Sessions
with no end whose writer is gone (dead pid on this host, or a heartbeat older
than `STALE_AFTER_S` elsewhere) are closed on the next open as incomplete,
with a summary and trials derived from their events.

All SQL is SQLAlchemy Core, so the same code runs on PostgreSQL
(`Store.open("postgresql+psycopg://...")`). Every method holds one lock
around its transaction: the in-memory database is one shared connection.

The package has one module a part: `engine` (opening files and URLs),
`jsonutil` (how values are stored as text), `core` (the lock and the
transaction), `patients`, `plans` (and settings), `sessions` (and their
events and trials), `checkins` (and the PSFS), `flags`, `landmarks`, and
`recorder` (the session being written). `Store` is all of them together,
so callers import `from telemetry.store import Store` only.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.exc import DatabaseError, OperationalError
from sqlalchemy.pool import StaticPool

from telemetry import paths
from telemetry.errors import DamagedDatabase, StoreError
from telemetry.migrations import migrate
from telemetry.store.bodymaps import BodyMapsMixin
from telemetry.store.core import Clock, StoreCore
from telemetry.store.engine import (
    ENV_DB,
    _check_sqlite_file,
    _is_damage,
    _short,
    _sqlite_pragmas,
    database_url,
)
from telemetry.store.flags import FlagsMixin
from telemetry.store.jsonutil import dumps, iso, parse_iso, to_jsonable, utc_now
from telemetry.store.plans import PlansMixin
from telemetry.store.recorder import _ACTIVE, FLUSH_EVENTS, MAX_BUFFERED_FRAMES, Recorder
from telemetry.store.sessions import STALE_AFTER_S, SessionsMixin, new_session_id, quota_met_of


class Store(SessionsMixin, PlansMixin, FlagsMixin, BodyMapsMixin):
    """The NeuroPlay database. Open with `Store.open(...)` or `Store.memory()`."""

    # ---------------------------------------------------------------- opening
    @classmethod
    def open(cls, target: str | os.PathLike[str] | None = None, *,
             data_dir: str | os.PathLike[str] | None = None, clock: Clock = utc_now,
             recover: bool = True, create: bool = True,
             flush_interval_s: float = 0.5) -> Store:
        """Open (creating and migrating if needed) a store.

        Args:
            target: a SQLite file path, ":memory:", or a SQLAlchemy URL
                ("postgresql+psycopg://..."). None: `$NEUROPLAY_DB` when set and
                no `data_dir` is given, else `neuroplay.db` in the data
                directory (`data_dir`, `$NEUROPLAY_HOME`, or platformdirs).
            create: False refuses to create a missing SQLite file.
            recover: close sessions whose writer died (see module docstring).
        Raises:
            StoreError: missing/damaged file, newer schema, unreachable server.
        """
        if target is None and data_dir is None and os.environ.get(ENV_DB):
            target = os.environ[ENV_DB]  # a clinic's shared database (clinic mode)
        if target is None:
            try:
                target = paths.database_path(data_dir, create=create)
            except OSError as exc:
                raise StoreError(f"cannot use data directory {data_dir or '(default)'}: "
                                 f"{exc.strerror or exc}") from exc
        text = os.fspath(target)
        if text == ":memory:":
            return cls.memory(clock=clock, flush_interval_s=flush_interval_s)
        if "://" in text:
            engine = create_engine(database_url(text), future=True, pool_pre_ping=True)
            where = engine.url.render_as_string(hide_password=True)
        else:
            path = Path(text).expanduser()
            where = str(path)
            if path.is_dir():
                raise StoreError(f"{path} is a directory, not a database file")
            if not path.exists():
                if not create:
                    raise StoreError(f"no NeuroPlay database at {path}")
                try:
                    paths.ensure_private_dir(path.parent)
                    paths.touch_private_file(path)
                except OSError as exc:
                    raise StoreError(f"cannot create database {path}: {exc.strerror or exc}") \
                        from exc
            _check_sqlite_file(path)  # read-only: a file that is not ours is never touched
            engine = create_engine(f"sqlite+pysqlite:///{path}", future=True,
                                   connect_args={"check_same_thread": False, "timeout": 10})
            _sqlite_pragmas(engine, wal=True)
        store = cls(engine, where=where, clock=clock, flush_interval_s=flush_interval_s)
        store._prepare(recover)
        return store

    @classmethod
    def memory(cls, *, clock: Clock = utc_now, flush_interval_s: float = 0.5) -> Store:
        """A private in-memory database (tests); gone when closed."""
        engine = create_engine("sqlite+pysqlite:///:memory:", future=True,
                               connect_args={"check_same_thread": False},
                               poolclass=StaticPool)
        _sqlite_pragmas(engine, wal=False)
        store = cls(engine, where=":memory:", clock=clock, flush_interval_s=flush_interval_s)
        store._prepare(recover=False)
        return store

    def _prepare(self, recover: bool) -> None:
        try:
            with self._lock:
                migrate(self.engine, where=self.where)
            if recover:
                self.recover_incomplete()
        except StoreError:
            self.engine.dispose()
            raise
        except OperationalError as exc:
            self.engine.dispose()
            if _is_damage(exc):
                raise DamagedDatabase(f"{self.where} is not a readable NeuroPlay database "
                                      f"({_short(exc)})") from exc
            raise StoreError(f"cannot open {self.where}: {_short(exc)}") from exc
        except (DatabaseError, sqlite3.DatabaseError, UnicodeDecodeError) as exc:
            # (SQLite reports a damaged schema's text as a UnicodeDecodeError.)
            self.engine.dispose()
            raise DamagedDatabase(
                f"{self.where} is not a readable NeuroPlay database ({_short(exc)})") from exc

    def __enter__(self) -> Store:  # noqa: PYI034 (typing.Self needs Python 3.11)
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()



__all__ = [
    "ENV_DB",
    "FLUSH_EVENTS",
    "MAX_BUFFERED_FRAMES",
    "STALE_AFTER_S",
    "_ACTIVE",
    "Clock",
    "Recorder",
    "Store",
    "StoreCore",
    "StoreError",
    "_sqlite_pragmas",
    "database_url",
    "dumps",
    "iso",
    "new_session_id",
    "parse_iso",
    "quota_met_of",
    "to_jsonable",
    "utc_now",
]
