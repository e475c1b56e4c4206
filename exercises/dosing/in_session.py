"""Within a session: the staircase, the pain pause's ceiling, and the log of levels.

Role: the session runner (exercises/session.py) owns the session clock and
pauses; this object owns what a session does to the DOSE, in one place:
  * after every finished trial (a REPETITION event with `hit`), the
    staircase may step one parameter (`on_events`), applied to the exercise
    for its next target and returned as a DIFFICULTY_STEP event;
  * after a pain pause (`pain_pause`), every parameter one step easier AND a
    ceiling at the values reached for the rest of the session: the level can
    go down, never above it (CLINICAL.md 4b);
  * a therapist's "easier"/"harder" from the clinic (`remote`) moves one
    level within today's bounds and under any ceiling;
  * `steps` is the session's dose history as `{t_s, level, reason}` (level:
    an integer, higher is harder), starting with today's level and listing
    every change and every pain pause, so the session can be checked from
    outside (the summary JSON's `difficulty_steps`).
With no staircase (a tolerance session, a fixed plan, no plan) nothing
moves, and a pain pause is still logged with its reason.
Pure: time arrives as arguments.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from exercises.dosing.staircase import DifficultyStep, Staircase
from exercises.events import REPETITION, Event


class DifficultyTarget(Protocol):
    """An exercise whose level can change for the next trial (e.g. ReachingExercise)."""

    def set_difficulty(self, reach_fraction: float | None = None,
                       target_radius: float | None = None) -> None: ...


@dataclass(frozen=True, slots=True)
class LevelEntry:
    """One line of a session's dose history."""

    t_s: float
    level: int
    reason: str

    def to_dict(self) -> dict[str, float | int | str]:
        return {"t_s": round(self.t_s, 3), "level": self.level, "reason": self.reason}


class InSessionDosing:
    """Today's in-session dose rules around an optional `Staircase`.

    Args:
        staircase: today's staircase, or None when nothing may move today.
        target: the exercise it steps (needs `set_difficulty`), or None.
        t0: game time of the session's start (the first log entry).
        start_reason: what today's level is, in words (the first log entry).
    """

    def __init__(self, staircase: Staircase | None, target: object | None = None, *,
                 t0: float = 0.0, start_reason: str = "today's dose") -> None:
        setter = getattr(target, "set_difficulty", None)
        self.staircase = staircase if callable(setter) else None
        self._target = target
        self.steps: list[LevelEntry] = [LevelEntry(t0, self.level, start_reason)]

    def start(self, t: float) -> None:
        """The session starts at game time t (the first log entry's time)."""
        if len(self.steps) == 1:
            first = self.steps[0]
            self.steps[0] = LevelEntry(t, first.level, first.reason)

    @property
    def level(self) -> int:
        return 0 if self.staircase is None else self.staircase.level

    @property
    def ceiling(self) -> int | None:
        """The highest level allowed for the rest of the session (None: the plan's)."""
        return None if self.staircase is None else self.staircase.ceiling_level

    def _apply(self, step: DifficultyStep | None, t: float) -> list[Event]:
        if step is None:
            return []
        self._target.set_difficulty(**step.changes())  # type: ignore[union-attr]
        self.steps.append(LevelEntry(t, self.level, step.why))
        return [step.event(t)]

    def on_events(self, events: Sequence[Event]) -> list[Event]:
        """The staircase after each finished trial; returns its DIFFICULTY_STEP events."""
        if self.staircase is None:
            return []
        out: list[Event] = []
        for e in events:
            if e.kind == REPETITION and "hit" in e.data:
                out += self._apply(self.staircase.update(bool(e.data["hit"])), e.t)
        return out

    def pain_pause(self, reason: str, t: float) -> list[Event]:
        """One level down now and a ceiling there for the rest of the session."""
        if self.staircase is None:
            self.steps.append(LevelEntry(t, self.level, f"pain pause: {reason}; no level "
                                                        f"to drop today"))
            return []
        step = self.staircase.drop_one_level(reason)
        self.staircase.cap_here()
        if step is None:
            self.steps.append(LevelEntry(t, self.level, f"pain pause: {reason}; already at "
                                                        f"the easiest level, held there"))
            return []
        events = self._apply(step, t)
        self.steps[-1] = LevelEntry(t, self.level, f"pain pause: {reason}; ceiling at level "
                                                   f"{self.ceiling} for the rest of the session")
        return events

    def remote(self, direction: Literal["easier", "harder"], by: str, t: float) -> list[Event]:
        """A therapist's request from the clinic: one level, inside today's bounds and under
        any ceiling; [] when nothing can move that way."""
        if self.staircase is None:
            return []
        why = f"therapist {by} asked for {direction}"
        step = (self.staircase.drop_one_level(why) if direction == "easier"
                else self.staircase.harder_one_level(why))
        return self._apply(step, t)

    def log(self) -> list[dict[str, float | int | str]]:
        return [s.to_dict() for s in self.steps]

