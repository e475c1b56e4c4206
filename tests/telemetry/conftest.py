"""Fixtures for the telemetry tests: a fresh store on each backend, a SQLite file.

`fresh_store` runs a test twice: on an in-memory SQLite database and on a new
PostgreSQL database of the throwaway server (tests/pg_server.py; skipped,
saying why, when there is none). `store_target` is the same choice as an
openable target (a SQLite file path or a PostgreSQL URL) for tests that open,
close and reopen the store or hand it to another process.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from telemetry.store import Store


class FakeClock:
    """A settable UTC clock (the store never reads the wall clock in tests)."""

    def __init__(self, start: datetime = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw: float) -> datetime:
        self.now += timedelta(**kw)
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def fresh_store(request: pytest.FixtureRequest, clock: FakeClock) -> Iterator[Store]:
    if request.param == "sqlite":
        store = Store.memory(clock=clock, flush_interval_s=0.05)
    else:
        url = request.getfixturevalue("pg_server").create_database()
        store = Store.open(url, clock=clock, flush_interval_s=0.05)
    yield store
    store.close()


@pytest.fixture(params=BACKENDS)
def store_target(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty store to open by name: a SQLite file or a PostgreSQL URL."""
    if request.param == "sqlite":
        return str(tmp_path / "data" / "neuroplay.db")
    return str(request.getfixturevalue("pg_server").create_database())


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "neuroplay.db"
