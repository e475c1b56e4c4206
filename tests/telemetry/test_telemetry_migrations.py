"""Migrations on both backends: all or nothing, and exactly once under concurrency."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import Connection, create_engine, inspect

from telemetry import migrations
from telemetry.store import Store, _sqlite_pragmas, database_url


def _engine(target: str):
    if "://" in target:
        return create_engine(database_url(target), future=True)
    from pathlib import Path

    Path(target).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(f"sqlite+pysqlite:///{target}", future=True,
                           connect_args={"check_same_thread": False, "timeout": 10})
    _sqlite_pragmas(engine, wal=True)
    return engine


def test_a_failing_migration_leaves_nothing_behind(store_target: str,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    Store.open(store_target).close()

    def half_done(conn: Connection) -> None:
        conn.exec_driver_sql("CREATE TABLE half_done (x INTEGER)")
        conn.exec_driver_sql("ALTER TABLE patients ADD COLUMN half_col INTEGER")
        raise RuntimeError("disk full half-way")

    bad = migrations.Migration(migrations.LATEST + 1, "9999_half_done", half_done)
    monkeypatch.setattr(migrations, "MIGRATIONS", (*migrations.MIGRATIONS, bad))
    monkeypatch.setattr(migrations, "LATEST", bad.version)
    engine = _engine(store_target)
    try:
        with pytest.raises(RuntimeError, match="half-way"):
            migrations.migrate(engine)
        insp = inspect(engine)
        assert not insp.has_table("half_done")
        assert "half_col" not in {c["name"] for c in insp.get_columns("patients")}
        with engine.connect() as conn:
            assert bad.version not in migrations.applied_versions(conn)
    finally:
        engine.dispose()


def test_concurrent_first_opens_migrate_once(store_target: str) -> None:
    # Stations and the dashboard of a clinic may all open a new database at once.
    engines = [_engine(store_target) for _ in range(4)]
    results: list[list[str]] = []
    errors: list[BaseException] = []
    go = threading.Barrier(len(engines))

    def run(engine) -> None:
        go.wait()
        try:
            results.append(migrations.migrate(engine))
        except BaseException as exc:  # noqa: BLE001  (reported below)
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(e,)) for e in engines]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        assert errors == []
        names = [m.name for m in migrations.MIGRATIONS]
        assert sorted(n for r in results for n in r) == sorted(names)  # each applied once
        with engines[0].connect() as conn:
            assert migrations.applied_versions(conn) == [m.version for m in migrations.MIGRATIONS]
    finally:
        for e in engines:
            e.dispose()
