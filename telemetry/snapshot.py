"""Everything stored about one patient, read once (the input of trends,
exports and the report, which are pure functions of it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from telemetry.records import (
    BodyMapRecord,
    CheckinRecord,
    FlagRecord,
    PatientRecord,
    PlanVersion,
    PsfsActivity,
    PsfsRating,
    SessionRecord,
    TrialRecord,
)
from telemetry.store import Store


@dataclass(frozen=True, slots=True)
class PatientData:
    patient: PatientRecord
    sessions: list[SessionRecord]
    checkins: list[CheckinRecord]
    psfs_activities: list[PsfsActivity]
    psfs_ratings: list[PsfsRating]
    trials: list[TrialRecord]
    flags: list[FlagRecord]
    plan: tuple[int, str] | None = None
    plan_history: list[PlanVersion] = field(default_factory=list)
    calibration: dict[str, Any] | None = None
    body_maps: list[BodyMapRecord] = field(default_factory=list)  # telemetry.bodymap


def load_patient(store: Store, patient_id: str) -> PatientData:
    """Read a patient's rows; raises UnknownPatient for an unknown id."""
    patient = store.require_patient(patient_id)
    cal = store.load_calibration(patient_id)
    return PatientData(
        patient=patient,
        sessions=store.history(patient_id),
        checkins=store.checkins(patient_id),
        psfs_activities=store.psfs_activities(patient_id, include_retired=True),
        psfs_ratings=store.psfs_ratings(patient_id),
        trials=store.patient_trials(patient_id),
        flags=store.flags(patient_id),
        plan=store.current_plan(patient_id),
        plan_history=store.plan_history(patient_id),
        calibration=dict(cal) if cal is not None else None,
        body_maps=store.body_maps(patient_id),
    )
