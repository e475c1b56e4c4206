"""A gentle score and combo for every game (pure).

Rules that keep the reward kind to a patient in pain:
  * the score only ever grows: every success adds points, nothing takes them away;
  * time never enters: a slow success scores exactly as a fast one, and the time
    between successes changes nothing (graded activity is time-contingent: speed is
    not the goal);
  * the combo counts careful successes in a row (a reach without leaning, a tap on the
    beat, a berry placed without a drop, a full squeeze); a lapse in quality starts it
    again from 0 but never costs a point, and a time-out is not a lapse at all.
"""

from __future__ import annotations

from dataclasses import dataclass

POINTS = 10  # per success
COMBO_BONUS = 2  # per step of combo, capped
COMBO_CAP = 5


@dataclass(slots=True)
class Reward:
    score: int = 0
    combo: int = 0
    best_combo: int = 0
    successes: int = 0

    def success(self, careful: bool = True) -> int:
        """A success: returns the points it earned (POINTS, plus a bonus for a careful streak)."""
        gained = POINTS + (COMBO_BONUS * min(self.combo, COMBO_CAP) if careful else 0)
        self.combo = self.combo + 1 if careful else 0
        self.best_combo = max(self.best_combo, self.combo)
        self.successes += 1
        self.score += gained
        return gained

    def timed_out(self) -> None:
        """A target that ran out of time: no points, and the combo is kept (slowness is fine)."""

    @property
    def combo_text(self) -> str | None:
        """"3 in a row" once there is a streak worth naming."""
        return f"{self.combo} in a row" if self.combo >= 2 else None
