"""CSV and FHIR exports of a generated patient, validated and on disk."""

from __future__ import annotations

import csv
import io
import json
import stat
import zipfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from telemetry.exports import (
    csv_tables,
    fhir_bundle,
    shipped_resource,
    validate_bundle,
    write_csv,
    write_json,
)
from telemetry.snapshot import PatientData, load_patient
from telemetry.store import Store
from telemetry.synthetic import Course, generate


@pytest.fixture(scope="module")
def data() -> PatientData:
    store = Store.memory(flush_interval_s=5)
    store.ensure_patient("p-7", display_name="Real Name Never Exported")
    generate(store, "p-7", Course(days=8, reps=2))
    return load_patient(store, "p-7")


def test_fhir_bundle_is_valid_r4_with_pain_loinc(data: PatientData) -> None:
    bundle = fhir_bundle(data, now=datetime(2026, 2, 1, tzinfo=timezone.utc))
    validate_bundle(bundle)
    from fhir.resources.R4B.bundle import Bundle

    parsed = Bundle.parse_obj(bundle)
    kinds = [e.resource.resource_type for e in parsed.entry]
    assert kinds.count("Patient") == 1 and kinds.count("Device") == 1
    pains = [e.resource for e in parsed.entry if e.resource.resource_type == "Observation"
             and e.resource.code.coding[0].code == "72514-3"]
    assert len(pains) == 16  # pre + post for each of 8 sessions
    assert pains[0].category[0].coding[0].code == "survey"
    assert pains[0].valueInteger == data.checkins[0].answers["pain"]
    trials = [e.resource for e in parsed.entry if e.resource.resource_type == "Observation"
              and e.resource.code.coding[0].code == "reach-trial"]
    assert len(trials) == 16
    units = {c.code.coding[0].code: c.valueQuantity.code for c in trials[0].component}
    assert units["movement-time"] == "s" and units["peak-speed"] == "m/s"
    assert units["sparc"] == "{score}"
    qrs = [e.resource for e in parsed.entry if e.resource.resource_type == "QuestionnaireResponse"]
    assert all(q.questionnaire.startswith(shipped_resource(
        "Questionnaire-neuroplay-checkin.json")["url"]) for q in qrs)
    text = json.dumps(bundle)
    assert "Real Name" not in text  # pseudonymous
    patient = next(e.resource for e in parsed.entry if e.resource.resource_type == "Patient")
    assert patient.identifier[0].value == "p-7"


def test_every_answered_item_exists_in_the_shipped_questionnaire(data: PatientData) -> None:
    q = shipped_resource("Questionnaire-neuroplay-checkin.json")
    link_ids = {i["linkId"] for i in q["item"]}
    bundle = fhir_bundle(data)
    for e in bundle["entry"]:
        if e["resource"]["resourceType"] == "QuestionnaireResponse":
            assert {i["linkId"] for i in e["resource"]["item"]} <= link_ids
    cs = shipped_resource("CodeSystem-neuroplay-kinematics.json")
    codes = {c["code"] for c in cs["concept"]}
    for e in bundle["entry"]:
        for comp in e["resource"].get("component", []):
            assert comp["code"]["coding"][0]["code"] in codes


def test_csv_tables_tidy_with_offsets(data: PatientData) -> None:
    tz = timezone(timedelta(hours=2))
    t = csv_tables(data, tz)
    s0 = t["sessions"][0]
    assert s0["started_at"] == "2026-01-05T12:00:00+02:00"
    assert s0["duration_min"] == 11.0
    assert {r["item"] for r in t["checkins"]} == {"pain", "interference", "sleep", "mood"}
    assert all(set(r) >= {"metric", "value", "unit_ucum"} for r in t["trial_metrics"])
    assert "display_name" not in t["patient"][0]


def test_write_csv_zip_and_folder(data: PatientData, tmp_path: Path) -> None:
    tables = csv_tables(data)
    [z] = write_csv(tables, tmp_path / "out.zip")
    assert stat.S_IMODE(z.stat().st_mode) == 0o600
    with zipfile.ZipFile(z) as zf:
        assert "sessions.csv" in zf.namelist()
        rows = list(csv.DictReader(io.TextIOWrapper(zf.open("checkins.csv"), "utf-8")))
    assert rows[0]["value_0_10"].isdigit()
    files = write_csv(tables, tmp_path / "folder")
    assert {f.name for f in files} >= {"sessions.csv", "trial_metrics.csv", "psfs.csv"}
    assert stat.S_IMODE((tmp_path / "folder").stat().st_mode) == 0o700
    with pytest.raises(FileExistsError):
        write_csv(tables, tmp_path / "folder")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_every_csv_has_its_declared_header_even_when_empty(data: PatientData,
                                                            tmp_path: Path) -> None:
    from telemetry.exports import CSV_COLUMNS

    tables = csv_tables(data)
    assert set(tables) == set(CSV_COLUMNS)
    for name, rows in tables.items():
        for row in rows:
            assert tuple(row) == CSV_COLUMNS[name], name
    empty = {name: [] for name in tables}  # a new patient: no flags, no PSFS yet
    files = write_csv(empty, tmp_path / "new")
    for f in files:
        header = f.read_text(encoding="utf-8").splitlines()
        assert header == [",".join(CSV_COLUMNS[f.stem])], f.name


def test_failed_write_leaves_nothing(tmp_path: Path) -> None:
    target = tmp_path / "bundle.json"
    with pytest.raises(TypeError):
        write_json({"x": object()}, target)
    assert list(tmp_path.iterdir()) == []
    write_json({"x": 1}, target)
    assert json.loads(target.read_text()) == {"x": 1}
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_invalid_bundle_is_named() -> None:
    with pytest.raises(ValueError, match="valueInteger"):
        validate_bundle({"resourceType": "Bundle", "type": "collection", "entry": [
            {"fullUrl": "urn:uuid:1", "resource": {"resourceType": "Observation",
                                                   "status": "final", "code": {"text": "x"},
                                                   "valueInteger": "high"}}]})


def test_session_range_of_motion_is_exported(data: PatientData) -> None:
    import dataclasses

    rom = {"right": {"elbow_flexion_rom_deg": 81.0, "shoulder_abduction_rom_deg": 40.5,
                     "shoulder_flexion_rom_deg": None, "shoulder_flexion_estimated": True,
                     "frames": 100}}
    s0 = dataclasses.replace(data.sessions[0], summary={**data.sessions[0].summary, "rom": rom})
    d = dataclasses.replace(data, sessions=[s0] + data.sessions[1:])
    rows = csv_tables(d)["session_rom"]
    assert [(r["metric"], r["value"], r["unit_ucum"]) for r in rows] == [
        ("elbow-flexion-rom", 81.0, "deg"), ("shoulder-abduction-rom", 40.5, "deg")]
    bundle = fhir_bundle(d)
    validate_bundle(bundle)
    [obs] = [e["resource"] for e in bundle["entry"]
             if e["resource"].get("code", {}).get("coding", [{}])[0].get("code") == "session-rom"]
    assert {c["valueQuantity"]["code"] for c in obs["component"]} == {"deg"}
    assert len(obs["component"]) == 2
    assert obs["status"] == "preliminary"  # angles from one camera are estimates


def test_an_impossible_stored_rom_is_not_exported(data: PatientData) -> None:
    """A session stored before issue 12 with an elbow "range" of 161 deg (measured flat in
    the image): past what an elbow can do, so it is left out; the rest is exported."""
    import dataclasses

    rom = {"right": {"elbow_flexion_rom_deg": 161.0, "shoulder_abduction_rom_deg": 88.0}}
    s0 = dataclasses.replace(data.sessions[0], summary={**data.sessions[0].summary, "rom": rom})
    d = dataclasses.replace(data, sessions=[s0] + data.sessions[1:])
    rows = csv_tables(d)["session_rom"]
    assert [(r["metric"], r["value"]) for r in rows] == [("shoulder-abduction-rom", 88.0)]


def test_honest_session_rom_exports_as_preliminary_with_its_method(data: PatientData) -> None:
    import dataclasses

    rom = {"left": {"elbow_flexion_rom_deg": 120.0, "shoulder_elevation_rom_deg": 95.0,
                    "estimated": True, "frames": 80,
                    "angle_method": {"elbow_flexion": {"method": {"image": 0.9, "world": 0.1},
                                                       "reliable_fraction": 0.95}}}}
    s0 = dataclasses.replace(data.sessions[0], summary={**data.sessions[0].summary, "rom": rom})
    d = dataclasses.replace(data, sessions=[s0] + data.sessions[1:])
    rows = csv_tables(d)["session_rom"]
    assert [(r["metric"], r["value"], r["estimated"]) for r in rows] == [
        ("elbow-flexion-rom", 120.0, True), ("shoulder-elevation-rom", 95.0, True)]
    bundle = fhir_bundle(d)
    validate_bundle(bundle)
    [obs] = [e["resource"] for e in bundle["entry"]
             if e["resource"].get("code", {}).get("coding", [{}])[0].get("code") == "session-rom"]
    assert obs["status"] == "preliminary"
    assert "elbow flexion: image 90%, world 10%, reliable 95%" in obs["note"][0]["text"]


def test_tapping_session_exports_and_trends() -> None:
    from datetime import date

    from telemetry.trends import assess

    store = Store.memory(flush_interval_s=5)
    store.ensure_patient("tap")
    t0 = datetime(2026, 1, 5, 10, tzinfo=timezone.utc)
    for day in range(6):
        rec = store.start_session("tap", "tapping", {"tempo_hz": 2.0},
                                  started_at=t0 + timedelta(days=day))
        rec.record([_Ev(15.0 * (k + 1), "repetition", {"set": k, "rate_hz": 1.5 + 0.1 * day,
                                                       "rhythm_cov": 0.1, "amplitude": 0.6})
                    for k in range(3)])
        rec.close({"quota_met": True}, ended_at=t0 + timedelta(days=day, minutes=5))
    data = load_patient(store, "tap")
    bundle = fhir_bundle(data)
    validate_bundle(bundle)
    sets = [e["resource"] for e in bundle["entry"]
            if e["resource"].get("code", {}).get("coding", [{}])[0].get("code") == "tapping-set"]
    assert len(sets) == 18
    rate = next(c for c in sets[0]["component"] if c["code"]["coding"][0]["code"] == "tap-rate")
    assert rate["valueQuantity"] == {"value": 1.5, "unit": "/s",
                                     "system": "http://unitsofmeasure.org", "code": "/s"}
    rows = [r for r in csv_tables(data)["trial_metrics"] if r["metric"] == "tap-rate"]
    assert len(rows) == 18
    result = assess(data, today=date(2026, 1, 11), tz=timezone.utc)
    assert [p.value for p in result.series["tap_rate"].points] == pytest.approx(
        [1.5, 1.6, 1.7, 1.8, 1.9, 2.0])
    assert result.changes["tap_rate"].improvement > 0


class _Ev:
    def __init__(self, t: float, kind: str, data: dict) -> None:
        self.t, self.kind, self.data = t, kind, data
