"""Within a session: keep the rolling success rate inside a band.

Role: after every trial the game calls `update(success)`; when the success
rate over the recent trials leaves the band (default 70-85 %, CLINICAL.md
section 4: learning is fastest near 85 %), the staircase moves ONE parameter
one step (up above the band, down below it) and returns a `DifficultyStep`,
which the caller applies to the exercise (`set_difficulty(...)`, effective
for the next target) and logs as a DIFFICULTY_STEP event (`step.event(t)`).
`drop_one_level(reason)` is the in-session pain guardrail: every parameter
one step easier at once; `cap_here()` then makes the values reached a
CEILING for the rest of the session: the staircase may still go down, never
above it (CLINICAL.md 4b: "a pain pause puts a ceiling on the staircase").

Level: `level` is an integer, higher is harder: the number of plan steps
each parameter stands above its easiest value, summed. A step up or down
changes it by one; a pain drop by one per parameter that moved.

Contract:
  * Values never leave the day's bounds [lo, hi] (the plan's min/max, with
    the patient's "easier today" as a cap: `progression.todays_dose(...).bounds`)
    and stay on the plan's step grid counted from the plan's min.
  * With no parameter free to move (a plan with fixed values) it never steps.
  * Harder alternates between parameters (distance first, then size), so
    neither runs away; a parameter at its bound is skipped.
  * The window restarts after each step, and the next decision needs
    `min_trials` trials at the new level: the rate always describes the
    current level. Before `min_trials` trials nothing moves.
  * Pure: no clock (the caller stamps the event), no I/O.

The wiring to an exercise and to the pain rules is `in_session.InSessionDosing`.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from exercises.events import DIFFICULTY_STEP, Event
from exercises.plans import HARDER, Plan

EPS = 1e-9


@dataclass(frozen=True, slots=True)
class StairParam:
    """One stepped parameter: bounds, step, and which way is harder (+1 bigger, -1 smaller)."""

    name: str
    lo: float
    hi: float
    step: float
    harder: int
    grid_origin: float | None = None  # the plan's min; default lo

    def __post_init__(self) -> None:
        if self.step <= 0:
            raise ValueError(f"{self.name}: step must be > 0, got {self.step}")
        if self.lo > self.hi:
            raise ValueError(f"{self.name}: lo {self.lo} > hi {self.hi}")
        if self.harder not in (-1, 1):
            raise ValueError(f"{self.name}: harder must be +1 or -1, got {self.harder}")

    def snap(self, value: float) -> float:
        origin = self.lo if self.grid_origin is None else self.grid_origin
        v = min(self.hi, max(self.lo, value))
        k = round((v - origin) / self.step)
        return min(self.hi, max(self.lo, round(origin + k * self.step, 10)))

    def moved(self, value: float, direction: int) -> float:
        """One step harder (direction +1) or easier (-1), within bounds."""
        return self.snap(value + direction * self.harder * self.step)

    def easiest(self) -> float:
        return self.lo if self.harder > 0 else self.hi

    def level(self, value: float) -> int:
        """Plan steps above the easiest value (0 = easiest)."""
        return round(abs(value - self.easiest()) / self.step)

    def beyond(self, value: float, cap: float) -> bool:
        """Is `value` harder than `cap`?"""
        return (value - cap) * self.harder > EPS


@dataclass(frozen=True, slots=True)
class DifficultyStep:
    """A change of level: the values before and after, and why in plain words."""

    before: Mapping[str, float]
    after: Mapping[str, float]
    why: str
    direction: Literal["up", "down"]
    trials: int = 0  # trials at the old level that led to the step
    success_rate: float | None = None

    level: int | None = None  # the staircase's level after the step

    def event(self, t: float) -> Event:
        data: dict[str, Any] = {"from": dict(self.before), "to": dict(self.after),
                                "why": self.why, "direction": self.direction}
        if self.level is not None:
            data["level"] = self.level
        if self.success_rate is not None:
            data["success_rate"] = self.success_rate
            data["trials"] = self.trials
        return Event(t, DIFFICULTY_STEP, data)

    def changes(self) -> dict[str, float]:
        """Only the parameters that moved (the arguments of `set_difficulty`)."""
        return {k: v for k, v in self.after.items() if self.before.get(k) != v}


@dataclass
class Staircase:
    """Rolling-success staircase over one or more parameters.

    Args:
        params: the stepped parameters (order = who moves first when harder).
        start: today's starting values (snapped into bounds).
        band: (low, high) success fractions; outside it the level moves.
        window: how many recent trials the rate is computed over.
        min_trials: trials at a level before it may move.
    """

    params: Sequence[StairParam]
    start: Mapping[str, float]
    band: tuple[float, float] = (0.70, 0.85)
    window: int = 10
    min_trials: int = 5
    values: dict[str, float] = field(init=False)
    _recent: deque[bool] = field(init=False, repr=False)
    _turn: int = field(init=False, default=0, repr=False)
    steps: list[DifficultyStep] = field(init=False, default_factory=list)
    ceiling: dict[str, float] = field(init=False, default_factory=dict)  # after a pain pause

    def __post_init__(self) -> None:
        lo, hi = self.band
        if not 0 <= lo < hi <= 1:
            raise ValueError(f"band must satisfy 0 <= low < high <= 1, got {self.band}")
        if not 1 <= self.min_trials <= self.window:
            raise ValueError(f"need 1 <= min_trials <= window, got {self.min_trials}, "
                             f"{self.window}")
        missing = [p.name for p in self.params if p.name not in self.start]
        if missing:
            raise ValueError(f"no start value for {', '.join(missing)}")
        self.values = {p.name: p.snap(float(self.start[p.name])) for p in self.params}
        self._recent = deque(maxlen=self.window)

    # ---------------------------------------------------------------- make
    @classmethod
    def for_today(cls, plan: Plan, exercise: str, start: Mapping[str, float],
                  bounds: Mapping[str, tuple[float, float]]) -> Staircase:
        """Built from the plan's steps and band and today's bounds (`TodaysDose.bounds`)."""
        ranges = plan.ranges(exercise)
        params = [StairParam(k, lo, hi, ranges[k].step, HARDER[exercise][k],
                             grid_origin=ranges[k].min)
                  for k, (lo, hi) in bounds.items() if hi > lo]
        rule = plan.staircase
        return cls(params, {k: start[k] for k in bounds}, band=(rule.band_low, rule.band_high),
                   window=rule.window, min_trials=rule.min_trials)

    # ---------------------------------------------------------------- use
    @property
    def level(self) -> int:
        """Higher is harder: plan steps above the easiest values, summed."""
        return sum(p.level(self.values[p.name]) for p in self.params)

    @property
    def ceiling_level(self) -> int | None:
        """The level the ceiling allows at most (None: no ceiling)."""
        if not self.ceiling:
            return None
        return sum(p.level(self.ceiling.get(p.name, p.hi if p.harder > 0 else p.lo))
                   for p in self.params)

    def cap_here(self) -> None:
        """The current values become the ceiling for the rest of the session (a pain pause):
        each parameter may go easier, never harder than now."""
        for p in self.params:
            v = self.values[p.name]
            old = self.ceiling.get(p.name)
            self.ceiling[p.name] = v if old is None or p.beyond(old, v) else old

    def _allowed(self, p: StairParam, value: float) -> bool:
        cap = self.ceiling.get(p.name)
        return cap is None or not p.beyond(value, cap)

    def harder_one_level(self, reason: str) -> DifficultyStep | None:
        """One parameter one step harder, within bounds and the ceiling (a therapist's
        request); None if nothing can move."""
        return self._move(+1, reason, 0, None)

    @property
    def success_rate(self) -> float | None:
        return sum(self._recent) / len(self._recent) if self._recent else None

    def update(self, success: bool) -> DifficultyStep | None:
        """Record one trial; returns the step taken, if any."""
        self._recent.append(bool(success))
        n = len(self._recent)
        if n < self.min_trials:
            return None
        rate = sum(self._recent) / n
        low, high = self.band
        if rate > high:
            return self._move(+1, f"success {rate * 100:.0f} % over the last {n} trials is "
                              f"above {high * 100:.0f} %", n, rate)
        if rate < low:
            return self._move(-1, f"success {rate * 100:.0f} % over the last {n} trials is "
                              f"below {low * 100:.0f} %", n, rate)
        return None

    def drop_one_level(self, reason: str) -> DifficultyStep | None:
        """Every parameter one step easier (the pain guardrail); None if already easiest."""
        before = dict(self.values)
        for p in self.params:
            self.values[p.name] = p.moved(self.values[p.name], -1)
        return self._record(before, f"one level down: {reason}", "down", None)

    # ---------------------------------------------------------------- inside
    def _move(self, direction: int, why: str, n: int,
              rate: float | None) -> DifficultyStep | None:
        before = dict(self.values)
        k = len(self.params)
        for i in range(k):
            p = self.params[(self._turn + i) % k]
            new = p.moved(self.values[p.name], direction)
            if direction > 0 and not self._allowed(p, new):
                continue  # the pain pause's ceiling
            if new != self.values[p.name]:
                self.values[p.name] = new
                self._turn = (self._turn + i + 1) % k
                break
        else:  # every parameter is at its bound: keep the level, restart the count
            self._recent.clear()
            return None
        return self._record(before, why, "up" if direction > 0 else "down",
                            None if rate is None else (n, rate))

    def _record(self, before: dict[str, float], why: str, direction: Literal["up", "down"],
                evidence: tuple[int, float] | None) -> DifficultyStep | None:
        self._recent.clear()
        if before == self.values:
            return None
        step = DifficultyStep(before, dict(self.values), why, direction,
                              trials=evidence[0] if evidence else 0,
                              success_rate=evidence[1] if evidence else None, level=self.level)
        self.steps.append(step)
        return step
