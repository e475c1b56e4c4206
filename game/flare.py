"""The flare plan at the moment it matters: detect, show, record (diary and game).

`flare_plan_for` decides (telemetry.therapies.flare_detected over the stored
pre-session and diary pain plus today's answer, or the patient's own word) and
returns the therapist's text (exercises.diary); `record_showing` keeps every
showing on one "flare_plan" flag, which only the therapist closes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from exercises.diary import (
    FlarePlan,
    FlareStatus,
    flare_plan_lines,
    flare_plan_record,
    flare_status,
)


@dataclass(frozen=True, slots=True)
class FlarePlanShown:
    status: FlareStatus
    lines: list[str]


class FlarePlanError(ValueError):
    """The stored plan no longer validates (one line)."""


def flare_plan_of(store: Any, patient: str) -> FlarePlan:
    from exercises.plans import PlanError, load_plan

    current = store.current_plan(patient)
    if current is None:
        return FlarePlan()
    try:
        return load_plan(current[1], f"plan of {patient}").flare_plan
    except PlanError as exc:
        raise FlarePlanError(str(exc)) from None


def flare_plan_for(store: Any, patient: str, *, today_pain: int | None = None,
                   reported: bool = False, at: datetime | None = None,
                   plan: FlarePlan | None = None) -> FlarePlanShown | None:
    """The plan to show now, or None. `today_pain`: an answer not stored yet (the game's
    pre-session check-in is stored with the session), counted as today's."""
    from telemetry.flagging import local_tz
    from telemetry.records import CheckinRecord
    from telemetry.therapies import flare_detected

    tz = local_tz()
    checkins = list(store.checkins(patient)) if store.patient_exists(patient) else []
    if today_pain is not None:
        checkins.append(CheckinRecord(-1, patient, None, "pre", at or store.now(),
                                      {"pain": today_pain}))
    detected, why = flare_detected(checkins, tz)
    status = flare_status(detected, why, reported)
    if not status.flare:
        return None
    plan = plan if plan is not None else flare_plan_of(store, patient)
    return FlarePlanShown(status, flare_plan_lines(plan, status))


def record_showing(store: Any, patient: str, shown: FlarePlanShown, where: str,
                   plan: FlarePlan | None = None) -> None:
    """Keep every showing of the flare plan on one open flag for the therapist."""
    from telemetry.therapies import FLARE_PLAN_FLAG

    plan = plan if plan is not None else flare_plan_of(store, patient)
    now = store.now()
    prior = [f for f in store.flags(patient, status="open") if f.kind == FLARE_PLAN_FLAG]
    seen = list(prior[0].evidence.get("shown", [])) if prior else []
    seen.append({"date": now.date().isoformat(), "where": where,
                 **flare_plan_record(shown.status, plan)})
    store.raise_flag(patient, FLARE_PLAN_FLAG, "patient",
                     f"Flare plan shown to the patient ({shown.status.reason}).", {"shown": seen})
