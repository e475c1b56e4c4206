"""The within-session staircase, wired between the session runner and the exercise.

exercises/staircase.py decides; this glue feeds it every finished trial (a
REPETITION event's `hit`) and applies its steps to the exercise
(`set_difficulty`, effective for the next target), adding the
DIFFICULTY_STEP event to the same stream so telemetry logs the change and
its reason. It wraps the runner, so the scenes see an ordinary runner.
"""

from __future__ import annotations

from typing import Any

from exercises.events import REPETITION, Event
from vision.intents import Intents


class StaircaseRunner:
    """A session runner whose exercise difficulty follows a `Staircase`."""

    def __init__(self, runner: Any, staircase: Any) -> None:
        self._runner = runner
        self.staircase = staircase
        self.steps = 0

    def __getattr__(self, name: str) -> Any:  # everything else is the runner's
        return getattr(self._runner, name)

    def step(self, intents: Intents, dt: float) -> list[Event]:
        events = self._runner.step(intents, dt)
        extra: list[Event] = []
        for e in events:
            if e.kind != REPETITION or "hit" not in e.data:
                continue
            change = self.staircase.update(bool(e.data["hit"]))
            if change is None:
                continue
            setter = getattr(self._runner.exercise, "set_difficulty", None)
            if callable(setter):
                setter(**change.changes())
            self.steps += 1
            extra.append(change.event(e.t))
        return events + extra if extra else events
