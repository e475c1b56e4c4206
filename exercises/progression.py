"""Between sessions: graded activity, the dose for the next session and why.

Role: `next_dose(plan, history, check_ins, on=...)` replays the patient's
history against the plan's rules and returns a `DoseDecision` (the dose
dataclasses of exercises/doses.py, the reasons in plain words, the flags for
the therapist). `todays_dose(...)` is what the game calls: the same decision
for one exercise, optionally made EASIER for today by the patient (never
harder than the plan).

Rules (CLINICAL.md section 4; numbers come from the plan's [progression]):
  * Baseline: each exercise's first `baseline_sessions` sessions are tolerance
    sessions at the plan's start values. The baseline of a progressed field
    is the mean of what was achieved (hits for repetition counts, the
    session's final value for staircase-moved fields, else the dose given).
    The quota then starts at `start_fraction` of it (for a field where
    smaller is harder, baseline / start_fraction), on the plan's step grid.
  * Weekly raise, time-contingent: weeks run from the first progressing
    session in blocks of `week_days`. When a week closes, if it had at least
    `min_sessions_per_week` sessions and every one met its quota with pain
    (post - pre) within `max_pain_rise`, and there is no flare, each
    progressed field rises by `weekly_increase` of its value (at least one
    step), never past the plan's max. A good day never earns extra: the
    quota is the quota.
  * Flare: the patient's daily pain (mean of "daily"/"pre" ratings per day)
    is `flare_rise` or more above the personal baseline (mean pain of the
    tolerance period) on each of the last `flare_days` rated days. A new
    flare drops every progressed field one step and holds it for
    `flare_hold_sessions` sessions; flag "flare".
  * Plateau: `plateau_weeks` weeks with enough sessions but no raise while
    below the max; flag "plateau".
Pure and deterministic: dates come from the records (and `on`, the date of
the coming session, which the caller passes); never the clock.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, is_dataclass
from datetime import date, time, timedelta
from typing import Any, Literal, Protocol

from exercises.doses import SessionDose, make_dose
from exercises.plans import HARDER, Plan, Range

Phase = Literal["baseline", "progressing", "hold"]
PAIN_PHASES = ("daily", "pre")


class SessionLike(Protocol):
    """What the engine reads of a stored session (telemetry.records.SessionRecord)."""

    @property
    def exercise(self) -> str: ...
    @property
    def started_at(self) -> Any: ...  # datetime
    @property
    def completed(self) -> bool: ...
    @property
    def quota_met(self) -> bool: ...
    @property
    def pain_pre(self) -> int | None: ...
    @property
    def pain_post(self) -> int | None: ...
    @property
    def summary(self) -> Mapping[str, Any]: ...
    @property
    def dose(self) -> Mapping[str, Any]: ...


class CheckinLike(Protocol):
    """What the engine reads of a check-in (telemetry.records.CheckinRecord)."""

    @property
    def phase(self) -> str: ...
    @property
    def at(self) -> Any: ...  # datetime
    @property
    def answers(self) -> Mapping[str, int]: ...


@dataclass(frozen=True, slots=True)
class Flag:
    """Something the therapist should look at (kind: "flare", "plateau")."""

    kind: str
    message: str
    evidence: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DoseDecision:
    """The dose for the next session, with reasons and flags.

    `doses` maps each enabled exercise to its dose dataclass; `session` is the
    SessionDose. `phase` is per exercise.
    """

    session: SessionDose
    doses: Mapping[str, Any]
    reasons: tuple[str, ...]
    flags: tuple[Flag, ...]
    phase: Mapping[str, Phase]

    def dose(self, exercise: str) -> Any:
        if exercise not in self.doses:
            raise KeyError(f"the plan does not enable {exercise!r}; it enables "
                           f"{', '.join(self.doses)}")
        return self.doses[exercise]

    def to_dict(self) -> dict[str, Any]:
        return {"session": _plain(self.session),
                "doses": {k: _plain(v) for k, v in self.doses.items()},
                "reasons": list(self.reasons),
                "flags": [{"kind": f.kind, "message": f.message, "evidence": dict(f.evidence)}
                          for f in self.flags],
                "phase": dict(self.phase)}


def _plain(obj: Any) -> dict[str, Any]:
    d = asdict(obj) if is_dataclass(obj) else dict(obj)
    return {k: list(v) if isinstance(v, tuple) else v for k, v in d.items()}


# ------------------------------------------------------------ presentation
def fmt_value(name: str, value: float) -> str:
    """A dose value the way a therapist reads it."""
    if name == "reach_fraction":
        return f"{value * 100:.0f} %"
    if name.endswith("_s"):
        return f"{value:g} s"
    if name == "session_minutes":
        return f"{value:g} min"
    if name == "tempo_hz":
        return f"{value:g} Hz"
    return f"{value:g}"


_SHORT = {"reach_fraction": "reach", "repetitions": "repetitions", "target_radius": "target size",
          "session_minutes": "session", "set_s": "set length", "tempo_hz": "tempo",
          "min_range": "opening range", "object_radius": "object size",
          "inter_target_s": "pause between targets", "hold_s": "hold"}


def label(name: str) -> str:
    return _SHORT.get(name, name.replace("_", " "))


# ---------------------------------------------------------------- the state
@dataclass
class _ExerciseState:
    exercise: str
    ranges: dict[str, Range]
    progressed: tuple[str, ...]
    values: dict[str, float]
    played: int = 0
    phase: Phase = "baseline"
    tolerance: list[SessionLike] = field(default_factory=list)
    week_start: date | None = None
    week: list[SessionLike] = field(default_factory=list)
    hold_left: int = 0
    weeks_without_raise: int = 0


_Cutoff = tuple[date, time]


def _key(dt: Any) -> _Cutoff:
    """Order records by local wall date and time (timezone-aware or not)."""
    return (dt.date(), dt.time().replace(tzinfo=None)) if hasattr(dt, "time") else (dt, time.max)


def _day(dt: Any) -> date:
    return dt.date() if hasattr(dt, "date") else dt


def _achieved(exercise: str, name: str, rec: SessionLike) -> float:
    summary = rec.summary or {}
    explicit = summary.get("achieved")
    if isinstance(explicit, Mapping) and _num(explicit.get(name)):
        return float(explicit[name])
    if name in ("repetitions", "objects") and _num(summary.get("hits")):
        return float(summary["hits"])
    if _num(summary.get(name)):
        return float(summary[name])
    given = (rec.dose or {}).get(exercise, {})
    if isinstance(given, Mapping) and _num(given.get(name)):
        return float(given[name])
    return math.nan


def _num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _step_once(r: Range, value: float, direction: int) -> float:
    return r.snap(value + direction * r.step)


def _raise(r: Range, value: float, harder: int, fraction: float) -> float:
    """Raise by `fraction` of the value, at least one step, on the grid, within bounds."""
    amount = max(r.step, abs(value) * fraction)
    target = value + harder * amount
    snapped = r.snap(target)
    if snapped == r.snap(value):  # rounding fell back: take one whole step
        snapped = _step_once(r, value, harder)
    return snapped


class _Engine:
    def __init__(self, plan: Plan, history: Sequence[SessionLike],
                 check_ins: Sequence[CheckinLike]) -> None:
        self.plan = plan
        self.rule = plan.progression
        self.history = sorted((s for s in history if s.exercise in plan.exercises),
                              key=lambda s: (s.started_at, str(getattr(s, "session_id", ""))))
        self.check_ins = list(check_ins)
        self._pain = self._pain_readings()
        self._pain_keys = [r[0] for r in self._pain]
        self.states: dict[str, _ExerciseState] = {}
        for ex in ("session", *plan.exercises):
            ranges = plan.ranges(ex)
            self.states[ex] = _ExerciseState(
                ex, ranges, plan.progressed(ex), {k: r.start for k, r in ranges.items()})
        self.reasons: list[str] = []
        self.flags: dict[str, Flag] = {}
        self.pain_baseline: float | None = None
        self.in_flare = False
        self.played = 0

    # ----------------------------------------------------------- pain/flare
    def _pain_readings(self) -> list[tuple[_Cutoff, date, int]]:
        """Every pain rating that describes a day, oldest first: daily and pre-session
        check-ins, and a session's own pre pain when no pre check-in exists that day."""
        out = [(_key(c.at), _day(c.at), int(c.answers["pain"])) for c in self.check_ins
               if c.phase in PAIN_PHASES and "pain" in c.answers]
        pre_days = {_day(c.at) for c in self.check_ins if c.phase == "pre" and "pain" in c.answers}
        out += [(_key(s.started_at), _day(s.started_at), int(s.pain_pre)) for s in self.history
                if s.pain_pre is not None and _day(s.started_at) not in pre_days]
        return sorted(out)

    def _daily_pain(self, until: _Cutoff, last: int | None = None) -> list[tuple[date, float]]:
        """Mean pain per day from ratings up to `until` (only the `last` days if given)."""
        end = bisect_right(self._pain_keys, until)
        per_day: dict[date, list[int]] = {}
        for i in range(end - 1, -1, -1):
            d = self._pain[i][1]
            if last is not None and d not in per_day and len(per_day) == last:
                break
            per_day.setdefault(d, []).append(self._pain[i][2])
        return sorted((d, sum(v) / len(v)) for d, v in per_day.items())

    def _set_pain_baseline(self, until: _Cutoff) -> None:
        days = self._daily_pain(until)
        if days:
            self.pain_baseline = sum(v for _, v in days) / len(days)

    def _check_flare(self, until: _Cutoff) -> None:
        if self.pain_baseline is None:
            return
        n = self.rule.flare_days
        recent = self._daily_pain(until, last=n)
        threshold = self.pain_baseline + self.rule.flare_rise
        flare = len(recent) == n and all(v >= threshold for _, v in recent)
        if flare and not self.in_flare:
            self._start_flare(recent, threshold)
        self.in_flare = flare

    def _start_flare(self, recent: list[tuple[date, float]], threshold: float) -> None:
        vals = ", ".join(f"{v:g} on {d.isoformat()}" for d, v in recent)
        hold = self.rule.flare_hold_sessions
        msg = (f"flare: pain {vals} is {self.rule.flare_rise} or more above the personal "
               f"baseline {self.pain_baseline:.1f}")
        dropped = []
        for st in self.states.values():
            if st.phase == "baseline" or not st.progressed:
                continue
            for name in st.progressed:
                r = st.ranges[name]
                old = st.values[name]
                st.values[name] = _step_once(r, old, -HARDER[st.exercise][name])
                dropped.append(f"{label(name)} {fmt_value(name, old)} -> "
                               f"{fmt_value(name, st.values[name])}")
            st.phase = "hold"
            st.hold_left = hold
            st.week_start, st.week = None, []
        action = (f"one level down ({'; '.join(dropped)}), held for {hold} sessions"
                  if dropped else "no quota to drop yet")
        self.reasons.append(f"{msg}: {action}")
        self.flags["flare"] = Flag("flare", f"{msg}; {action}. Please review the plan.",
                                   {"days": [d.isoformat() for d, _ in recent],
                                    "values": [v for _, v in recent],
                                    "baseline": self.pain_baseline, "threshold": threshold})

    # -------------------------------------------------------------- weeks
    def _session_ok(self, s: SessionLike) -> tuple[bool, bool]:
        """(quota met, pain within limits)."""
        met = bool(s.completed and s.quota_met)
        pain_ok = (s.pain_pre is None or s.pain_post is None
                   or s.pain_post - s.pain_pre <= self.rule.max_pain_rise)
        return met, pain_ok

    def _close_weeks(self, st: _ExerciseState, d: date) -> None:
        step = timedelta(days=self.rule.week_days)
        while st.week_start is not None and st.week_start + step <= d:
            self._evaluate_week(st)
            st.week_start += step
            st.week = []

    def _evaluate_week(self, st: _ExerciseState) -> None:
        if not st.progressed:
            return  # a fixed dose: nothing to raise or hold
        rule = self.rule
        n = len(st.week)
        oks = [self._session_ok(s) for s in st.week]
        met = sum(1 for q, p in oks if q and p)
        quota = sum(1 for q, _ in oks if q)
        pain_bad = sum(1 for _, p in oks if not p)
        ex = st.exercise
        at_max = all(st.values[k] == st.ranges[k].snap(
            st.ranges[k].max if HARDER[ex][k] > 0 else st.ranges[k].min) for k in st.progressed)
        if n < rule.min_sessions_per_week:
            self.reasons.append(f"{ex}: held: {n} session(s) this week, the plan asks at least "
                                f"{rule.min_sessions_per_week} before a rise")
            return
        if at_max:
            self.reasons.append(f"{ex}: held at the plan's maximum ("
                                + ", ".join(f"{label(k)} {fmt_value(k, st.values[k])}"
                                            for k in st.progressed) + ")")
            st.weeks_without_raise = 0
            return
        if self.in_flare:
            self.reasons.append(f"{ex}: held: pain is in a flare")
            st.weeks_without_raise += 1
            return
        if met == n:
            changes = []
            for k in st.progressed:
                old = st.values[k]
                st.values[k] = _raise(st.ranges[k], old, HARDER[ex][k], rule.weekly_increase)
                if st.values[k] != old:
                    changes.append(f"{label(k)} {fmt_value(k, old)} -> "
                                   f"{fmt_value(k, st.values[k])}")
            self.reasons.append(f"{ex}: {', '.join(changes)}: quota met in {met} of {n} "
                                f"sessions this week, pain within limits")
            st.weeks_without_raise = 0
            self.flags.pop("plateau:" + ex, None)
            return
        why = []
        if quota < n:
            why.append(f"quota met in {quota} of {n} sessions this week")
        if pain_bad:
            why.append(f"pain rose more than {rule.max_pain_rise} in {pain_bad} of {n} sessions")
        self.reasons.append(f"{ex}: held: {'; '.join(why)}")
        st.weeks_without_raise += 1
        if st.weeks_without_raise >= rule.plateau_weeks:
            self.flags["plateau:" + ex] = Flag(
                "plateau", f"{ex}: no rise for {st.weeks_without_raise} weeks "
                f"({'; '.join(why)}); the quota may be too high or the plan needs review",
                {"exercise": ex, "weeks": st.weeks_without_raise})

    # ------------------------------------------------------------- timeline
    def advance(self, d: date) -> None:
        for st in self.states.values():
            if st.phase == "progressing":
                self._close_weeks(st, d)

    def play(self, s: SessionLike) -> None:
        d = _day(s.started_at)
        st = self.states[s.exercise]
        st.played += 1
        if st.phase == "baseline":
            st.tolerance.append(s)
            if len(st.tolerance) >= self.rule.baseline_sessions:
                self._finish_baseline(st, d)
        elif st.phase == "hold":
            st.hold_left -= 1
            if st.hold_left <= 0:
                st.phase = "progressing"
                self.reasons.append(f"{st.exercise}: flare hold over; weekly rule resumes")
        else:
            if st.week_start is None:
                st.week_start = d
            st.week.append(s)
        self.played += 1
        if self.pain_baseline is None and self.played >= self.rule.baseline_sessions:
            # the tolerance period (to the end of its last day) sets the personal baseline
            self._set_pain_baseline((d, time.max))

    def _finish_baseline(self, st: _ExerciseState, d: date) -> None:
        ex, rule = st.exercise, self.rule
        parts = []
        for k in st.progressed:
            got = [v for v in (_achieved(ex, k, s) for s in st.tolerance) if not math.isnan(v)]
            r = st.ranges[k]
            base = sum(got) / len(got) if got else r.start
            level = base * rule.start_fraction if HARDER[ex][k] > 0 else base / rule.start_fraction
            st.values[k] = r.snap(level)
            shown = round(base, 1) if base >= 2 else round(base, 3)
            parts.append(f"{label(k)} baseline {fmt_value(k, shown)} -> "
                         f"{fmt_value(k, st.values[k])}")
        st.phase = "progressing"
        n = len(st.tolerance)
        if not parts:
            self.reasons.append(f"{ex}: {n} tolerance session(s) done; the plan keeps a fixed "
                                f"dose for {ex}")
            return
        self.reasons.append(f"{ex}: baseline from {n} tolerance session(s): {'; '.join(parts)} "
                            f"({rule.start_fraction * 100:.0f} % of baseline)")

    def decision(self) -> DoseDecision:
        def build(ex: str) -> Any:
            st = self.states[ex]
            vals: dict[str, Any] = {}
            for k, v in st.values.items():
                vals[k] = round(v) if isinstance(st.ranges[k].start, int) else float(v)
            vals.update(self.plan.fixed(ex))
            return make_dose(ex, **vals)

        session = build("session")
        doses = {ex: build(ex) for ex in self.plan.exercises}
        phase = {ex: self.states[ex].phase for ex in self.plan.exercises}
        holding = self.in_flare or any(st.phase == "hold" for st in self.states.values())
        flags = tuple(f for k, f in self.flags.items() if k != "flare" or holding)
        return DoseDecision(session, doses, tuple(self.reasons), flags, phase)

    def status(self, on: date) -> None:
        """A plain line per exercise played (or every one, before any) when nothing changed."""
        played = [ex for ex in self.plan.exercises if self.states[ex].played]
        for ex in played or self.plan.exercises:
            st = self.states[ex]
            vals = ", ".join(f"{label(k)} {fmt_value(k, st.values[k])}" for k in st.progressed)
            if st.phase != "baseline" and not st.progressed:
                self.reasons.append(f"{ex}: fixed dose (the plan progresses nothing for {ex})")
            elif st.phase == "baseline":
                n = self.rule.baseline_sessions
                self.reasons.append(f"{ex}: tolerance session {len(st.tolerance) + 1} of {n} "
                                    f"at the plan's start values (the baseline is set after "
                                    f"session {n})")
            elif st.phase == "hold":
                self.reasons.append(f"{ex}: held after a flare at {vals} "
                                    f"({st.hold_left} session(s) left)")
            elif st.week_start is None:
                self.reasons.append(f"{ex}: quota {vals}; a new week starts with this session")
            else:
                end = st.week_start + timedelta(days=self.rule.week_days)
                self.reasons.append(f"{ex}: quota {vals} until the week closes on "
                                    f"{end.isoformat()} ({len(st.week)} session(s) so far)")


def next_dose(plan: Plan, history: Sequence[SessionLike], check_ins: Sequence[CheckinLike] = (),
              *, on: date | None = None) -> DoseDecision:
    """The dose for the next session.

    Args:
        plan: the patient's validated plan.
        history: the patient's sessions (any order; other exercises ignored).
        check_ins: the patient's check-ins (pain drives the flare rule).
        on: the date of the coming session; default the day after the latest
            record (sessions and check-ins), or today's nothing: the plan's start.
    Returns:
        DoseDecision with the reasons produced since the last session.
    """
    eng = _Engine(plan, history, check_ins)
    days = [_day(s.started_at) for s in eng.history] + [_day(c.at) for c in eng.check_ins]
    if on is None:
        on = max(days) + timedelta(days=1) if days else date(1970, 1, 1)
    for i, s in enumerate(eng.history):
        eng.advance(_day(s.started_at))
        eng._check_flare(_key(s.started_at))  # what was known before the session
        if i == len(eng.history) - 1:
            eng.reasons = []  # the rest is what this decision is about
        eng.play(s)
    eng.advance(on)
    eng._check_flare((on, time.max))
    if not eng.reasons:
        eng.status(on)
    return eng.decision()


# ----------------------------------------------------------- easier today
class HarderThanPlan(ValueError):
    """The patient asked for something harder than the plan allows today."""


@dataclass(frozen=True)
class TodaysDose:
    """What the game plays today: doses, reasons, and the staircase's bounds."""

    session: SessionDose
    dose: Any
    reasons: tuple[str, ...]
    flags: tuple[Flag, ...]
    bounds: Mapping[str, tuple[float, float]]  # staircase bounds for the day
    decision: DoseDecision


def todays_dose(plan: Plan, history: Sequence[SessionLike], check_ins: Sequence[CheckinLike],
                exercise: str, *, on: date | None = None,
                easier: Mapping[str, float] | None = None) -> TodaysDose:
    """The plan's dose for `exercise` today, optionally made easier by the patient.

    `easier` maps dose field names (session or exercise, e.g. session_minutes,
    pace, repetitions, reach_fraction) to today's value; each must be no
    harder than the plan's (shorter, slower, fewer, nearer, bigger...) and
    above zero. Raises HarderThanPlan naming the field otherwise.
    """
    if exercise not in plan.exercises:
        raise KeyError(f"the plan does not enable {exercise!r}; it enables "
                       f"{', '.join(plan.exercises)}")
    decision = next_dose(plan, history, check_ins, on=on)
    session, dose = decision.session, decision.dose(exercise)
    reasons = list(decision.reasons)
    eased: dict[str, float] = {}
    for key, value in (easier or {}).items():
        target = "session" if key in HARDER["session"] else exercise
        if key not in HARDER[target]:
            raise HarderThanPlan(f"{key} cannot be changed for today; choose from "
                                 f"{', '.join([*HARDER['session'], *HARDER[exercise]])}")
        if not _num(value) or value <= 0 or (key == "pace" and value > 1):
            raise HarderThanPlan(f"{key} must be a number above 0 (pace at most 1), got {value!r}")
        current = getattr(session if target == "session" else dose, key)
        if (value - current) * HARDER[target][key] > 1e-12:
            raise HarderThanPlan(f"{key} {fmt_value(key, value)} is harder than the plan's "
                                 f"{fmt_value(key, current)} for today")
        kind = type(current)
        new = kind(round(value)) if kind is int else float(value)
        if new != current:
            eased[key] = new
            reasons.append(f"easier today at the patient's request: {label(key)} "
                           f"{fmt_value(key, current)} -> {fmt_value(key, new)}")
            if target == "session":
                session = _replace(session, key, new)
            else:
                dose = _replace(dose, key, new)
    ranges = plan.ranges(exercise)
    bounds: dict[str, tuple[float, float]] = {}
    for k in ("reach_fraction", "target_radius"):
        if k in ranges:
            r = ranges[k]
            lo, hi = r.min, r.max
            if k in eased:  # the staircase may not undo the patient's choice
                if HARDER[exercise][k] > 0:
                    hi = min(hi, eased[k])
                    lo = min(lo, hi)
                else:
                    lo = max(lo, eased[k])
                    hi = max(hi, lo)
            bounds[k] = (lo, hi)
    return TodaysDose(session, dose, tuple(reasons), decision.flags, bounds, decision)


def _replace(obj: Any, key: str, value: Any) -> Any:
    from dataclasses import replace

    return replace(obj, **{key: value})


__all__ = [
    "DoseDecision",
    "Flag",
    "HarderThanPlan",
    "TodaysDose",
    "fmt_value",
    "label",
    "next_dose",
    "todays_dose",
]
