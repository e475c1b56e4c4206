"""Between sessions: graded activity, the dose for the next session and why.

Role: `next_dose(plan, history, check_ins, on=..., pre_pain=...)` replays the
patient's history against the plan's rules and returns a `DoseDecision`
(the dose dataclasses of exercises/doses.py, the reasons in plain words,
the flags for the therapist, and every change the rules made with its
evidence). The in-session rules live in `in_session.py`, today's options
(full, easier, rest) in `today.py`; the pain predicates all come from
`pain.py`, so a rule is written once.

Rules (CLINICAL.md sections 4 and 4b; numbers from the plan):
  * Tolerance: each exercise's first sessions run at the plan's start values
    with no staircase. A tolerance session counts toward the baseline only
    when it was completed with every pain answer present and within limits;
    after `baseline_sessions` such sessions the baseline of a progressed
    field is the mean tolerated (hits for repetition counts, never more than
    the value given) and the quota starts at `start_fraction` of it,
    rounded to the easier side of the plan's step grid.
  * Weekly increase, time-contingent: weeks run from the first quota session
    in blocks of `week_days`. A week raises the dose only when it had at
    least `min_sessions_per_week` sessions, every one completed with its
    quota met and its pain within limits (`pain.session_verdict`: every
    answer present, none above the acceptable level, no rise above the
    allowed rise, no pain pause, the next session's start not worse by the
    margin), and there is no flare. Then ONE parameter rises by at most the
    rate, rounded down to its step (`weekly.choose_raise`).
  * Absolute level: an answer above the acceptable level in two sessions in a
    row drops every progressed field one level.
  * Next morning: pain at the start of today's session worse than at the
    start of the previous one by more than the plan's margin makes TODAY's
    session one level easier (the quota itself stays: the pain-monitoring
    model adjusts the next load; a swing within the margin is day-to-day
    noise, and a lasting rise is caught by the absolute level and the flare).
  * Flare: the daily pain (mean of "daily"/"pre" ratings per day) is
    `flare_rise` or more above the personal baseline on each of the last
    `flare_days` rated days: one level down, held for `flare_hold_sessions`
    COMPLETED sessions; flag "flare".
  * Plateau: `plateau_weeks` weeks with enough sessions but no rise while
    below the maximum; flag "plateau".
Pure and deterministic: dates come from the records and `on`; never the clock.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, is_dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Literal, Protocol

from exercises.doses import Dose, SessionDose, make_dose
from exercises.dosing.pain import PainLimits, SessionPain, session_verdict, worse_next_day
from exercises.dosing.weekly import at_limit, choose_raise
from exercises.dosing.words import change, fmt_value, label
from exercises.plans import HARDER, Plan, Range

Phase = Literal["baseline", "progressing", "hold"]
PAIN_PHASES = ("daily", "pre")


class SessionLike(Protocol):
    """What the engine reads of a stored session (telemetry.records.SessionRecord)."""

    @property
    def exercise(self) -> str: ...
    @property
    def started_at(self) -> datetime: ...
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
    def at(self) -> datetime: ...
    @property
    def answers(self) -> Mapping[str, int]: ...


@dataclass(frozen=True, slots=True)
class Flag:
    """Something the therapist should look at (kind: "flare", "plateau")."""

    kind: str
    message: str
    evidence: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class DoseChange:
    """One change the rules made to a progressed field, with what it rests on."""

    on: date
    exercise: str
    kind: Literal["baseline", "raise", "drop", "today"]  # today: this session only
    name: str
    old: float
    new: float
    reason: str
    week: tuple[date, date] | None = None  # [start, end) of the week a raise closed
    sessions: tuple[str, ...] = ()  # ids of the sessions the change rests on


@dataclass(frozen=True)
class DoseDecision:
    """The dose for the next session, with reasons and flags.

    `doses` maps each enabled exercise to its dose dataclass; `session` is the
    SessionDose. `phase` is per exercise. `changes` is every change the rules
    made over the whole history (oldest first), each with its evidence.
    """

    session: SessionDose
    doses: Mapping[str, Any]
    reasons: tuple[str, ...]
    flags: tuple[Flag, ...]
    phase: Mapping[str, Phase]
    changes: tuple[DoseChange, ...] = ()
    limits: PainLimits = field(default_factory=PainLimits)

    def dose(self, exercise: str) -> Dose:
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
    d = asdict(obj) if is_dataclass(obj) and not isinstance(obj, type) else dict(obj)
    return {k: list(v) if isinstance(v, tuple) else v for k, v in d.items()}


# ---------------------------------------------------------------- the state
@dataclass
class _Played:
    record: SessionLike
    index: int  # position in the engine's history (for the next session's pre pain)

    @property
    def sid(self) -> str:
        return _sid(self.record)


def _sid(s: SessionLike) -> str:
    return str(getattr(s, "session_id", None) or s.started_at)


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
    week: list[_Played] = field(default_factory=list)
    hold_left: int = 0
    weeks_without_raise: int = 0
    weeks_since_rise: dict[str, int] = field(default_factory=dict)
    turn: int = 0


_Cutoff = tuple[date, time]


def _key(dt: Any) -> _Cutoff:
    """Order records by local wall date and time (timezone-aware or not)."""
    return (dt.date(), dt.time().replace(tzinfo=None)) if hasattr(dt, "time") else (dt, time.max)


def _day(dt: Any) -> date:
    return dt.date() if hasattr(dt, "date") else dt


def _num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _given(exercise: str, name: str, rec: SessionLike) -> float:
    given = (rec.dose or {}).get(exercise, {})
    if isinstance(given, Mapping) and _num(given.get(name)):
        return float(given[name])
    return math.nan


def _achieved(exercise: str, name: str, rec: SessionLike) -> float:
    """What the session achieved of a progressed field (explicit `achieved`, hits for a
    count, the summary's value, else the dose given)."""
    summary = rec.summary or {}
    explicit = summary.get("achieved")
    if isinstance(explicit, Mapping) and _num(explicit.get(name)):
        return float(explicit[name])
    if name in ("repetitions", "objects") and _num(summary.get("hits")):
        return float(summary["hits"])
    if _num(summary.get(name)):
        return float(summary[name])
    return _given(exercise, name, rec)


def _step_once(r: Range, value: float, direction: int) -> float:
    return r.snap(value + direction * r.step)


def _snap_easier(r: Range, value: float, harder: int) -> float:
    """On the plan's grid, rounding toward the easier side (never harder than `value`)."""
    v = r.clamp(value)
    if r.max == r.min:
        return r.min
    k = (v - r.min) / r.step
    k = math.floor(k + 1e-9) if harder > 0 else math.ceil(k - 1e-9)
    out = r.clamp(round(r.min + k * r.step, 10))
    return round(out) if isinstance(r.step, int) and isinstance(r.min, int) else out


class _Engine:
    def __init__(self, plan: Plan, history: Sequence[SessionLike],
                 check_ins: Sequence[CheckinLike], pre_today: int | None) -> None:
        self.plan = plan
        self.rule = plan.progression
        self.limits = PainLimits.from_plan(plan)
        self.history = sorted((s for s in history if s.exercise in plan.exercises),
                              key=lambda s: (s.started_at, _sid(s)))
        self.pre_today = pre_today
        self.check_ins = list(check_ins)
        self._pain = self._pain_readings()
        self._pain_keys = [r[0] for r in self._pain]
        self.states: dict[str, _ExerciseState] = {}
        for ex in ("session", *plan.exercises):
            ranges = plan.ranges(ex)
            progressed = plan.progressed(ex)
            self.states[ex] = _ExerciseState(
                ex, ranges, progressed, {k: r.start for k, r in ranges.items()},
                weeks_since_rise={k: 0 for k in progressed})
        self.reasons: list[str] = []
        self.flags: dict[str, Flag] = {}
        self.changes: list[DoseChange] = []
        self.pain_baseline: float | None = None
        self.in_flare = False
        self.played = 0
        self.over_streak: list[str] = []  # consecutive sessions with an answer above acceptable
        self.today_values: dict[tuple[str, str], float] = {}  # today only (next-morning rule)

    def next_pre(self, index: int) -> int | None:
        """The starting pain of the session after history[index] (today's, for the last)."""
        if index + 1 < len(self.history):
            return self.history[index + 1].pain_pre
        return self.pre_today

    # ----------------------------------------------------------- pain/flare
    def add_todays_pain(self, on: date) -> None:
        """Today's pre-session answer counts as today's pain for the flare rule, so a flare
        is caught (and today's dose dropped) before the session it starts on, exactly as a
        later replay of the stored session will see it."""
        if self.pre_today is None:
            return
        self._pain.append(((on, time.min), on, int(self.pre_today)))
        self._pain.sort()
        self._pain_keys = [r[0] for r in self._pain]

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

    def check_flare(self, until: _Cutoff) -> None:
        if self.pain_baseline is None:
            return
        n = self.rule.flare_days
        recent = self._daily_pain(until, last=n)
        threshold = self.pain_baseline + self.rule.flare_rise
        flare = len(recent) == n and all(v >= threshold for _, v in recent)
        if flare and not self.in_flare:
            self._start_flare(recent, threshold, until[0])
        self.in_flare = flare

    def _start_flare(self, recent: list[tuple[date, float]], threshold: float, on: date) -> None:
        vals = ", ".join(f"{v:g} on {d.isoformat()}" for d, v in recent)
        hold = self.rule.flare_hold_sessions
        msg = (f"flare: pain {vals} is {self.rule.flare_rise} or more above the personal "
               f"baseline {self.pain_baseline:.1f}")
        dropped = []
        for st in self.states.values():
            if st.phase == "baseline" or not st.progressed:
                continue
            dropped += self._drop(st, on, msg)
            st.phase = "hold"
            st.hold_left = hold
        action = (f"one level down ({'; '.join(dropped)}), held for {hold} completed sessions"
                  if dropped else "no quota to drop yet")
        self.reasons.append(f"{msg}: {action}")
        self.flags["flare"] = Flag("flare", f"{msg}; {action}. Please review the plan.",
                                   {"days": [d.isoformat() for d, _ in recent],
                                    "values": [v for _, v in recent],
                                    "baseline": self.pain_baseline, "threshold": threshold})

    # -------------------------------------------------------------- drops
    def _drop(self, st: _ExerciseState, on: date, why: str,
              sessions: tuple[str, ...] = ()) -> list[str]:
        """Every progressed field of one exercise one step easier; the week restarts."""
        out = []
        for name in st.progressed:
            r = st.ranges[name]
            old = st.values[name]
            new = _step_once(r, old, -HARDER[st.exercise][name])
            st.values[name] = new
            if new != old:
                out.append(change(name, old, new))
                self.changes.append(DoseChange(on, st.exercise, "drop", name, old, new, why,
                                               sessions=sessions))
        st.week_start, st.week = None, []
        st.weeks_since_rise = {k: 0 for k in st.progressed}
        return out

    def _drop_all(self, on: date, why: str, sessions: tuple[str, ...]) -> None:
        dropped: list[str] = []
        for ex in self.plan.exercises:
            st = self.states[ex]
            if st.progressed:
                dropped += [f"{ex} {d}" for d in self._drop(st, on, why, sessions)]
        action = f"one level down ({'; '.join(dropped)})" if dropped else \
            "already at the plan's easiest level"
        self.reasons.append(f"{why}: {action}")

    def next_morning(self, prev: SessionLike | None, pre: int | None, on: date) -> None:
        """Today's starting pain worse than the last start by more than the margin: today's
        session one level easier (the quota stays)."""
        if prev is None or prev.pain_pre is None or pre is None:
            return
        if not worse_next_day(prev.pain_pre, pre, self.limits):
            return
        why = (f"pain at the start of today's session is {pre}, {pre - prev.pain_pre} worse than "
               f"{prev.pain_pre} at the start of the last one (more than "
               f"{self.limits.next_day_margin})")
        eased: list[str] = []
        for ex in self.plan.exercises:
            st = self.states[ex]
            for name in st.progressed:
                r = st.ranges[name]
                old = st.values[name]
                new = _step_once(r, old, -HARDER[ex][name])
                if new != old:
                    self.today_values[(ex, name)] = new
                    eased.append(f"{ex} {change(name, old, new)}")
                    self.changes.append(DoseChange(on, ex, "today", name, old, new, why,
                                                   sessions=(_sid(prev), "today")))
        self.reasons.append(f"{why}: today one level easier ({'; '.join(eased)}); the quota "
                            f"stays" if eased else f"{why}: already at the plan's easiest level")

    # -------------------------------------------------------------- weeks
    def _close_weeks(self, st: _ExerciseState, d: date) -> None:
        step = timedelta(days=self.rule.week_days)
        while st.week_start is not None and st.week_start + step <= d:
            for k in st.progressed:
                st.weeks_since_rise[k] = st.weeks_since_rise.get(k, 0) + 1
            self._evaluate_week(st, st.week_start, st.week_start + step)
            st.week_start += step
            st.week = []

    def _evaluate_week(self, st: _ExerciseState, start: date, end: date) -> None:
        if not st.progressed:
            return  # a fixed dose: nothing to raise or hold
        rule, ex = self.rule, st.exercise
        n = len(st.week)
        if n < rule.min_sessions_per_week:
            self.reasons.append(f"{ex}: held: {n} session(s) this week, the plan asks at least "
                                f"{rule.min_sessions_per_week} before a rise")
            return
        if all(at_limit(st.ranges[k], st.values[k], HARDER[ex][k]) for k in st.progressed):
            self.reasons.append(f"{ex}: held at the plan's maximum ("
                                + ", ".join(f"{label(k)} {fmt_value(k, st.values[k])}"
                                            for k in st.progressed) + ")")
            st.weeks_without_raise = 0
            return
        if self.in_flare:
            self.reasons.append(f"{ex}: held: pain is in a flare")
            st.weeks_without_raise += 1
            return
        quota = sum(1 for p in st.week if p.record.completed and p.record.quota_met)
        pain_problems: list[str] = []
        for p in st.week:
            verdict = session_verdict(SessionPain.of(p.record, self.next_pre(p.index)),
                                      self.limits)
            if not verdict.within:
                pain_problems.append(f"{_day(p.record.started_at).isoformat()}: "
                                     f"{', '.join(verdict.problems)}")
        if quota == n and not pain_problems:
            self._raise(st, start, end, n)
            return
        why = []
        if quota < n:
            why.append(f"quota met in {quota} of {n} sessions this week")
        if pain_problems:
            why.append("pain not within limits (" + "; ".join(pain_problems) + ")")
        self.reasons.append(f"{ex}: held: {'; '.join(why)}")
        st.weeks_without_raise += 1
        if st.weeks_without_raise >= rule.plateau_weeks:
            self.flags["plateau:" + ex] = Flag(
                "plateau", f"{ex}: no rise for {st.weeks_without_raise} weeks "
                f"({'; '.join(why)}); the quota may be too high or the plan needs review",
                {"exercise": ex, "weeks": st.weeks_without_raise})

    def _raise(self, st: _ExerciseState, start: date, end: date, n: int) -> None:
        ex = st.exercise
        chosen = choose_raise(st.progressed, st.values, st.ranges, HARDER[ex],
                              self.rule.weekly_increase, st.weeks_since_rise, st.turn)
        waits = "; ".join(chosen.waiting)
        if chosen.name is None:
            self.reasons.append(f"{ex}: held: quota met with pain within limits in {n} of {n} "
                                f"sessions this week, but {waits}")
            return
        st.values[chosen.name] = chosen.new
        st.turn = chosen.turn
        st.weeks_since_rise[chosen.name] = 0
        st.weeks_without_raise = 0
        self.flags.pop("plateau:" + ex, None)
        why = (f"quota met in {n} of {n} sessions this week, pain within limits; one "
               f"parameter a week, at most {self.rule.weekly_increase * 100:.0f} %")
        self.changes.append(DoseChange(end, ex, "raise", chosen.name, chosen.old, chosen.new,
                                       why, week=(start, end),
                                       sessions=tuple(p.sid for p in st.week)))
        self.reasons.append(f"{ex}: {change(chosen.name, chosen.old, chosen.new)}: {why}"
                            + (f" ({waits})" if waits else ""))

    # ------------------------------------------------------------- timeline
    def advance(self, d: date) -> None:
        for st in self.states.values():
            if st.phase == "progressing":
                self._close_weeks(st, d)

    def play(self, s: SessionLike, index: int) -> None:
        d = _day(s.started_at)
        st = self.states[s.exercise]
        st.played += 1
        verdict = session_verdict(SessionPain.of(s), self.limits)
        if st.phase == "baseline":
            if s.completed and verdict.within:
                st.tolerance.append(s)
                if len(st.tolerance) >= self.rule.baseline_sessions:
                    self._finish_baseline(st, d)
            else:
                why = ", ".join(verdict.problems) or "not completed"
                self.reasons.append(f"{s.exercise}: the tolerance session on {d.isoformat()} "
                                    f"does not count toward the baseline ({why}); tolerance "
                                    f"continues at the same values")
        elif st.phase == "hold":
            if s.completed:
                st.hold_left -= 1
            if st.hold_left <= 0:
                st.phase = "progressing"
                self.reasons.append(f"{st.exercise}: flare hold over; weekly rule resumes")
        else:
            if st.week_start is None:
                st.week_start = d
            st.week.append(_Played(s, index))
        self.played += 1
        if self.pain_baseline is None and self.played >= self.rule.baseline_sessions:
            # the tolerance period (to the end of its last day) sets the personal baseline
            self._set_pain_baseline((d, time.max))
        self._absolute_level(s, verdict.over_acceptable, d)

    def _absolute_level(self, s: SessionLike, over: bool, d: date) -> None:
        """Above the acceptable level in two sessions in a row: one level down."""
        if not over:
            self.over_streak = []
            return
        self.over_streak.append(_sid(s))
        if len(self.over_streak) >= 2:
            self._drop_all(d, f"pain above the acceptable {self.limits.acceptable} in two "
                              f"sessions in a row (the last on {d.isoformat()})",
                           tuple(self.over_streak))
            self.over_streak = []

    def _finish_baseline(self, st: _ExerciseState, d: date) -> None:
        ex, rule = st.exercise, self.rule
        parts = []
        for k in st.progressed:
            h = HARDER[ex][k]
            got = []
            for s in st.tolerance:
                a, given = _achieved(ex, k, s), _given(ex, k, s)
                if math.isnan(given):
                    given = st.values[k]
                if not math.isnan(a):  # never more than was given: the baseline is tolerated
                    got.append(min(a, given) if h > 0 else max(a, given))
            r = st.ranges[k]
            base = sum(got) / len(got) if got else st.values[k]
            level = base * rule.start_fraction if h > 0 else base / rule.start_fraction
            old = st.values[k]
            st.values[k] = _snap_easier(r, level, h)
            shown = round(base, 1) if base >= 2 else round(base, 3)
            parts.append(f"{label(k)} baseline {fmt_value(k, shown)} -> "
                         f"{fmt_value(k, st.values[k])}")
            self.changes.append(DoseChange(d, ex, "baseline", k, old, st.values[k],
                                           f"baseline {shown}",
                                           sessions=tuple(_sid(s) for s in st.tolerance)))
        st.phase = "progressing"
        st.weeks_since_rise = {k: 0 for k in st.progressed}
        n = len(st.tolerance)
        if not parts:
            self.reasons.append(f"{ex}: {n} tolerance session(s) done; the plan keeps a fixed "
                                f"dose for {ex}")
            return
        self.reasons.append(f"{ex}: baseline from {n} tolerance session(s) within limits: "
                            f"{'; '.join(parts)} ({rule.start_fraction * 100:.0f} % of baseline)")

    def decision(self) -> DoseDecision:
        def build(ex: str) -> Any:
            st = self.states[ex]
            vals: dict[str, Any] = {}
            for k, v in st.values.items():
                v = self.today_values.get((ex, k), v)
                vals[k] = round(v) if isinstance(st.ranges[k].start, int) else float(v)
            vals.update(self.plan.fixed(ex))
            return make_dose(ex, **vals)

        session = build("session")
        doses = {ex: build(ex) for ex in self.plan.exercises}
        phase = {ex: self.states[ex].phase for ex in self.plan.exercises}
        holding = self.in_flare or any(st.phase == "hold" for st in self.states.values())
        flags = tuple(f for k, f in self.flags.items() if k != "flare" or holding)
        return DoseDecision(session, doses, tuple(self.reasons), flags, phase,
                            tuple(self.changes), self.limits)

    def status(self) -> None:
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
                                    f"at fixed values, no staircase (the baseline is set after "
                                    f"{n} sessions within pain limits)")
            elif st.phase == "hold":
                self.reasons.append(f"{ex}: held after a flare at {vals} "
                                    f"({st.hold_left} completed session(s) left)")
            elif st.week_start is None:
                self.reasons.append(f"{ex}: quota {vals}; a new week starts with this session")
            else:
                end = st.week_start + timedelta(days=self.rule.week_days)
                self.reasons.append(f"{ex}: quota {vals} until the week closes on "
                                    f"{end.isoformat()} ({len(st.week)} session(s) so far)")


def next_dose(plan: Plan, history: Sequence[SessionLike], check_ins: Sequence[CheckinLike] = (),
              *, on: date | None = None, pre_pain: int | None = None) -> DoseDecision:
    """The dose for the next session.

    Args:
        plan: the patient's validated plan.
        history: the patient's sessions (any order; other exercises ignored).
        check_ins: the patient's check-ins (pain drives the flare rule).
        on: the date of the coming session; default the day after the latest
            record (sessions and check-ins), or the plan's start with none.
        pre_pain: the coming session's pre-session pain, once asked: it closes the
            last week's "since last time" answer and applies the next-morning rule
            (today one level easier when it is worse by more than the margin).
    Returns:
        DoseDecision with the reasons produced since the last session.
    """
    eng = _Engine(plan, history, check_ins, pre_pain)
    days = [_day(s.started_at) for s in eng.history] + [_day(c.at) for c in eng.check_ins]
    if on is None:
        on = max(days) + timedelta(days=1) if days else date(1970, 1, 1)
    prev: SessionLike | None = None
    for i, s in enumerate(eng.history):
        d = _day(s.started_at)
        eng.advance(d)
        eng.check_flare(_key(s.started_at))  # what was known before the session
        if i == len(eng.history) - 1:
            eng.reasons = []  # the rest is what this decision is about
        eng.play(s, i)
        prev = s
    eng.advance(on)
    eng.add_todays_pain(on)
    eng.check_flare((on, time.max))
    eng.next_morning(prev, pre_pain, on)
    if not eng.reasons:
        eng.status()
    return eng.decision()


__all__ = ["CheckinLike", "DoseChange", "DoseDecision", "Flag", "SessionLike", "next_dose"]
