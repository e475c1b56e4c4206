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
probability `rise_p`. Sessions are scheduled on fixed weekdays to match
the plan's sessions_per_week; dates start on `start` (a Monday). Pure: no
clock, no disk; a seed gives the same run.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

import numpy as np

from exercises.plans import HARDER, Plan
from exercises.progression import DoseDecision, next_dose


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
    pain_pre: int
    pain_post: int
    quota_met: bool

    def to_dict(self) -> dict[str, Any]:
        return {"session": self.session, "date": self.day.isoformat(), "dose": dict(self.dose),
                "reasons": list(self.decision.reasons),
                "flags": [{"kind": f.kind, "message": f.message} for f in self.decision.flags],
                "pain_pre": self.pain_pre, "pain_post": self.pain_post,
                "quota_met": self.quota_met}


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
        decision = next_dose(plan, history, checkins, on=day)
        dose = decision.dose(ex)
        grown = (1 + prof.growth) ** i * (1 + rng.uniform(-prof.day_noise, prof.day_noise))
        cap = {k: (v * grown if HARDER[ex][k] > 0 else v / grown) for k, v in cap0.items()}
        within = all((getattr(dose, k) - cap[k]) * HARDER[ex][k] <= 1e-9 for k in progressed)
        met = within and bool(rng.uniform() < prof.met_p)
        rise = prof.post_rise if rng.uniform() < prof.rise_p else 0
        post = int(np.clip(pain_today + rise, 0, 10))
        # Tolerance sessions go as far as capacity allows; quota sessions stop at the quota.
        achieved = {k: cap[k] if decision.phase[ex] == "baseline" else
                    (min if HARDER[ex][k] > 0 else max)(getattr(dose, k), cap[k])
                    for k in progressed}
        summary: dict[str, Any] = {"quota_met": met, "achieved": achieved}
        given = {k: getattr(dose, k) for k in progressed}
        given["session_minutes"] = decision.session.session_minutes
        history.append(SimSession(ex, _at(day, 10), True, met, pain_today, post, summary,
                                  {ex: dict(given), "session": {
                                      "session_minutes": decision.session.session_minutes}}))
        steps.append(SimStep(i + 1, day, decision, given, pain_today, post, met))
    return steps


def _at(d: date, hour: int) -> datetime:
    return datetime.combine(d, time(hour), tzinfo=timezone.utc)
