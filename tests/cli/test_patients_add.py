"""`neuroplay patients add` and the clinic database variable, on real SQLite files."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from game.cli import cli
from telemetry.store import Store


def invoke(*args: str, env: dict[str, str | None] | None = None) -> object:
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def test_add_registers_the_patient_with_side_and_posture(tmp_path: Path) -> None:
    d = tmp_path / "data"
    res = invoke("patients", "add", "p-020", "--side", "left", "--standing", "--data-dir", str(d))
    assert res.exit_code == 0 and "p-020: added" in res.output  # type: ignore[attr-defined]
    with Store.open(data_dir=d) as store:
        p = store.get_patient("p-020")
        assert p is not None and p.affected_side == "left" and p.seated is False


def test_add_refuses_a_duplicate_and_a_bad_id_without_writing(tmp_path: Path) -> None:
    d = tmp_path / "data"
    invoke("patients", "add", "p-020", "--side", "left", "--data-dir", str(d))
    res = invoke("patients", "add", "p-020", "--side", "right", "--data-dir", str(d))
    assert res.exit_code == 2 and "already exists" in res.output  # type: ignore[attr-defined]
    res = invoke("patients", "add", "bad id!", "--side", "right", "--data-dir", str(d))
    assert res.exit_code == 2 and "patient id" in res.output  # type: ignore[attr-defined]
    assert len(res.output.strip().splitlines()) == 1  # type: ignore[attr-defined]
    with Store.open(data_dir=d) as store:
        assert [p.patient_id for p in store.patients()] == ["p-020"]
        p = store.get_patient("p-020")
        assert p is not None and p.affected_side == "left"


def test_patients_list_follows_the_clinic_database_variable(tmp_path: Path) -> None:
    db = tmp_path / "clinic.db"
    with Store.open(db) as store:
        store.ensure_patient("c-1", affected_side="right")
    res = invoke("patients", "--json", env={"NEUROPLAY_DB": str(db), "NEUROPLAY_HOME": str(tmp_path / "home")})
    assert res.exit_code == 0  # type: ignore[attr-defined]
    assert [r["patient_id"] for r in json.loads(res.output)] == ["c-1"]  # type: ignore[attr-defined]
