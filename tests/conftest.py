"""Test-wide set-up. SDL must run headless before pygame is ever imported."""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("GLOG_minloglevel", "2")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import pytest

REPO = Path(__file__).resolve().parents[1]
TEST_DATA = REPO / "tests" / "data"
# Real recordings that may not be copied into the repo (see MANIFEST.md).
SHARED_DATA = Path(os.environ.get("NEUROPLAY_SHARED_DATA", REPO.parent / "shared" / "data"))


@pytest.fixture
def shared_data() -> Path:
    """../shared/data, or skip saying why (a user's clone has no shared/)."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared test data not found at {SHARED_DATA} (licence forbids bundling it)")
    return SHARED_DATA


@pytest.fixture
def test_data() -> Path:
    return TEST_DATA


# ---------------------------------------------------------------- PostgreSQL
# Issue 7: the store's tests run on SQLite and on PostgreSQL. The server starts
# once per test run, and only when a test asks for it (a session fixture is
# created on first use), so `pytest tests/vision` never starts one.


@pytest.fixture(scope="session")
def pg_server():  # -> Iterator[tests.pg_server.PgTarget]
    """A PostgreSQL target whose `create_database()` gives a fresh empty
    database URL: $NEUROPLAY_TEST_PG when set, else a throwaway local server;
    skips, saying why, when neither is available."""
    from tests import pg_server as pg

    if not os.environ.get(pg.ENV_URL) and (reason := pg.unavailable_reason()):
        pytest.skip(reason)
    with pg.pg_target() as target:
        yield target


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty store target on each backend: a SQLite file path, or the
    URL of a new PostgreSQL database."""
    if request.param == "sqlite":
        return str(tmp_path / "neuroplay.db")
    return request.getfixturevalue("pg_server").create_database()
