"""Exports of one patient's stored rows: tidy CSV tables and a FHIR R4 Bundle.

Pure builders (`csv_tables`, `fhir_bundle`) turn a `PatientData` snapshot
into plain rows or a JSON-ready dict; the writers put them on disk
atomically (a temporary file or folder renamed into place, 0600/0700), so
an export is complete or absent. CSV: UTF-8, ISO 8601 timestamps with the
offset of the chosen time zone, units in column names, long format. FHIR:
R4 (validated with `fhir.resources.R4B`, whose models cover R4 resources),
pseudonymous: the display name never leaves the machine in an export.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import tempfile
import uuid
import zipfile
from collections.abc import Mapping
from datetime import datetime, timezone, tzinfo
from importlib import resources
from pathlib import Path
from typing import Any

from telemetry import paths
from telemetry.bodymap_report import BODYMAP_CSV_COLUMNS, bodymap_csv_rows
from telemetry.snapshot import PatientData

# metric key in a trial's "metrics" -> (local code, display, UCUM unit)
METRIC_CODES: dict[str, tuple[str, str, str]] = {
    "reaction_time_s": ("reaction-time", "Reaction time", "s"),
    "movement_time_s": ("movement-time", "Movement time", "s"),
    "peak_speed_m_s": ("peak-speed", "Peak hand speed", "m/s"),
    "time_to_peak_pct": ("time-to-peak", "Time to peak speed", "%"),
    "path_length_ratio": ("path-length-ratio", "Path length ratio", "{ratio}"),
    "movement_units": ("movement-units", "Movement units", "{count}"),
    "sparc": ("sparc", "Spectral arc length", "{score}"),
    "ldlj": ("ldlj", "Log dimensionless jerk", "{score}"),
    "end_error_u": ("end-error", "End-point error", "{shoulder_width}"),
    "trunk_displacement_cm": ("trunk-displacement", "Trunk displacement", "cm"),
    "trunk_lean_deg": ("trunk-lean", "Trunk lean", "deg"),
    "trunk_rotation_deg": ("trunk-rotation", "Trunk rotation", "deg"),
    "quality": ("quality", "Tracking quality", "{score}"),
    "elbow_flexion_rom_deg": ("elbow-flexion-rom", "Elbow flexion range", "deg"),
    "shoulder_elevation_rom_deg": ("shoulder-elevation-rom", "Shoulder elevation range", "deg"),
    # sessions stored before issue 12 (image-plane abduction, world-landmark flexion):
    "shoulder_abduction_rom_deg": ("shoulder-abduction-rom", "Shoulder abduction range", "deg"),
    "shoulder_flexion_rom_deg": ("shoulder-flexion-rom-estimated",
                                 "Shoulder flexion range (estimated)", "deg"),
    "rate_hz": ("tap-rate", "Tapping rate", "/s"),
    "amplitude": ("tap-amplitude", "Tapping amplitude", "{ratio}"),
    "rhythm_cov": ("tap-rhythm-cov", "Tapping rhythm variability", "{ratio}"),
    "decrement": ("tap-decrement", "Tapping amplitude decrement", "{ratio}"),
    "interruptions": ("tap-interruptions", "Tapping interruptions", "{count}"),
    "mean_abs_offset_s": ("tap-beat-offset", "Mean offset from the metronome beat", "s"),
    "range": ("grasp-range", "Hand open/close range", "{ratio}"),
    "cycle_s": ("grasp-cycle-time", "Open/close cycle time", "s"),
    "carry_s": ("pinch-carry-time", "Pinch-and-place carry time", "s"),
}
# the game -> the panel code of one repetition's Observation
TRIAL_PANELS: dict[str, tuple[str, str]] = {
    "reaching": ("reach-trial", "One reaching repetition"),
    "tapping": ("tapping-set", "One finger-tapping set"),
    "pinch": ("pinch-repetition", "One pinch-and-place repetition"),
    "openclose": ("openclose-repetition", "One hand open/close repetition"),
}
CS_KINEMATICS = "https://neuroplay.invalid/fhir/CodeSystem/kinematics"
CS_PHASE = "https://neuroplay.invalid/fhir/CodeSystem/checkin-phase"
Q_CHECKIN = "https://neuroplay.invalid/fhir/Questionnaire/neuroplay-checkin|1.1"
ID_SYSTEM = "urn:neuroplay:patient"
OBS_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
UCUM = "http://unitsofmeasure.org"
NS = uuid.UUID("5b0f8f7e-8d3c-4b7e-9a55-6f1c2e0b9a11")  # NeuroPlay's uuid5 namespace


def shipped_resource(name: str) -> dict[str, Any]:
    """A FHIR definition from assets/fhir (the Questionnaire, the CodeSystem)."""
    return json.loads(resources.files("assets.fhir").joinpath(name).read_text("utf-8"))


def _ts(dt: datetime | None, tz: tzinfo) -> str:
    return "" if dt is None else dt.astimezone(tz).isoformat(timespec="seconds")


# ------------------------------------------------------------------ CSV
# Every table's columns, so a table with no rows (no flags yet, no PSFS) is still
# a CSV with its header rather than an empty file that readers reject.
CSV_COLUMNS: dict[str, tuple[str, ...]] = {
    "patient": ("patient_id", "affected_side", "seated", "created_at"),
    "sessions": ("patient_id", "session_id", "exercise", "started_at", "ended_at", "duration_min",
                 "completed", "quota_met", "recovered_after_crash", "source", "mirror",
                 "pain_pre_0_10", "pain_post_0_10", "pain_in_session_max_0_10", "pain_pauses"),
    "session_dose": ("session_id", "parameter", "value"),
    "decisions": ("session_id", "order", "reason"),
    "checkins": ("patient_id", "checkin_id", "session_id", "phase", "answered_at", "item",
                 "value_0_10"),
    "psfs": ("patient_id", "activity_id", "activity", "rated_at", "rating_0_10"),
    "trials": ("session_id", "trial", "time_in_session_s", "at", "outcome", "side", "direction"),
    "trial_metrics": ("session_id", "trial", "metric", "value", "unit_ucum", "poor_quality"),
    "session_rom": ("session_id", "side", "metric", "value", "unit_ucum", "estimated", "frames"),
    "flags": ("flag_id", "kind", "measure", "raised_at", "status", "closed_at", "message",
              "evidence_json"),
    "body_map_regions": BODYMAP_CSV_COLUMNS,  # issue 17: telemetry/bodymap_report.py
}


def csv_tables(data: PatientData, tz: tzinfo = timezone.utc) -> dict[str, list[dict[str, Any]]]:
    """Table name -> rows (dicts with the columns in order)."""
    pid = data.patient.patient_id
    by_id = {s.session_id: s for s in data.sessions}
    t: dict[str, list[dict[str, Any]]] = {}
    t["patient"] = [{"patient_id": pid, "affected_side": data.patient.affected_side,
                     "seated": data.patient.seated,
                     "created_at": _ts(data.patient.created_at, tz)}]
    t["sessions"] = [{
        "patient_id": pid, "session_id": s.session_id, "exercise": s.exercise,
        "started_at": _ts(s.started_at, tz), "ended_at": _ts(s.ended_at, tz),
        "duration_min": "" if s.ended_at is None else
        round((s.ended_at - s.started_at).total_seconds() / 60.0, 2),
        "completed": s.completed, "quota_met": s.quota_met, "recovered_after_crash": s.recovered,
        "source": s.source, "mirror": s.mirror or "",
        "pain_pre_0_10": "" if s.pain_pre is None else s.pain_pre,
        "pain_post_0_10": "" if s.pain_post is None else s.pain_post,
        "pain_in_session_max_0_10": "" if s.pain_in_session_max is None
        else s.pain_in_session_max,
        "pain_pauses": s.pain_pauses,
    } for s in data.sessions]
    t["session_dose"] = [{"session_id": s.session_id, "parameter": k,
                          "value": json.dumps(v) if isinstance(v, (list, dict)) else v}
                         for s in data.sessions for k, v in sorted(s.dose.items())]
    t["decisions"] = [{"session_id": s.session_id, "order": i + 1, "reason": r}
                      for s in data.sessions for i, r in enumerate(s.decisions)]
    t["checkins"] = [{"patient_id": pid, "checkin_id": c.checkin_id,
                      "session_id": c.session_id or "", "phase": c.phase,
                      "answered_at": _ts(c.at, tz), "item": k, "value_0_10": v}
                     for c in data.checkins for k, v in sorted(c.answers.items())]
    names = {a.activity_id: a.name for a in data.psfs_activities}
    t["psfs"] = [{"patient_id": pid, "activity_id": r.activity_id,
                  "activity": names.get(r.activity_id, r.name), "rated_at": _ts(r.at, tz),
                  "rating_0_10": r.value} for r in data.psfs_ratings]
    t["trials"] = [{"session_id": tr.session_id, "trial": tr.trial_index,
                    "time_in_session_s": round(tr.t - by_id[tr.session_id].t0, 3)
                    if tr.session_id in by_id else round(tr.t, 3),
                    "at": _ts(by_id[tr.session_id].at(tr.t), tz)
                    if tr.session_id in by_id else "",
                    "outcome": tr.outcome,
                    "side": tr.data.get("side", ""), "direction": tr.data.get("direction", "")}
                   for tr in data.trials]
    metric_rows = []
    for tr in data.trials:
        m = tr.data.get("metrics")
        if not isinstance(m, Mapping):
            continue
        for key, (code, _display, unit) in METRIC_CODES.items():
            v = m.get(key)
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                metric_rows.append({"session_id": tr.session_id, "trial": tr.trial_index,
                                    "metric": code, "value": v, "unit_ucum": unit,
                                    "poor_quality": bool(m.get("poor_quality", False))})
    t["trial_metrics"] = metric_rows
    t["session_rom"] = [{"session_id": s.session_id, "side": side, "metric": code,
                         "value": rom[key], "unit_ucum": unit,
                         "estimated": bool(rom.get("estimated")) or code.endswith("estimated"),
                         "frames": rom.get("frames")}
                        for s in data.sessions
                        for side, rom in _session_rom(s.summary).items()
                        for key, (code, _d, unit) in METRIC_CODES.items()
                        if isinstance(rom.get(key), (int, float))]
    t["flags"] = [{"flag_id": f.flag_id, "kind": f.kind, "measure": f.measure,
                   "raised_at": _ts(f.raised_at, tz), "status": f.status,
                   "closed_at": _ts(f.closed_at, tz), "message": f.message,
                   "evidence_json": json.dumps(f.evidence, ensure_ascii=False)}
                  for f in data.flags]
    t["body_map_regions"] = bodymap_csv_rows(data.body_maps, lambda d: _ts(d, tz))
    return t


# The widest range a joint can move through (telemetry.joint_angles.ANATOMICAL_RANGE_DEG):
# sessions stored before issue 12 measured flat in the image and could exceed it (an elbow
# "ROM" of 161 deg); such a value is a tracking artefact and is not exported.
_ROM_LIMIT_DEG = {"elbow_flexion_rom_deg": 150.0, "shoulder_elevation_rom_deg": 180.0,
                  "shoulder_abduction_rom_deg": 180.0, "shoulder_flexion_rom_deg": 180.0}


def _session_rom(summary: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    rom = summary.get("rom")
    if not isinstance(rom, Mapping):
        return {}
    out: dict[str, Mapping[str, Any]] = {}
    for side, v in rom.items():
        if not isinstance(v, Mapping):
            continue
        out[str(side)] = {k: (None if k in _ROM_LIMIT_DEG and isinstance(x, (int, float))
                              and not 0.0 <= float(x) <= _ROM_LIMIT_DEG[k] else x)
                          for k, x in v.items()}
    return out


def _csv_bytes(name: str, rows: list[dict[str, Any]]) -> bytes:
    buf = io.StringIO(newline="")
    columns = CSV_COLUMNS.get(name) or (tuple(rows[0].keys()) if rows else ())
    if columns:
        w = csv.DictWriter(buf, fieldnames=list(columns), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    return buf.getvalue().encode("utf-8")


def write_csv(tables: Mapping[str, list[dict[str, Any]]], out: Path) -> list[Path]:
    """A `.zip` of CSVs, or a new folder of CSVs; atomic either way."""
    out = Path(out)
    if out.suffix.lower() == ".zip":
        with paths.atomic_write(out, "wb") as fh, \
                zipfile.ZipFile(fh, "w", compression=zipfile.ZIP_DEFLATED) as z:
            for name, rows in tables.items():
                z.writestr(f"{name}.csv", _csv_bytes(name, rows))
        return [out]
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise FileExistsError(f"{out} already exists and is not an empty folder")
    parent = out.parent if str(out.parent) else Path(".")
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=parent))
    try:
        os.chmod(tmp, paths.DIR_MODE)
        for name, rows in tables.items():
            p = tmp / f"{name}.csv"
            fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL, paths.FILE_MODE)
            with os.fdopen(fd, "wb") as fh:
                fh.write(_csv_bytes(name, rows))
        if out.exists():
            out.rmdir()
        os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return sorted(out.iterdir())


# ------------------------------------------------------------------ FHIR
def _rid(*parts: str) -> str:
    return str(uuid.uuid5(NS, "/".join(parts)))


def _entry(resource: dict[str, Any]) -> dict[str, Any]:
    return {"fullUrl": f"urn:uuid:{resource['id']}", "resource": resource}


def fhir_bundle(data: PatientData, *, model: str = "mediapipe 0.10.21 pose_landmark_full + hands",
                software_version: str = "0.1.0", camera: str = "webcam",
                now: datetime | None = None) -> dict[str, Any]:
    """A FHIR R4 `collection` Bundle of the patient's data (JSON-ready dict)."""
    pid = data.patient.patient_id
    patient_id = _rid("Patient", pid)
    device_id = _rid("Device", pid, model)
    subject = {"reference": f"urn:uuid:{patient_id}"}
    device_ref = {"reference": f"urn:uuid:{device_id}"}
    entries = [_entry({
        "resourceType": "Patient", "id": patient_id,
        "identifier": [{"system": ID_SYSTEM, "value": pid}],
        "active": True,
    }), _entry({
        "resourceType": "Device", "id": device_id,
        "deviceName": [{"name": f"NeuroPlay camera tracking ({camera})",
                        "type": "user-friendly-name"}],
        "type": {"text": "Consumer video camera with pose-tracking software"},
        "version": [{"type": {"text": "tracking model"}, "value": model},
                    {"type": {"text": "NeuroPlay"}, "value": software_version}],
        "patient": subject,
    })]
    sessions = {s.session_id: s for s in data.sessions}
    games = {s.session_id: s.exercise for s in data.sessions}
    for c in data.checkins:
        qr_id = _rid("QuestionnaireResponse", pid, str(c.checkin_id))
        items: list[dict[str, Any]] = [{"linkId": "phase", "answer": [{"valueCoding": {
            "system": CS_PHASE, "code": c.phase}}]}]
        items += [{"linkId": k, "answer": [{"valueInteger": v}]}
                  for k, v in sorted(c.answers.items())]
        entries.append(_entry({
            "resourceType": "QuestionnaireResponse", "id": qr_id, "questionnaire": Q_CHECKIN,
            "status": "completed", "subject": subject, "authored": c.at.isoformat(), "item": items,
        }))
        if "pain" in c.answers:
            entries.append(_entry({
                "resourceType": "Observation", "id": _rid("Observation", "pain", pid,
                                                          str(c.checkin_id)),
                "status": "final",
                "category": [{"coding": [{"system": OBS_CATEGORY, "code": "survey",
                                          "display": "Survey"}]}],
                "code": {"coding": [{"system": "http://loinc.org", "code": "72514-3",
                                     "display": "Pain severity - 0-10 verbal numeric rating "
                                                "[Score] - Reported"}]},
                "subject": subject, "effectiveDateTime": c.at.isoformat(),
                "valueInteger": c.answers["pain"],
                "derivedFrom": [{"reference": f"urn:uuid:{qr_id}"}],
                "note": [{"text": f"check-in phase: {c.phase}"}],
            }))
    by_day: dict[str, list[Any]] = {}
    for r in data.psfs_ratings:
        by_day.setdefault(r.at.isoformat(), []).append(r)
    slots = {a.activity_id: i + 1 for i, a in enumerate(data.psfs_activities)}
    for at, ratings in by_day.items():
        items = [{"linkId": f"psfs-{min(slots.get(r.activity_id, 5), 5)}", "text": r.name,
                  "answer": [{"valueInteger": r.value}]} for r in ratings]
        entries.append(_entry({
            "resourceType": "QuestionnaireResponse",
            "id": _rid("QuestionnaireResponse", "psfs", pid, at), "questionnaire": Q_CHECKIN,
            "status": "completed", "subject": subject, "authored": at,
            "item": [{"linkId": "phase", "answer": [{"valueCoding": {
                "system": CS_PHASE, "code": "daily"}}]}] + items,
        }))
    for tr in data.trials:
        m = tr.data.get("metrics")
        if not isinstance(m, Mapping):
            continue
        comps = []
        for key, (code, display, unit) in METRIC_CODES.items():
            v = m.get(key)
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                comps.append({"code": {"coding": [{"system": CS_KINEMATICS, "code": code,
                                                   "display": display}]},
                              "valueQuantity": {"value": round(float(v), 6), "unit": unit,
                                                "system": UCUM, "code": unit}})
        if not comps:
            continue
        owner = sessions.get(tr.session_id)
        panel = TRIAL_PANELS.get(games.get(tr.session_id, ""), ("game-repetition",
                                                                 "One game repetition"))
        obs: dict[str, Any] = {
            "resourceType": "Observation",
            "id": _rid("Observation", "trial", tr.session_id, str(tr.trial_index)),
            "status": "final",
            "category": [{"coding": [{"system": OBS_CATEGORY, "code": "exam",
                                      "display": "Exam"}]}],
            "code": {"coding": [{"system": CS_KINEMATICS, "code": panel[0],
                                 "display": panel[1]}],
                     "text": f"{panel[1]}: {tr.outcome} (game metric, not a clinical test)"},
            "subject": subject, "device": device_ref, "component": comps,
            "identifier": [{"system": "urn:neuroplay:trial",
                            "value": f"{tr.session_id}/{tr.trial_index}"}],
        }
        if owner is not None:
            obs["effectiveDateTime"] = owner.at(tr.t).isoformat()
        if m.get("poor_quality"):
            obs["note"] = [{"text": "poor tracking quality: left out of trends"}]
        entries.append(_entry(obs))
    for sess in data.sessions:
        for side, rom in _session_rom(sess.summary).items():
            comps = [{"code": {"coding": [{"system": CS_KINEMATICS, "code": code,
                                           "display": display}]},
                      "valueQuantity": {"value": round(float(rom[key]), 3), "unit": unit,
                                        "system": UCUM, "code": unit}}
                     for key, (code, display, unit) in METRIC_CODES.items()
                     if key.endswith("_rom_deg") and isinstance(rom.get(key), (int, float))]
            if not comps:
                continue
            obs_rom: dict[str, Any] = {
                "resourceType": "Observation",
                "id": _rid("Observation", "rom", sess.session_id, side),
                # joint angles from one camera are estimates, never a final measurement
                "status": "preliminary",
                "category": [{"coding": [{"system": OBS_CATEGORY, "code": "exam",
                                          "display": "Exam"}]}],
                "code": {"coding": [{"system": CS_KINEMATICS, "code": "session-rom",
                                     "display": "Range of motion in one session"}],
                         "text": f"{side} arm range of motion (5th-95th percentile; game "
                                 "metric, estimated from one camera)"},
                "subject": subject, "device": device_ref,
                "effectiveDateTime": sess.started_at.isoformat(),
                "bodySite": {"text": f"{side} upper limb"},
                "component": comps,
            }
            note = _rom_method_note(rom)
            if note:
                obs_rom["note"] = [{"text": note}]
            entries.append(_entry(obs_rom))
    from telemetry.bodymap_fhir import bodymap_entries  # issue 17: sensory body maps
    from telemetry.breathing_fhir import breathing_entries  # issue 17: paced breathing

    entries += bodymap_entries(data.body_maps, subject, _rid, _entry)
    entries += breathing_entries(data.sessions, subject, device_ref, _rid, _entry)
    return {"resourceType": "Bundle", "id": _rid("Bundle", pid, (now or datetime.now(
        timezone.utc)).isoformat()), "type": "collection",
            "timestamp": (now or datetime.now(timezone.utc)).isoformat(), "entry": entries}


def _rom_method_note(rom: Mapping[str, Any]) -> str | None:
    """How a session's angles were measured (telemetry.joint_angles), for the FHIR note."""
    methods = rom.get("angle_method")
    if not isinstance(methods, Mapping):
        return None
    parts = []
    for joint, m in methods.items():
        if not isinstance(m, Mapping):
            continue
        shares = m.get("method") or {}
        how = ", ".join(f"{k} {float(v):.0%}" for k, v in dict(shares).items())
        rel = m.get("reliable_fraction")
        rel_text = f", reliable {float(rel):.0%}" if isinstance(rel, (int, float)) else ""
        parts.append(f"{joint.replace('_', ' ')}: {how or 'no frames'}{rel_text}")
    if not parts:
        return None
    return ("Angles estimated from one camera (image = in the image plane; world = MediaPipe "
            "3-D landmarks); unreliable (oblique) frames left out. " + "; ".join(parts))


def validate_bundle(bundle: Mapping[str, Any]) -> None:
    """Raise ValueError naming the problem if the Bundle is not valid R4(B)."""
    from fhir.resources.R4B.bundle import Bundle

    try:
        Bundle.parse_obj(dict(bundle))
    except Exception as exc:  # pydantic's ValidationError, v1 or v2
        first = str(exc).splitlines()
        raise ValueError(f"invalid FHIR Bundle: {' '.join(first[:3])}") from exc


def write_json(obj: Mapping[str, Any], out: Path) -> Path:
    with paths.atomic_write(Path(out), "w") as fh:
        json.dump(obj, fh, ensure_ascii=False, indent=1)
        fh.write("\n")
    return Path(out)
