"""Simulated patients: run a plan's rules over weeks before a real patient does.

Role: `simulate(plan, profile, sessions, seed)` plays `sessions` sessions of
one exercise against a seeded patient model and returns, per session, the
decision the progression engine made (dose, reasons, flags) and what the
patient did. A therapist uses it (`neuroplay plan simulate`) to see a plan's
trajectory; the tests use it to check the rules.

The patient model is deliberately simple and stated here so nobody reads it
as clinical evidence: each progressed field has a CAPACITY (what the patient
can do today); a session meets its quota when every progressed field of the
dose is within capacity. Capacity starts at `capacity0` x the plan's start
value (harder-is-smaller fields divide) and grows by `growth` a session,
varying by +-`day_noise` from day to day.
Daily pain is `pain_base` +- 1 (seeded); in the profile's flare days it is
`flare_extra` higher. Post-session pain rises by `post_rise` points with
probability `rise_p`; the highest rest-break answer is taken as the
post-session one, and it pauses the session when the plan's in-session rule
would. On a day whose pain is at the plan's stop level the patient plays the
easier session (the full dose is not offered). Sessions are scheduled on
fixed weekdays to match the plan's sessions_per_week; dates start on
`start` (a Monday). Pure: no clock, no disk; a seed gives the same run.

`simulate_forward(plan, history, check_ins, rows, start=today)` plays the rules on a REAL
patient: their stored sessions first, then scripted future sessions (`forward_rows`:
the assumption the therapist picks, FORWARD_SCENARIOS) - the dashboard plan editor's
"simulate for this patient from today".

`simulate_script(plan, rows)` plays the rules against a SCRIPTED patient
instead: one row per session (one session a day), the pain answers and
whether the quota was met, e.g. a real patient's history typed in by a
therapist (`neuroplay plan simulate --script PAINS.csv`);
`parse_pain_script(text)` reads that CSV.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

import numpy as np

from exercises.dosing import (
    CheckinLike,
    DoseDecision,
    PainLimits,
    SessionLike,
    next_dose,
    pre_session_gate,
)
from exercises.dosing.pain import in_session_reasons
from exercises.dosing.today import easier_values
from exercises.plans import HARDER, Plan


@dataclass(frozen=True, slots=True)
class Profile:
    name: str
    description: str
    capacity0: float  # tolerance capacity, x the plan's start value
    growth: float  # capacity growth per session (fraction)
    pain_base: float
    met_p: float = 1.0  # chance the quota is met when within capacity (motivation, life)
    rise_p: float = 0.1
    post_rise: int = 1
    flare_days: tuple[int, int] | None = None  # [first, last) day index of a flare
    flare_extra: int = 4
    day_noise: float = 0.0  # capacity varies by +- this fraction from day to day


PROFILES: dict[str, Profile] = {
    "improving": Profile("improving", "gains steadily; pain low and stable",
                         capacity0=1.25, growth=0.03, pain_base=3.0),
    "plateau": Profile("plateau", "tolerates the start but does not gain; good and bad days",
                       capacity0=1.0, growth=0.0, pain_base=4.0, day_noise=0.08),
    "flaring": Profile("flaring", "gains, then a pain flare in week 3",
                       capacity0=1.25, growth=0.03, pain_base=3.0, flare_days=(15, 19)),
    "fearful": Profile("fearful", "high fear of movement: low tolerance, slow gains, "
                       "pain rises after some sessions", capacity0=0.8, growth=0.01,
                       pain_base=5.0, met_p=0.9, rise_p=0.3, post_rise=2),
}


@dataclass(frozen=True, slots=True)
class SimSession:
    """A simulated session, shaped like telemetry.records.SessionRecord."""

    exercise: str
    started_at: datetime
    completed: bool
    quota_met: bool
    pain_pre: int | None
    pain_post: int | None
    summary: Mapping[str, Any]
    dose: Mapping[str, Any]
    session_id: str = ""
    pain_in_session_max: int | None = None
    pain_pauses: int = 0


@dataclass(frozen=True, slots=True)
class SimCheckin:
    phase: str
    at: datetime
    answers: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class SimStep:
    session: int  # 1-based
    day: date
    decision: DoseDecision
    dose: Mapping[str, Any]  # the progressed values and session minutes actually given
    pain_pre: int | None
    pain_post: int | None
    quota_met: bool
    easier: bool = False  # the pain before the session allowed only the easier session
    pain_in_session_max: int | None = None
    pain_pauses: int = 0
    reasons: tuple[str, ...] = ()  # the decision's reasons and today's gate

    def to_dict(self) -> dict[str, Any]:
        return {"session": self.session, "date": self.day.isoformat(), "dose": dict(self.dose),
                "reasons": list(self.reasons or self.decision.reasons),
                "flags": [{"kind": f.kind, "message": f.message} for f in self.decision.flags],
                "pain_pre": self.pain_pre, "pain_in_session_max": self.pain_in_session_max,
                "pain_pauses": self.pain_pauses, "pain_post": self.pain_post,
                "quota_met": self.quota_met, "easier": self.easier}


_WEEKDAY_ORDER = (0, 2, 4, 1, 3, 5, 6)  # spread sessions over the week


def schedule(start: date, per_week: int, n: int) -> list[date]:
    """The first n session dates on fixed weekdays, `per_week` a week."""
    days = sorted(_WEEKDAY_ORDER[:per_week])
    monday = start - timedelta(days=start.weekday())
    out: list[date] = []
    week = 0
    while len(out) < n:
        for wd in days:
            d = monday + timedelta(days=7 * week + wd)
            if d >= start and len(out) < n:
                out.append(d)
        week += 1
    return out


def simulate(plan: Plan, profile: str | Profile, sessions: int, *, seed: int = 0,
             exercise: str | None = None, start: date = date(2026, 1, 5)) -> list[SimStep]:
    """Play `sessions` sessions of `exercise` (default: the plan's first) for a profile."""
    prof = PROFILES[profile] if isinstance(profile, str) else profile
    ex = exercise or plan.exercises[0]
    if ex not in plan.exercises:
        raise KeyError(f"the plan does not enable {ex!r}")
    if sessions < 1:
        raise ValueError(f"sessions must be at least 1, got {sessions}")
    rng = np.random.default_rng(seed)
    ranges = plan.ranges(ex)
    progressed = plan.progressed(ex)
    cap0 = {k: (ranges[k].start * prof.capacity0 if HARDER[ex][k] > 0
                else ranges[k].start / prof.capacity0) for k in progressed}
    dates = schedule(start, plan.model.plan.sessions_per_week, sessions)
    history: list[SimSession] = []
    checkins: list[SimCheckin] = []
    steps: list[SimStep] = []
    last_day = start - timedelta(days=1)
    for i, day in enumerate(dates):
        # Daily pain on every day up to this one (the patient rates each morning).
        d = last_day + timedelta(days=1)
        pain_today = 0
        while d <= day:
            k = (d - start).days
            pain = prof.pain_base + rng.integers(-1, 2)
            if prof.flare_days and prof.flare_days[0] <= k < prof.flare_days[1]:
                pain += prof.flare_extra
            pain_today = int(np.clip(round(pain), 0, 10))
            checkins.append(SimCheckin("daily", _at(d, 8), {"pain": pain_today}))
            d += timedelta(days=1)
        last_day = day
        decision = next_dose(plan, history, checkins, on=day, pre_pain=pain_today)
        dose = decision.dose(ex)
        grown = (1 + prof.growth) ** i * (1 + rng.uniform(-prof.day_noise, prof.day_noise))
        cap = {k: (v * grown if HARDER[ex][k] > 0 else v / grown) for k, v in cap0.items()}
        within = all((getattr(dose, k) - cap[k]) * HARDER[ex][k] <= 1e-9 for k in progressed)
        met = within and bool(rng.uniform() < prof.met_p)
        rise = prof.post_rise if rng.uniform() < prof.rise_p else 0
        post = int(np.clip(pain_today + rise, 0, 10))
        # Every session has a fixed quota: it stops at the quota, or short of it.
        achieved = {k: (min if HARDER[ex][k] > 0 else max)(getattr(dose, k), cap[k])
                    for k in progressed}
        steps.append(_play(plan, ex, i + 1, day, decision, history, pain_today, post, post,
                           met, achieved))
    return steps


def _play(plan: Plan, ex: str, number: int, day: date, decision: DoseDecision,
          history: list[SimSession], pre: int | None, in_max: int | None, post: int | None,
          met: bool, achieved: Mapping[str, float]) -> SimStep:
    """Record one session the way the game would: the pre-session gate (easier only at the
    stop level), the in-session pain pause, and what the session achieved."""
    limits = PainLimits.from_plan(plan)
    gate = pre_session_gate(pre, limits)
    session = decision.session
    reasons = list(decision.reasons)
    if not gate.full_allowed:
        session = replace(session, **easier_values(session))  # type: ignore[arg-type]  # its fields
        reasons.append(gate.reason)
    dose = decision.dose(ex)
    pauses = 1 if in_max is not None and in_session_reasons(in_max, pre, limits) else 0
    given: dict[str, Any] = {k: getattr(dose, k) for k in plan.progressed(ex)}
    given["session_minutes"] = session.session_minutes
    summary: dict[str, Any] = {"quota_met": met, "achieved": dict(achieved),
                               "pain_pauses": pauses}
    history.append(SimSession(ex, _at(day, 10), True, met, pre, post, summary,
                              {ex: dict(given), "session": {
                                  "session_minutes": session.session_minutes}},
                              session_id=f"sim-{number}", pain_in_session_max=in_max,
                              pain_pauses=pauses))
    return SimStep(number, day, decision, given, pre, post, met, not gate.full_allowed,
                   in_max, pauses, tuple(reasons))


# ------------------------------------------------------------- scripted patients
class PainScriptError(ValueError):
    """A pain script that cannot be used; `str()` is one line naming the row and column."""


@dataclass(frozen=True, slots=True)
class ScriptRow:
    """One scripted session: its pain answers (None = not answered) and how it went."""

    session: int
    pain_pre: int | None
    pain_in_session_max: int | None
    pain_pauses: int
    pain_post: int | None
    quota_met: bool
    success_rate: float | None = None


SCRIPT_COLUMNS = ("session", "pain_pre", "pain_in_session_max", "pain_pauses", "pain_post",
                  "quota_met")
MAX_SCRIPT_ROWS = 2000


def parse_pain_script(text: str, source: str = "<script>") -> list[ScriptRow]:
    """Read a pain script CSV (header: session, pain_pre, pain_in_session_max, pain_pauses,
    pain_post, quota_met[, success_rate]); blank pain cells are missing answers.
    Raises PainScriptError (one line naming the line and column)."""
    import csv
    import io

    reader = csv.reader(io.StringIO(text))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise PainScriptError(f"{source}: empty file; expected a header line "
                              f"{','.join(SCRIPT_COLUMNS)}") from None
    except csv.Error as exc:
        raise PainScriptError(f"{source}: line 1: not CSV: {exc}") from None
    missing = [c for c in SCRIPT_COLUMNS if c not in header]
    unknown = [c for c in header if c not in (*SCRIPT_COLUMNS, "success_rate")]
    if missing or unknown:
        what = (f"missing column(s) {', '.join(missing)}" if missing
                else f"unknown column(s) {', '.join(repr(c) for c in unknown)}")
        raise PainScriptError(f"{source}: line 1: {what}; expected "
                              f"{','.join(SCRIPT_COLUMNS)}[,success_rate]")
    rows: list[ScriptRow] = []
    try:
        for cells in reader:
            line = reader.line_num
            if not any(c.strip() for c in cells):
                continue
            if len(cells) != len(header):
                raise PainScriptError(f"{source}: line {line}: {len(cells)} cells, the header "
                                      f"has {len(header)}")
            if len(rows) >= MAX_SCRIPT_ROWS:
                raise PainScriptError(f"{source}: line {line}: more than {MAX_SCRIPT_ROWS} "
                                      f"sessions")
            rows.append(_row(dict(zip(header, (c.strip() for c in cells), strict=True)),
                             line, source))
    except csv.Error as exc:
        raise PainScriptError(f"{source}: line {reader.line_num}: not CSV: {exc}") from None
    if not rows:
        raise PainScriptError(f"{source}: no sessions after the header")
    for i, r in enumerate(rows, start=1):
        if r.session != i:
            raise PainScriptError(f"{source}: session numbers must run 1, 2, 3... in order; "
                                  f"row {i} says {r.session}")
    return rows


def _row(cells: Mapping[str, str], line: int, source: str) -> ScriptRow:
    def whole(col: str, lo: int, hi: int, blank_ok: bool) -> int | None:
        v = cells[col]
        if v == "":
            if blank_ok:
                return None
            raise PainScriptError(f"{source}: line {line}: {col}: a value is required")
        if not re.fullmatch(r"[0-9]{1,6}", v):
            raise PainScriptError(f"{source}: line {line}: {col}: expected a whole number "
                                  f"{lo}-{hi}, got {v[:20]!r}")
        n = int(v)
        if not lo <= n <= hi:
            raise PainScriptError(f"{source}: line {line}: {col}: {n} is outside {lo}-{hi}")
        return n

    session = whole("session", 1, MAX_SCRIPT_ROWS, False)
    met = whole("quota_met", 0, 1, False)
    rate: float | None = None
    if cells.get("success_rate", "") != "":
        try:
            rate = float(cells["success_rate"])
        except ValueError:
            rate = math.nan
        if not 0.0 <= rate <= 1.0:  # NaN fails too
            raise PainScriptError(f"{source}: line {line}: success_rate: expected a number "
                                  f"0-1, got {cells['success_rate'][:20]!r}")
    return ScriptRow(session=int(session or 0), pain_pre=whole("pain_pre", 0, 10, True),
                     pain_in_session_max=whole("pain_in_session_max", 0, 10, True),
                     pain_pauses=int(whole("pain_pauses", 0, 100, True) or 0),
                     pain_post=whole("pain_post", 0, 10, True), quota_met=bool(met),
                     success_rate=rate)


def simulate_script(plan: Plan, rows: list[ScriptRow], *, exercise: str | None = None,
                    start: date = date(2026, 1, 5)) -> list[SimStep]:
    """Play the plan's rules against a scripted patient: one session a day from `start`,
    each decided (with its pre-session pain) before it is played."""
    ex = exercise or plan.exercises[0]
    if ex not in plan.exercises:
        raise KeyError(f"the plan does not enable {ex!r}")
    history: list[SimSession] = []
    steps: list[SimStep] = []
    for row in rows:
        day = start + timedelta(days=row.session - 1)
        decision = next_dose(plan, history, [], on=day, pre_pain=row.pain_pre)
        dose = decision.dose(ex)
        rate = row.success_rate if row.success_rate is not None else \
            (1.0 if row.quota_met else 0.5)
        achieved = {k: (getattr(dose, k) * rate if k in ("repetitions", "objects")
                        else getattr(dose, k)) for k in plan.progressed(ex)}
        step = _play(plan, ex, row.session, day, decision, history, row.pain_pre,
                     row.pain_in_session_max, row.pain_post, row.quota_met, achieved)
        if row.pain_pauses != step.pain_pauses:  # the script says what happened
            last = history[-1]
            history[-1] = replace(last, pain_pauses=row.pain_pauses,
                                  summary={**last.summary, "pain_pauses": row.pain_pauses})
            step = replace(step, pain_pauses=row.pain_pauses)
        steps.append(step)
    return steps


def _at(d: date, hour: int) -> datetime:
    return datetime.combine(d, time(hour), tzinfo=timezone.utc)


# ------------------------------------------------------------- a real patient, forward
# What the patient does in the simulated sessions after today (the dashboard's "simulate
# for this patient from today"). Each is a plain assumption the therapist picks, stated in
# words next to the result; none is a prediction.
FORWARD_SCENARIOS: dict[str, str] = {
    "as_recently": "goes on as in their last 3 sessions (same pain answers, same quota met)",
    "steady": "meets every quota; pain stays at their latest answer",
    "pain_rises": "pain one point higher each session; the quota is still met",
}


def forward_rows(history: Sequence[SessionLike], exercise: str, scenario: str,
                 sessions: int) -> list[ScriptRow]:
    """The scripted future sessions of `scenario` (FORWARD_SCENARIOS), built from the
    patient's real sessions of `exercise` (none yet: pain 3, quota met)."""
    if scenario not in FORWARD_SCENARIOS:
        raise KeyError(f"unknown scenario {scenario!r}; expected one of "
                       f"{', '.join(FORWARD_SCENARIOS)}")
    recent = [h for h in history if h.exercise == exercise][-3:]
    seen = [(h.pain_pre, getattr(h, "pain_in_session_max", None), h.pain_post, h.quota_met)
            for h in recent] or [(3, None, 3, True)]
    last = next((p for p in (seen[-1][0], seen[-1][2]) if p is not None), 3)
    rows = []
    for i in range(sessions):
        if scenario == "as_recently":
            pre, in_max, post, met = seen[i % len(seen)]
        elif scenario == "steady":
            pre, in_max, post, met = last, None, last, True
        else:
            pre = min(10, last + i + 1)
            in_max, post, met = None, pre, True
        rows.append(ScriptRow(session=i + 1, pain_pre=pre, pain_in_session_max=in_max,
                              pain_pauses=0, pain_post=post, quota_met=bool(met)))
    return rows


def simulate_forward(plan: Plan, history: Sequence[SessionLike],
                     check_ins: Sequence[CheckinLike], rows: Sequence[ScriptRow], *,
                     start: date, exercise: str | None = None) -> list[SimStep]:
    """The plan's rules on a REAL patient: their stored sessions and check-ins first, then
    the scripted `rows` on the plan's weekdays from `start` (today), each decided with its
    pre-session pain before it is played. The real history is only read."""
    ex = exercise or plan.exercises[0]
    if ex not in plan.exercises:
        raise KeyError(f"the plan does not enable {ex!r}")
    played: list[Any] = list(history)
    dates = schedule(start, plan.model.plan.sessions_per_week, len(rows))
    steps: list[SimStep] = []
    for row, day in zip(rows, dates, strict=True):
        decision = next_dose(plan, played, check_ins, on=day, pre_pain=row.pain_pre)
        dose = decision.dose(ex)
        achieved = {k: (getattr(dose, k) if row.quota_met or k not in ("repetitions", "objects")
                        else getattr(dose, k) * 0.5) for k in plan.progressed(ex)}
        steps.append(_play(plan, ex, row.session, day, decision, played, row.pain_pre,
                           row.pain_in_session_max, row.pain_post, row.quota_met, achieved))
    return steps
