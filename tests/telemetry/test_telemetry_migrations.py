"""Migrations on both backends: all or nothing, and exactly once under concurrency."""

from __future__ import annotations

import threading

import numpy as np
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


def test_an_older_database_gets_its_reach_trials_derived_again(store_target: str) -> None:
    # A session stored by a release whose reach onset latched onto the previous
    # return: its trial says reaction time 0. Opening it with this release
    # re-derives the trial from the event log (migration 0003).
    from exercises.events import Event
    from telemetry import schema as S

    t = np.arange(0.0, 2.5, 1 / 30)
    tau = np.clip((t - 0.5) / 1.0, 0, 1)
    s = 10 * tau ** 3 - 15 * tau ** 4 + 6 * tau ** 5
    path = [[float(a), 0.5 + 0.6 * b, 0.8 * b] for a, b in zip(t, s, strict=True)]
    store = Store.open(store_target)
    store.ensure_patient("old")
    rec = store.start_session("old", "reaching", {})
    rec.record([Event(0.0, "target_shown", {"index": 0}),
                Event(2.5, "hold_complete", {"index": 0}),
                Event(2.5, "repetition", {"index": 0, "target": [1.1, 0.8], "shown_t": 0.0,
                                          "hit": True, "path": path})])
    rec.close({"quota_met": True})
    [good] = store.trials(rec.session_id)
    stale = {**good.data, "metrics": {**good.data["metrics"], "reaction_time_s": 0.0,
                                      "movement_time_s": 2.4}}
    from telemetry.store import dumps

    with store.engine.begin() as conn:  # what the older release had stored
        conn.execute(S.trials.update().where(S.trials.c.session_id == rec.session_id)
                     .values(data=dumps(stale)))
        conn.execute(S.schema_migrations.delete().where(S.schema_migrations.c.version >= 3))
    store.close()
    reopened = Store.open(store_target)
    try:
        [again] = reopened.trials(rec.session_id)
        assert again.data["metrics"]["reaction_time_s"] == pytest.approx(0.53, abs=0.03)
        assert again.data == good.data
        with reopened.engine.connect() as conn:
            assert migrations.applied_versions(conn)[-1] == migrations.LATEST
    finally:
        reopened.close()
