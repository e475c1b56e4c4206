"""Today: the full dose, the easier one, or a rest day, decided after the pain question.

Role: the game asks the patient's pain before the session, then calls
`day_options(...)` once; the result holds everything today may be:
  * `full`: the plan's dose for today (None when the pain before the session
    is at or above the plan's stop level: then only the easier session or a
    rest day, CLINICAL.md 4b);
  * `easier`: shorter and slower (`easier_values`), never harder than the
    full dose, with the staircase capped so it cannot undo the choice;
  * `gate`: whether easier is suggested or required, and why in words.
`TodaysDose.in_session(target)` then gives the session's `InSessionDosing`
(no staircase in tolerance sessions or with no plan). This is the one call
chain from the plan to the dose a session plays.

The staircase's bounds for the day (`TodaysDose.bounds`): the plan's
[min, max], but never harder than today's quota on a progressed field (the
weekly rule alone raises the quota) nor than the patient's easier choice;
empty in a tolerance session, so the baseline measures tolerance.
Pure: no clock, no store.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from exercises.doses import SessionDose, make_dose
from exercises.dosing.between import CheckinLike, DoseDecision, Flag, SessionLike, next_dose
from exercises.dosing.in_session import InSessionDosing
from exercises.dosing.pain import PainLimits, PreSessionGate, pre_session_gate
from exercises.dosing.staircase import Staircase
from exercises.dosing.words import change, fmt_value, label
from exercises.plans import HARDER, Plan

# "Easier for today": this share of the session's length, at this share of its pace.
EASIER_MINUTES = 2.0 / 3.0
EASIER_PACE = 0.75
MIN_PACE = 0.5  # the slowest pace the game offers (`--pace` 0.5: everything twice as long)
STAIR_FIELDS = ("reach_fraction", "target_radius")  # what an exercise's set_difficulty takes


class HarderThanPlan(ValueError):
    """The patient asked for something harder than the plan allows today."""


class FullDoseRefused(ValueError):
    """The full dose was asked for on a day the pain rules allow only easier or rest."""


def easier_values(session: SessionDose) -> dict[str, float]:
    """Shorter and slower than `session`: never longer, never faster (a pace already at
    the slowest the game offers stays there)."""
    pace = session.pace if session.pace <= MIN_PACE else max(MIN_PACE, session.pace * EASIER_PACE)
    return {"session_minutes": round(session.session_minutes * EASIER_MINUTES, 3),
            "pace": round(pace, 3)}


@dataclass(frozen=True)
class TodaysDose:
    """One way today's session can be played: doses, reasons, the staircase's bounds."""

    session: SessionDose
    dose: Any
    reasons: tuple[str, ...]
    flags: tuple[Flag, ...]
    bounds: Mapping[str, tuple[float, float]]  # the staircase's bounds; empty: none today
    decision: DoseDecision | None
    phase: str  # "baseline", "progressing", "hold" or "no plan"
    plan: Plan | None = None
    exercise: str = ""
    eased: Mapping[str, float] = field(default_factory=dict)

    @property
    def easier(self) -> bool:
        return bool(self.eased)

    def staircase(self) -> Staircase | None:
        """Today's staircase, or None when nothing may move (tolerance, fixed, no plan)."""
        if self.plan is None or not any(hi > lo for lo, hi in self.bounds.values()):
            return None
        start = {k: float(getattr(self.dose, k)) for k in self.bounds}
        return Staircase.for_today(self.plan, self.exercise, start, self.bounds)

    def in_session(self, target: object, *, t0: float = 0.0) -> InSessionDosing:
        """The session's in-session dosing around the exercise `target`."""
        stair = self.staircase()
        if stair is None:
            why = {"baseline": "tolerance session: fixed values, no staircase",
                   "no plan": "no plan: fixed default dose"}.get(self.phase, "fixed dose")
        else:
            why = "today's dose" + (" (easier today)" if self.easier else "")
        return InSessionDosing(stair, target, t0=t0, start_reason=why)


def _played_session(plan_session: SessionDose, override: SessionDose | None) -> SessionDose:
    """The caller's session length (the demo's `--seconds`) with the plan's safety values."""
    if override is None:
        return plan_session
    return replace(override, seated=plan_session.seated,
                   pain_stop_threshold=plan_session.pain_stop_threshold,
                   pain_rise_limit=plan_session.pain_rise_limit)


def _ease(session: SessionDose, dose: Any, exercise: str,
          easier: Mapping[str, float]) -> tuple[SessionDose, Any, dict[str, float], list[str]]:
    eased: dict[str, float] = {}
    reasons: list[str] = []
    for key, value in easier.items():
        target = "session" if key in HARDER["session"] else exercise
        if key not in HARDER[target]:
            raise HarderThanPlan(f"{key} cannot be changed for today; choose from "
                                 f"{', '.join([*HARDER['session'], *HARDER[exercise]])}")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or \
                not math.isfinite(value) or value <= 0 or (key == "pace" and value > 1):
            raise HarderThanPlan(f"{key} must be a number above 0 (pace at most 1), got {value!r}")
        current = getattr(session if target == "session" else dose, key)
        if (value - current) * HARDER[target][key] > 1e-12:
            raise HarderThanPlan(f"{key} {fmt_value(key, value)} is harder than the plan's "
                                 f"{fmt_value(key, current)} for today")
        new = round(value) if isinstance(current, int) else float(value)
        if new != current:
            eased[key] = new
            reasons.append(f"easier today: {change(key, current, new)}")
            if target == "session":
                session = replace(session, **{key: new})  # type: ignore[arg-type]  # key: a SessionDose field
            else:
                dose = replace(dose, **{key: new})
    return session, dose, eased, reasons


def _bounds(plan: Plan, exercise: str, phase: str, dose: Any,
            eased: Mapping[str, float]) -> dict[str, tuple[float, float]]:
    if phase == "baseline":
        return {}  # tolerance sessions: fixed values, so the baseline measures tolerance
    ranges, progressed = plan.ranges(exercise), plan.progressed(exercise)
    out: dict[str, tuple[float, float]] = {}
    for k in STAIR_FIELDS:
        if k not in ranges:
            continue
        r, h = ranges[k], HARDER[exercise][k]
        lo, hi = r.min, r.max
        caps = [float(getattr(dose, k))] if k in progressed else []
        if k in eased:
            caps.append(eased[k])
        for cap in caps:  # never harder than the quota nor the patient's choice
            if h > 0:
                hi = max(lo, min(hi, cap))
            else:
                lo = min(hi, max(lo, cap))
        out[k] = (lo, hi)
    return out


def todays_dose(plan: Plan, history: Sequence[SessionLike], check_ins: Sequence[CheckinLike],
                exercise: str, *, on: date | None = None, pre_pain: int | None = None,
                easier: Mapping[str, float] | None = None,
                session: SessionDose | None = None) -> TodaysDose:
    """The plan's dose for `exercise` today, optionally made easier (never harder).

    Args:
        pre_pain: today's pre-session pain, once asked (the next-morning rule).
        easier: dose fields (session or exercise) to make easier today; each must be
            no harder than the plan's, else HarderThanPlan names the field.
        session: the caller's own session length (the demo), played with the plan's
            pain limits.
    """
    if exercise not in plan.exercises:
        raise KeyError(f"the plan does not enable {exercise!r}; it enables "
                       f"{', '.join(plan.exercises)}")
    decision = next_dose(plan, history, check_ins, on=on, pre_pain=pre_pain)
    return _from_decision(plan, decision, exercise, easier or {}, session)


def _from_decision(plan: Plan, decision: DoseDecision, exercise: str,
                   easier: Mapping[str, float], override: SessionDose | None) -> TodaysDose:
    played = _played_session(decision.session, override)
    session, dose, eased, why = _ease(played, decision.dose(exercise), exercise, easier)
    phase = decision.phase[exercise]
    return TodaysDose(session, dose, (*decision.reasons, *why), decision.flags,
                      _bounds(plan, exercise, phase, dose, eased), decision, phase, plan,
                      exercise, eased)


@dataclass(frozen=True)
class DayOptions:
    """What today may be, once the pain before the session is known."""

    full: TodaysDose | None  # None: the pain rules allow only easier or rest today
    easier: TodaysDose
    gate: PreSessionGate
    limits: PainLimits
    planned: bool  # a therapist's plan decides (False: the default dose)

    def choose(self, easier: bool) -> TodaysDose:
        """The dose played; FullDoseRefused when the full dose is not allowed today."""
        if easier:
            return self.easier
        if self.full is None:
            raise FullDoseRefused(self.gate.reason)
        return self.full


def day_options(plan: Plan | None, history: Sequence[SessionLike],
                check_ins: Sequence[CheckinLike], exercise: str, *, on: date | None = None,
                pre_pain: int | None = None, session: SessionDose | None = None,
                side: str | None = None,
                defaults: Mapping[str, Any] | None = None) -> DayOptions:
    """Today's full and easier doses and the pre-session gate.

    With no plan: the dose defaults of exercises/doses.py (or `defaults`, dose field
    values a caller fixes), the default pain limits, and no staircase.
    """
    if plan is None:
        return _default_options(exercise, pre_pain, session, side, defaults or {})
    limits = PainLimits.from_plan(plan)
    gate = pre_session_gate(pre_pain, limits)
    decision = next_dose(plan, history, check_ins, on=on, pre_pain=pre_pain)
    planned = _from_decision(plan, decision, exercise, {}, session)
    easier = _from_decision(plan, decision, exercise, easier_values(planned.session), session)
    full: TodaysDose | None = planned
    if not gate.full_allowed:
        full = None
        easier = replace(easier, reasons=(*easier.reasons, gate.reason))
    return DayOptions(full, easier, gate, limits, planned=True)


def _default_options(exercise: str, pre_pain: int | None, session: SessionDose | None,
                     side: str | None, defaults: Mapping[str, Any]) -> DayOptions:
    limits = PainLimits()
    gate = pre_session_gate(pre_pain, limits)
    values = dict(defaults)
    if side in ("left", "right", "both") and "side" not in values:
        values["side"] = side  # "both": the default dose alternates arms (a plan names its own)
    dose = make_dose(exercise, **values)
    base = session or SessionDose()
    why = (f"no plan stored: default {exercise} dose",)
    full = TodaysDose(base, dose, why, (), {}, None, "no plan", None, exercise)
    eased_session, _, eased, reasons = _ease(base, dose, exercise, easier_values(base))
    easier = TodaysDose(eased_session, dose, (*why, *reasons), (), {}, None, "no plan", None,
                        exercise, eased)
    if not gate.full_allowed:
        return DayOptions(None, replace(easier, reasons=(*easier.reasons, gate.reason)), gate,
                          limits, planned=False)
    return DayOptions(full, easier, gate, limits, planned=False)


__all__ = ["DayOptions", "FullDoseRefused", "HarderThanPlan", "TodaysDose", "day_options",
           "easier_values", "label", "todays_dose"]
