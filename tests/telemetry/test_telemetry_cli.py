"""`neuroplay patients | report | export` through click's CliRunner on real files."""

from __future__ import annotations

import json
import sqlite3
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from game.cli import cli
from telemetry.store import Store
from telemetry.synthetic import Course, generate


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("np") / "data"
    store = Store.open(data_dir=d)
    generate(store, "p1", Course(days=15, reps=2, flare_days=frozenset({13, 14})))
    store.ensure_patient("p2")
    store.close()
    return d


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_every_command_has_help() -> None:
    for name in ("patients", "report", "export"):
        r = run(name, "--help")
        assert r.exit_code == 0 and "--data-dir" in r.output


def test_patients_json(data_dir: Path) -> None:
    r = run("patients", "--json", "--data-dir", str(data_dir))
    assert r.exit_code == 0, r.output
    rows = {row["patient_id"]: row for row in json.loads(r.output)}
    assert rows["p1"]["sessions"] == 15
    assert rows["p1"]["last_session"].startswith("2026-01-19")
    assert any(f["kind"] == "flare" for f in rows["p1"]["open_flags"])
    assert rows["p2"]["sessions"] == 0 and rows["p2"]["open_flags"] == []


def test_patients_table_and_empty_dir(data_dir: Path, tmp_path: Path) -> None:
    r = run("patients", "--data-dir", str(data_dir))
    assert r.exit_code == 0 and "p1" in r.output and "flare" in r.output
    r = run("patients", "--data-dir", str(tmp_path / "nothing"))
    assert r.exit_code == 0 and "No NeuroPlay data" in r.output
    assert not (tmp_path / "nothing").exists()  # listing never creates a store


def test_report_html_and_pdf(data_dir: Path, tmp_path: Path) -> None:
    r = run("report", "p1", "--out", str(tmp_path / "p1.html"), "--data-dir", str(data_dir))
    assert r.exit_code == 0, r.output
    assert "data:image/png;base64," in (tmp_path / "p1.html").read_text(encoding="utf-8")
    r = run("report", "p1", "--out", str(tmp_path / "p1.pdf"), "--data-dir", str(data_dir))
    assert r.exit_code == 0 and (tmp_path / "p1.pdf").read_bytes()[:5] == b"%PDF-"


def test_export_fhir_and_csv(data_dir: Path, tmp_path: Path) -> None:
    r = run("export", "p1", "--format", "fhir", "--out", str(tmp_path / "b.json"),
            "--data-dir", str(data_dir))
    assert r.exit_code == 0, r.output
    bundle = json.loads((tmp_path / "b.json").read_text())
    assert bundle["resourceType"] == "Bundle" and bundle["type"] == "collection"
    r = run("export", "p1", "--format", "csv", "--out", str(tmp_path / "c.zip"),
            "--data-dir", str(data_dir))
    assert r.exit_code == 0
    with zipfile.ZipFile(tmp_path / "c.zip") as z:
        assert "trial_metrics.csv" in z.namelist()
    r = run("export", "p1", "--format", "csv", "--out", str(tmp_path / "folder"),
            "--data-dir", str(data_dir))
    assert r.exit_code == 0 and (tmp_path / "folder" / "sessions.csv").is_file()


@pytest.mark.parametrize("args, message", [
    (("report", "ghost", "--out", "{tmp}/x.html"), "unknown patient 'ghost'"),
    (("export", "ghost", "--format", "fhir", "--out", "{tmp}/x.json"), "unknown patient 'ghost'"),
    (("report", "p1", "--out", "{tmp}/missing/x.html"), "does not exist"),
    (("report", "p1", "--out", "{tmp}/x.docx"), "expected a file ending in"),
    (("export", "p1", "--format", "fhir", "--out", "{tmp}/x.csv"), "expected a file ending in"),
])
def test_bad_input_is_one_line_exit_2(data_dir: Path, tmp_path: Path, args, message) -> None:
    argv = [a.replace("{tmp}", str(tmp_path)) for a in args] + ["--data-dir", str(data_dir)]
    r = CliRunner().invoke(cli, argv)
    assert r.exit_code == 2, r.output
    assert message in r.output and r.output.strip().count("\n") == 0
    assert list(tmp_path.iterdir()) == []  # nothing half-written


def test_unwritable_folder(data_dir: Path, tmp_path: Path) -> None:
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        r = CliRunner().invoke(cli, ["report", "p1", "--out", str(ro / "x.html"),
                                     "--data-dir", str(data_dir)])
        import os

        if os.geteuid() == 0:  # root writes anywhere: then the report must succeed
            assert r.exit_code == 0
        else:
            assert r.exit_code == 2 and "not writable" in r.output
    finally:
        ro.chmod(0o700)


def test_damaged_and_newer_databases(tmp_path: Path) -> None:
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "neuroplay.db").write_bytes(b"garbage" * 500)
    r = CliRunner().invoke(cli, ["report", "p1", "--out", str(tmp_path / "x.html"),
                                 "--data-dir", str(bad)])
    assert r.exit_code == 2 and "not a readable NeuroPlay database" in r.output
    new = tmp_path / "new"
    Store.open(data_dir=new).close()
    con = sqlite3.connect(new / "neuroplay.db")
    from telemetry.migrations import LATEST

    con.execute("INSERT INTO schema_migrations VALUES (?, 'future', 'x')", (LATEST + 1,))
    con.commit()
    con.close()
    r = CliRunner().invoke(cli, ["patients", "--data-dir", str(new)])
    assert r.exit_code == 2 and "newer than this NeuroPlay" in r.output
    assert not (tmp_path / "x.html").exists()


def test_commands_are_documented() -> None:
    docs = (Path(__file__).resolve().parents[2] / "docs" / "telemetry.md").read_text("utf-8")
    for name in ("patients", "report", "export"):
        assert f"neuroplay {name}" in docs
        help_text = run(name, "--help").output
        assert len(help_text.splitlines()[2].strip()) > 10  # a one-line description


PLAN_WITH_GOALS = """[plan]
name = "test"
exercises = ["reaching"]

[[goals]]
activity = "Reach a cup on a kitchen shelf"
exercises = ["reaching"]
"""


def test_psfs_adopts_plan_goals_and_records_ratings(tmp_path: Path) -> None:
    d = tmp_path / "data"
    store = Store.open(data_dir=d)
    store.ensure_patient("p1")
    store.save_plan("p1", PLAN_WITH_GOALS, "dr x")
    store.close()
    r = run("patients", "psfs", "p1", "--data-dir", str(d))
    assert r.exit_code == 0 and "1. Reach a cup on a kitchen shelf: not rated" in r.output
    r = run("patients", "psfs", "p1", "--add", "Dress myself", "--rate", "1=4",
            "--rate", "dress myself=6", "--data-dir", str(d))
    assert r.exit_code == 0, r.output
    assert "4/10" in r.output and "2. Dress myself: 6/10" in r.output
    # a bad rating changes nothing, not even the activity added with it
    r = CliRunner().invoke(cli, ["patients", "psfs", "p1", "--add", "Garden", "--rate", "9=5",
                                 "--data-dir", str(d)])
    assert r.exit_code == 2 and "no such PSFS activity" in r.output
    store = Store.open(data_dir=d)
    assert [a.name for a in store.psfs_activities("p1")] == [
        "Reach a cup on a kitchen shelf", "Dress myself"]
    assert [x.value for x in store.psfs_ratings("p1")] == [4, 6]
    store.close()
    r = CliRunner().invoke(cli, ["patients", "psfs", "p1", "--rate", "1=11", "--data-dir", str(d)])
    assert r.exit_code == 2 and "must be 0-10" in r.output


def test_psfs_add_of_an_activity_already_there_is_a_no_op_with_a_message(tmp_path: Path) -> None:
    """Issue 13: in README order the plan template already put the activity on the scale."""
    d = tmp_path / "data"
    store = Store.open(data_dir=d)
    store.ensure_patient("p1")
    store.save_plan("p1", PLAN_WITH_GOALS, "dr x")
    store.close()
    r = run("patients", "psfs", "p1", "--add", "Reach a cup on a kitchen shelf", "--data-dir", str(d))
    assert r.exit_code == 0, r.output
    assert r.output.splitlines() == [
        "\"Reach a cup on a kitchen shelf\" is already on p1's PSFS: nothing added.",
        "1. Reach a cup on a kitchen shelf: not rated"]
    # Case and spacing do not make a second activity; a new one next to it is still added.
    r = run("patients", "psfs", "p1", "--add", "reach a  CUP on a kitchen shelf", "--add", "Garden",
            "--add", "garden", "--data-dir", str(d))
    assert r.exit_code == 0, r.output
    assert "already on p1's PSFS" in r.output and "2. Garden: not rated" in r.output
    store = Store.open(data_dir=d)
    assert [a.name for a in store.psfs_activities("p1")] == [
        "Reach a cup on a kitchen shelf", "Garden"]
    store.close()
