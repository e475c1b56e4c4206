"""Open and close the whole hand: repetitions and range of the grasp aperture.

Role: the rules of the open/close game. Input is `HandIntent.grasp`, the
mean distance of fingertips 8/12/16/20 to the wrist over |wrist - index MCP|
(CLINICAL.md section 2): about 1.8 for a flat open hand, 0.6-1.1 for a fist.

A repetition is close-then-open, each end reached by at least the dose's
`min_range` from the other and held `hold_s` seconds:
  * "open" phase: follow the peak; once g has stayed at or below
    peak - min_range for hold_s, the hand is closed (event `openclose_closed`).
  * "closed" phase: follow the trough; once g has stayed at or above
    trough + min_range for hold_s, the repetition counts (REPETITION, with
    `range` = peak - trough).
Thresholds move with the patient's own extremes, so a stiff hand that
opens to 1.3 counts as long as it moves through `min_range`.

The game starts in "open" with no peak yet: a patient who starts with a
fist raises the peak by opening first, then closes. Time stops while the hand is not
visible (cue "hand_not_visible"); `time_limit_s` ends the game.

Summary keys: repetitions, range (mean), max_range, mean_cycle_s, hand_lost_s.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np

from exercises.base import CalibrationInput
from exercises.dexterity.common import HandWatch, Side, sides_for
from exercises.doses import OpenCloseDose, SessionDose
from exercises.events import OPENCLOSE_CLOSED, REPETITION, Event
from exercises.virtual_patient import HandGoal
from vision.intents import Intents

CLOSED = OPENCLOSE_CLOSED

Phase = Literal["open", "closed"]


class OpenCloseExercise:
    """Full hand opening and closing, counted with moving extremes and holds."""

    name = "openclose"

    def __init__(self, dose: OpenCloseDose, calibration: CalibrationInput = None, rng: np.random.Generator | None = None, *,
                 session_dose: SessionDose | None = None) -> None:
        session_dose = session_dose if session_dose is not None else SessionDose()
        if dose.repetitions < 1:
            raise ValueError(f"openclose repetitions must be >= 1, got {dose.repetitions}")
        if not dose.min_range > 0:
            raise ValueError(f"openclose min_range must be > 0, got {dose.min_range}")
        if dose.hold_s < 0 or not dose.time_limit_s > 0:
            raise ValueError("openclose hold_s must be >= 0 and time_limit_s > 0")
        if session_dose.pace <= 0:
            raise ValueError(f"session pace must be > 0, got {session_dose.pace}")
        self.dose = dose
        self.sides = sides_for(dose.side)
        self.time_limit_s = dose.time_limit_s / session_dose.pace
        self.phase: Phase = "open"
        self.elapsed = 0.0  # game clock, stops while the hand is not visible
        self.t = 0.0
        self.watch = HandWatch("grasp")
        self.grasp: float | None = None
        self.peak = -np.inf
        self.trough = np.inf
        self._held = 0.0
        self._last_rep_at = 0.0
        self.ranges: list[float] = []
        self.cycle_s: list[float] = []

    # ---------------------------------------------------------------- state
    @property
    def repetitions(self) -> int:
        return len(self.ranges)

    @property
    def done(self) -> bool:
        return self.repetitions >= self.dose.repetitions or self.elapsed >= self.time_limit_s - 1e-9

    @property
    def active_side(self) -> Side:
        return self.sides[self.repetitions % len(self.sides)]

    @property
    def cue(self) -> str | None:
        return self.watch.cue

    @property
    def wants(self) -> Literal["open", "close"]:
        """What the player is asked to do now."""
        return "close" if self.phase == "open" else "open"

    @property
    def hold_progress(self) -> float:
        return 1.0 if self.dose.hold_s <= 0 else min(1.0, self._held / self.dose.hold_s)

    def player_goal(self) -> HandGoal:
        return HandGoal("grasp", self.active_side, params=(("closed", self.wants == "close"),))

    # ----------------------------------------------------------------- step
    def step(self, intents: Intents, dt: float) -> list[Event]:
        out: list[Event] = []
        self.t = intents.t
        if self.done:
            return out
        hand = self.watch.read(intents, self.active_side, dt, out)
        if hand is None or hand.grasp is None:
            self.grasp = None
            self._held = 0.0
            return out
        self.elapsed += dt
        g = float(hand.grasp)
        self.grasp = g
        r = self.dose.min_range
        if self.phase == "open":
            self.peak = max(self.peak, g)
            if g <= self.peak - r:
                self._held += dt
                if self._held >= self.dose.hold_s - 1e-9:
                    self.phase = "closed"
                    self.trough = g
                    self._held = 0.0
                    out.append(Event(intents.t, CLOSED, {"side": self.active_side, "peak": round(self.peak, 4)}))
            else:
                self._held = 0.0
        else:  # closed
            self.trough = min(self.trough, g)
            if g >= self.trough + r:
                self._held += dt
                if self._held >= self.dose.hold_s - 1e-9:
                    out.append(self._repetition(intents.t, g))
            else:
                self._held = 0.0
        return out

    def _repetition(self, t: float, g: float) -> Event:
        rng = float(self.peak - self.trough)
        side = self.active_side
        cycle = self.elapsed - self._last_rep_at
        self._last_rep_at = self.elapsed
        self.ranges.append(rng)
        self.cycle_s.append(cycle)
        self.phase = "open"
        self.peak = g
        self.trough = np.inf
        self._held = 0.0
        return Event(t, REPETITION, {"exercise": self.name, "side": side, "repetition": len(self.ranges),
                                     "range": round(rng, 4), "cycle_s": round(cycle, 4)})

    # -------------------------------------------------------------- summary
    def summary(self) -> dict[str, Any]:
        return {
            "repetitions": self.repetitions,
            "range": float(np.mean(self.ranges)) if self.ranges else None,
            "max_range": float(np.max(self.ranges)) if self.ranges else None,
            "mean_cycle_s": float(np.mean(self.cycle_s[1:])) if len(self.cycle_s) > 1 else None,
            "hand_lost_s": self.watch.lost_s,
            "time_s": self.elapsed,
        }
