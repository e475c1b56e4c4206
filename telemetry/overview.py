"""A patient at a glance: the one overview `neuroplay patients` and the dashboard show.

Sessions, the last one, this week's adherence and the last complete week's,
and the open flags, from a patient's data and its trend assessment
(`overview_of`, pure); `patient_overviews` brings each patient's flags up to
date first (telemetry.flagging), as both callers always did. How a row is
formatted (ISO text for the CLI's JSON, local minutes on the web page) is the
caller's business.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, tzinfo

from telemetry.flagging import local_tz, refresh_flags
from telemetry.records import FlagRecord
from telemetry.snapshot import PatientData
from telemetry.store import Store
from telemetry.trends import Assessment, WeekAdherence


@dataclass(frozen=True, slots=True)
class PatientOverview:
    patient_id: str
    affected_side: str
    sessions: int
    last_started_at: datetime | None
    last_exercise: str | None
    this_week: WeekAdherence | None  # the current (maybe partial) week
    last_week: WeekAdherence | None  # the newest complete week
    open_flags: tuple[FlagRecord, ...]


def overview_of(data: PatientData, assessment: Assessment) -> PatientOverview:
    last = data.sessions[-1] if data.sessions else None
    weeks = assessment.adherence
    return PatientOverview(
        patient_id=data.patient.patient_id,
        affected_side=data.patient.affected_side,
        sessions=len(data.sessions),
        last_started_at=last.started_at if last else None,
        last_exercise=last.exercise if last else None,
        this_week=weeks[-1] if weeks else None,
        last_week=next((w for w in reversed(weeks) if w.complete_week), None),
        open_flags=tuple(f for f in data.flags if f.status == "open"),
    )


def patient_overviews(store: Store, patient_ids: Iterable[str] | None = None, *,
                      tz: tzinfo | None = None) -> list[PatientOverview]:
    """The overview of each patient (all of the store's when `patient_ids` is None;
    ids the store does not know are left out), flags refreshed first."""
    tz = tz or local_tz()
    ids = [p.patient_id for p in store.patients()] if patient_ids is None else [
        pid for pid in patient_ids if store.get_patient(pid) is not None]
    out = []
    for pid in ids:
        data, assessment = refresh_flags(store, pid, tz=tz)
        out.append(overview_of(data, assessment))
    return out
