"""The within-session staircase, wired between the session runner and the exercise.

exercises/staircase.py decides; `StaircaseDriver` feeds it every finished
trial (a REPETITION event's `hit`) and applies its steps to the exercise
(`set_difficulty`, effective for the next target). This wrapper puts the
resulting DIFFICULTY_STEP events into the same stream, so telemetry logs the
change and its reason, and applies the in-session pain guardrail: when the
runner's pain rule trips (`in_session_pain`), the dose drops one level at
once. It wraps the runner, so the scenes see an ordinary runner.

Events reach the caller one of two ways, as with the runner itself (use one,
not both): `step()` returns the step's events plus the staircase's (the pain
drop's DIFFICULTY_STEP with the next step), or `drain()` returns everything
since the last call, the staircase's steps included, in the order they
happened (the pain drop right after its check-in and pause, so a scene that
drains after asking can tell the patient what changed).
"""

from __future__ import annotations

from typing import Any

from exercises.events import Event
from exercises.staircase import StaircaseDriver
from vision.intents import Intents


class StaircaseRunner:
    """A session runner whose exercise difficulty follows a `Staircase`."""

    def __init__(self, runner: Any, staircase: Any) -> None:
        self._runner = runner
        self.staircase = staircase
        self._driver = StaircaseDriver(staircase, runner.exercise)
        self.steps = 0
        self._pending: list[Event] = []  # the pain drop, returned by the next step()
        self._queued: list[Event] = []  # the staircase's events not drained yet

    def __getattr__(self, name: str) -> Any:  # everything else is the runner's
        return getattr(self._runner, name)

    def step(self, intents: Intents, dt: float) -> list[Event]:
        events = self._runner.step(intents, dt)
        extra = self._driver.feed(events)
        self.steps += len(extra)
        self._queued.extend(extra)
        if self._pending:
            extra, self._pending = self._pending + extra, []
        return events + extra if extra else events

    def in_session_pain(self, nrs: int, t: float | None = None) -> Any:
        """The runner's pain rule; when it trips, one level easier for the next trial."""
        decision = self._runner.in_session_pain(nrs, t)
        if decision.must_drop:
            drop = self._driver.pain_drop(decision.reason, self._runner.t)
            self.steps += len(drop)
            self._pending.extend(drop)
            self._queued.extend(drop)
        return decision

    def drain(self) -> list[Event]:
        """Every event since the last call, in time order (a staircase step after the
        runner's events of the same moment: the trial or check-in that caused it)."""
        out = sorted(self._runner.drain() + self._queued, key=lambda e: e.t)  # stable
        self._queued = []
        return out
