"""Damaged, foreign and newer database files: one line, exit status 2, the file untouched.

A real SQLite store (a generated patient, written through the real Store) is
damaged at random by hypothesis (flipped bytes anywhere, truncation); every
command run on it either works, or says in one line what is wrong with exit
status 2 and leaves the file byte for byte as it was. Another program's
SQLite database, a file that is not SQLite, and a store written by a newer
NeuroPlay are refused the same way, before anything is written to them.
"""

from __future__ import annotations

import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from game.cli import cli
from telemetry.store import Store
from telemetry.synthetic import Course, generate

PATIENT = "p-fuzz"


class Pristine:
    """The bytes of a small real store (its WAL folded in, so the file is the whole
    store; still in WAL mode, as every NeuroPlay database is). A class, so hypothesis
    never prints the bytes in a failure report."""

    def __init__(self, db: Path) -> None:
        self.bytes = db.read_bytes()

    def __repr__(self) -> str:
        return f"<store of {len(self.bytes)} bytes>"


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Pristine:
    db = tmp_path_factory.mktemp("store") / "neuroplay.db"
    with Store.open(db) as store:
        generate(store, PATIENT, Course(days=4, reps=3))
    with closing(sqlite3.connect(db)) as con:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return Pristine(db)


def run(home: Path, *args: str) -> tuple[int, list[str]]:
    res = CliRunner().invoke(cli, list(args), env={"NEUROPLAY_HOME": str(home),
                                                   "NEUROPLAY_DB": None})
    if res.exception is not None and not isinstance(res.exception, SystemExit):
        raise res.exception  # a traceback is exactly what must not happen
    return res.exit_code, res.output.strip().splitlines()


def refused_untouched(home: Path, args: tuple[str, ...], before: bytes) -> tuple[int, list[str]]:
    db = home / "neuroplay.db"
    code, lines = run(home, *args)
    if code != 0:
        assert code == 2 and len(lines) == 1 and lines[0].startswith("Error: "), lines
        assert db.read_bytes() == before
    return code, lines


COMMANDS = {
    "patients": ("patients", "--json"),
    "export": ("export", PATIENT, "--format", "csv", "--out", "{out}"),
    "plan show": ("plan", "show", PATIENT),
}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(flips=st.lists(st.tuples(st.floats(0.0, 1.0, exclude_max=True), st.integers(1, 255)),
                      min_size=1, max_size=6),
       command=st.sampled_from(sorted(COMMANDS)))
def test_flipped_bytes_work_or_are_one_line_and_untouched(pristine: Pristine, tmp_path_factory:
                                                          pytest.TempPathFactory,
                                                          flips: list[tuple[float, int]],
                                                          command: str) -> None:
    home = tmp_path_factory.mktemp("home")
    data = bytearray(pristine.bytes)
    for where, mask in flips:
        data[int(where * len(data))] ^= mask
    (home / "neuroplay.db").write_bytes(bytes(data))
    (home / "out").mkdir()
    args = tuple(a.format(out=home / "out") for a in COMMANDS[command])
    refused_untouched(home, args, bytes(data))
    shutil.rmtree(home)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(keep=st.floats(0.0, 1.0, exclude_min=True, exclude_max=True))
def test_truncated_files_work_or_are_one_line_and_untouched(pristine: Pristine, tmp_path_factory:
                                                            pytest.TempPathFactory,
                                                            keep: float) -> None:
    home = tmp_path_factory.mktemp("home")
    data = pristine.bytes[: max(1, int(keep * len(pristine.bytes)))]
    (home / "neuroplay.db").write_bytes(data)
    refused_untouched(home, ("patients", "--json"), data)
    shutil.rmtree(home)


def foreign(db: Path) -> None:
    with closing(sqlite3.connect(db)) as con, con:
        con.execute("CREATE TABLE moz_places (id INTEGER PRIMARY KEY, url TEXT)")
        con.execute("INSERT INTO moz_places (url) VALUES ('https://example.org')")


def newer(db: Path, pristine: Pristine) -> None:
    db.write_bytes(pristine.bytes)
    with closing(sqlite3.connect(db)) as con, con:  # closed: the WAL is folded into the file
        con.execute("INSERT INTO schema_migrations (version, name, applied_at) "
                    "VALUES (99, '0099_future', '2030-01-01T00:00:00+00:00')")


@pytest.mark.parametrize("kind, says", [
    ("foreign", "is another program's database (tables moz_places); NeuroPlay leaves it alone"),
    ("not sqlite", "is not a readable NeuroPlay database (not a SQLite file)"),
    ("newer", "uses schema version 99, newer than this NeuroPlay understands"),
])
@pytest.mark.parametrize("command", [
    ("patients", "--json"), ("report", PATIENT, "--out", "{out}/r.html"),
    ("export", PATIENT, "--format", "fhir", "--out", "{out}/p.json"),
    ("demo", "--headless", "--no-report", "--seconds", "5"),
    ("patients", "add", "p-new", "--side", "left"), ("patients", "psfs", PATIENT),
    ("plan", "show", PATIENT),
])
def test_a_file_that_is_not_our_database_is_refused_untouched(
        pristine: Pristine, tmp_path: Path, kind: str, says: str, command: tuple[str, ...]) -> None:
    home = tmp_path / "home"
    home.mkdir()
    db = home / "neuroplay.db"
    if kind == "foreign":
        foreign(db)
    elif kind == "not sqlite":
        db.write_bytes(b"PK\x03\x04 a zip, a photo, anything" * 100)
    else:
        newer(db, pristine)
    before = db.read_bytes()
    out = tmp_path / "out"
    out.mkdir()
    code, lines = run(home, *(a.format(out=out) for a in command))
    assert code == 2 and len(lines) == 1 and says in lines[0], lines
    assert db.read_bytes() == before
    assert list(out.iterdir()) == []
