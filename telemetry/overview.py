"""A patient at a glance: the one overview `neuroplay patients` and the dashboard show.

Sessions, the last one, this week's adherence and the last complete week's,
the open flags, the triage (telemetry.triage: severity and the one action)
and the report's pain headline, from a patient's data and its trend assessment
(`overview_of`, pure); `patient_overviews` brings each patient's flags up to
date first (telemetry.flagging), as both callers always did. How a row is
formatted (ISO text for the CLI's JSON, local minutes on the web page) is the
caller's business.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, tzinfo

from telemetry.flagging import local_tz, refresh_flags
from telemetry.records import FlagRecord
from telemetry.snapshot import PatientData
from telemetry.store import Store
from telemetry.trends import Assessment, WeekAdherence
from telemetry.triage import Triage, by_need, limits_from_plan_text, triage


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
    triage: Triage
    pain: str  # "6.0 -> 3.2 (better)", "latest 4.0", or "-" (the report's at-a-glance pain)


def pain_glance(assessment: Assessment) -> str:
    """The report's "At a glance" pain line, short: baseline -> current and the verdict."""
    c = assessment.changes.get("pain")
    if c is not None:
        verdict = "no meaningful change"
        if c.meaningful or c.reliable:
            verdict = "better" if c.improvement > 0 else "worse"
        return f"{c.baseline:.1f} -> {c.current:.1f} ({verdict})"
    series = assessment.series.get("pain")
    if series is not None and series.points:
        return f"latest {series.points[-1].value:.1f}"
    return "-"


def overview_of(data: PatientData, assessment: Assessment, *, today: date) -> PatientOverview:
    last = data.sessions[-1] if data.sessions else None
    weeks = assessment.adherence
    limits = limits_from_plan_text(str(data.plan[1]) if data.plan else None)
    return PatientOverview(
        patient_id=data.patient.patient_id,
        affected_side=data.patient.affected_side,
        sessions=len(data.sessions),
        last_started_at=last.started_at if last else None,
        last_exercise=last.exercise if last else None,
        this_week=weeks[-1] if weeks else None,
        last_week=next((w for w in reversed(weeks) if w.complete_week), None),
        open_flags=tuple(f for f in data.flags if f.status == "open"),
        triage=triage(data.sessions, data.flags, today=today, limits=limits),
        pain=pain_glance(assessment),
    )


def patient_overviews(store: Store, patient_ids: Iterable[str] | None = None, *,
                      tz: tzinfo | None = None) -> list[PatientOverview]:
    """The overview of each patient (all of the store's when `patient_ids` is None;
    ids the store does not know are left out), flags refreshed first, most in need
    first (telemetry.triage.by_need)."""
    tz = tz or local_tz()
    today = store.now().astimezone(tz).date()
    ids = [p.patient_id for p in store.patients()] if patient_ids is None else [
        pid for pid in patient_ids if store.get_patient(pid) is not None]
    out = []
    for pid in ids:
        data, assessment = refresh_flags(store, pid, tz=tz)
        out.append(overview_of(data, assessment, today=today))
    order = by_need((o.patient_id, o.triage) for o in out)
    rank = {pid: i for i, (pid, _) in enumerate(order)}
    return sorted(out, key=lambda o: rank[o.patient_id])
