"""Migrations are frozen history: every chain of them ends at the live schema.

A database last opened by any earlier release (migrations 1..k applied, for
each k) and then opened by this one must have exactly the tables, columns,
keys, indexes and CHECKs that telemetry/schema.py, telemetry/clinic.py and
telemetry/pin_guard.py declare today; and no migration module may import the
live schema, the store or today's analysis code.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, inspect

from telemetry import clinic, migrations, pin_guard, schema
from telemetry.store import _sqlite_pragmas, database_url

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def new_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[], Engine]]:
    """A factory of engines on fresh, empty databases of one backend."""
    made: list[Engine] = []

    def make() -> Engine:
        if request.param == "sqlite":
            path = tmp_path / f"db{len(made)}.sqlite"
            engine = create_engine(f"sqlite+pysqlite:///{path}", future=True)
            _sqlite_pragmas(engine, wal=True)
        else:
            url = request.getfixturevalue("pg_server").create_database()
            engine = create_engine(database_url(url), future=True)
        made.append(engine)
        return engine

    yield make
    for e in made:
        e.dispose()


def _default(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip("'()").lower()
    return {"false": "0", "true": "1"}.get(text, text)


def _check(text: str) -> str:
    return re.sub(r"\s+", " ", str(text)).strip().strip("()").lower()


def describe(engine: Engine) -> dict[str, dict[str, Any]]:
    """Everything about each table that the schema declares, in comparable form."""
    insp = inspect(engine)
    out: dict[str, dict[str, Any]] = {}
    for name in sorted(insp.get_table_names()):
        out[name] = {
            "columns": [(c["name"], str(c["type"]).split("(")[0].upper()
                         .replace("BOOL", "BOOLEAN").replace("BOOLEANEAN", "BOOLEAN"),
                         str(c["type"]).partition("(")[2], bool(c["nullable"]),
                         _default(c.get("default"))) for c in insp.get_columns(name)],
            "pk": insp.get_pk_constraint(name)["constrained_columns"],
            "fks": sorted((tuple(f["constrained_columns"]), f["referred_table"],
                           tuple(f["referred_columns"])) for f in insp.get_foreign_keys(name)),
            "indexes": sorted((i["name"], tuple(i["column_names"]), bool(i["unique"]))
                              for i in insp.get_indexes(name)),
            "unique": sorted(tuple(u["column_names"])
                             for u in insp.get_unique_constraints(name)),
            "checks": sorted((c["name"], _check(c["sqltext"]))
                             for c in insp.get_check_constraints(name)),
        }
    return out


def _live(engine: Engine) -> dict[str, dict[str, Any]]:
    with engine.begin() as conn:
        for md in (schema.metadata, clinic.metadata, pin_guard.metadata):
            md.create_all(conn)
    return describe(engine)


@pytest.mark.parametrize("last_release", range(1, migrations.LATEST + 1))
def test_every_older_chain_ends_at_the_live_schema(last_release: int,
                                                   new_engine: Callable[[], Engine],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    live = _live(new_engine())
    engine = new_engine()
    older = migrations.MIGRATIONS[:last_release]
    with monkeypatch.context() as m:  # the database as that release left it
        m.setattr(migrations, "MIGRATIONS", older)
        m.setattr(migrations, "LATEST", older[-1].version)
        assert migrations.migrate(engine) == [x.name for x in older]
    applied = migrations.migrate(engine)
    assert applied == [x.name for x in migrations.MIGRATIONS[last_release:]]
    got = describe(engine)
    assert sorted(got) == sorted(live)
    for table in live:
        assert got[table] == live[table], table
    [(name, text)] = got["checkins"]["checks"]  # as each backend spells it
    assert name == "ck_checkins_phase" and "in_session" in text


def test_the_first_release_had_no_in_session_phase(new_engine: Callable[[], Engine],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    # 0001 is the schema as it shipped, so 0004 has something to widen.
    engine = new_engine()
    monkeypatch.setattr(migrations, "MIGRATIONS", migrations.MIGRATIONS[:1])
    monkeypatch.setattr(migrations, "LATEST", 1)
    migrations.migrate(engine)
    [(name, text)] = describe(engine)["checkins"]["checks"]
    assert name == "ck_checkins_phase"
    assert "in_session" not in text and "pain_stop" in text


LIVE_MODULES = ("telemetry.schema", "telemetry.store", "telemetry.clinic", "telemetry.pin_guard",
                "telemetry.derive", "telemetry.metrics", "exercises", "game", "vision")


def test_migrations_import_no_live_code() -> None:
    folder = Path(migrations.__file__).parent
    for path in sorted(folder.glob("v*.py")) + [folder / "common.py"]:
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            for name in names:
                assert not name.startswith(LIVE_MODULES), f"{path.name} imports {name}"
