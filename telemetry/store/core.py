"""The store's core: an engine, a lock, one transaction at a time, the clock.

Every part of the `Store` facade (patients, plans, sessions, check-ins,
flags, landmarks) works through `StoreCore._tx`: one lock around each
transaction (the in-memory database is one shared connection), and database
failures become one `StoreError` line (`DamagedDatabase` for a corrupt file).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DatabaseError, IntegrityError, OperationalError

from telemetry.errors import DamagedDatabase, StoreError
from telemetry.store.engine import _is_damage, _short
from telemetry.store.jsonutil import JSONValue, loads, utc_now

if TYPE_CHECKING:
    from telemetry.store.recorder import Recorder

Clock = Callable[[], datetime]


class StoreCore:
    """What every part of the store shares; `telemetry.store.Store` is the whole."""

    def __init__(self, engine: Engine, *, where: str, clock: Clock = utc_now,
                 flush_interval_s: float = 0.5) -> None:
        self.engine = engine
        self.where = where
        self.clock = clock
        self.flush_interval_s = flush_interval_s
        self._lock = threading.RLock()
        self._recorders: dict[str, Recorder] = {}


    def close(self) -> None:
        for rec in list(self._recorders.values()):
            rec.close({}, completed=False)
        self.engine.dispose()


    @contextmanager
    def _tx(self) -> Iterator[Connection]:
        """One transaction under the store's lock; database failures become
        StoreError (DamagedDatabase for a corrupt file) with one clear line."""
        with self._lock:
            try:
                with self.engine.begin() as conn:
                    yield conn
            except IntegrityError as exc:
                raise StoreError(f"{self.where} rejected the change: {_short(exc)}") from exc
            except OperationalError as exc:
                if _is_damage(exc):
                    raise DamagedDatabase(f"{self.where} is damaged: {_short(exc)}") from exc
                raise StoreError(f"{self.where}: {_short(exc)}") from exc
            except (DatabaseError, UnicodeDecodeError) as exc:
                raise DamagedDatabase(f"{self.where} is damaged: {_short(exc)}") from exc

    def now(self) -> datetime:
        return self.clock()


    def _json(self, text: str) -> JSONValue:
        """Stored JSON back; text that does not decode is damage to the file (one line)."""
        return loads(text, where=self.where)
