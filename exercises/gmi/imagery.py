"""GMI stage 2, imagined movements: one set as a clock-driven state machine (pure).

Each picture shows a hand posture; the patient imagines moving the affected
hand into it and back (`repeats` times) for `hold_s` seconds WITHOUT moving.
The stillness monitor (exercises.gmi.stillness) watches the limb; movement
above the plan's threshold ends the picture early as "moved": that is
information for the therapist, never a failure, and the patient is told so
kindly. After each set the patient rates pain and effort (0-10); the run waits
for `rate()`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from exercises.events import Event
from exercises.gmi.stillness import StillnessMonitor

Phase = Literal["ready", "imagine", "outcome", "rate", "done"]
GMI_IMAGERY = "gmi_imagery"  # event: one picture's outcome
GMI_RATING = "gmi_rating"  # event: pain/effort after a set


@dataclass(frozen=True, slots=True)
class ImageryTrial:
    index: int
    set_index: int
    posture: int  # index into the pose set
    posture_name: str
    side: str  # the affected hand, shown as that side
    view: str


def make_trials(pictures_per_set: int, sets: int, postures: Sequence[str], side: str,
                seed: int) -> list[ImageryTrial]:
    """Pictures cycling through the postures (varied, each shown as often as the count
    allows), dorsal and palmar alternating, in a seeded order within each set."""
    import random

    rng = random.Random(seed)
    out: list[ImageryTrial] = []
    order = list(range(len(postures)))
    rng.shuffle(order)
    k = 0
    for s in range(sets):
        for _ in range(pictures_per_set):
            p = order[k % len(order)]
            out.append(ImageryTrial(k, s, p, postures[p], side,
                                    "dorsal" if k % 2 == 0 else "palmar"))
            k += 1
    return out


@dataclass
class ImageryRun:
    trials: Sequence[ImageryTrial]
    hold_s: float
    threshold_bu_s: float
    ready_s: float = 1.5
    outcome_s: float = 1.5
    t: float = 0.0
    phase: Phase = "ready"
    index: int = 0
    outcomes: list[str] = field(default_factory=list)  # "still" | "moved" per picture
    peaks: list[float] = field(default_factory=list)
    ratings: list[dict[str, int | None]] = field(default_factory=list)
    _phase_t: float = 0.0
    _monitor: StillnessMonitor | None = None
    _events: list[Event] = field(default_factory=list)

    @property
    def current(self) -> ImageryTrial | None:
        return self.trials[self.index] if self.index < len(self.trials) else None

    @property
    def remaining_s(self) -> float:
        return max(0.0, self.hold_s - (self.t - self._phase_t)) if self.phase == "imagine" else 0.0

    @property
    def done(self) -> bool:
        return self.phase == "done"

    def step(self, dt: float, points: np.ndarray | None) -> None:
        """Advance `dt` seconds with the limb's points (body units) or None if unseen."""
        if self.phase in ("done", "rate"):
            return
        self.t += dt
        elapsed = self.t - self._phase_t
        if self.phase == "ready" and elapsed >= self.ready_s:
            self.phase, self._phase_t = "imagine", self.t
            self._monitor = StillnessMonitor(self.threshold_bu_s)
        elif self.phase == "imagine":
            assert self._monitor is not None
            self._monitor.update(self.t, points)
            if self._monitor.moved:
                self._finish("moved")
            elif elapsed >= self.hold_s:
                self._finish("still")
        elif self.phase == "outcome" and elapsed >= self.outcome_s:
            trial = self.trials[self.index]
            self.index += 1
            end_of_set = (self.index >= len(self.trials)
                          or self.trials[self.index].set_index != trial.set_index)
            self.phase = "rate" if end_of_set else "ready"
            self._phase_t = self.t

    def _finish(self, outcome: str) -> None:
        assert self._monitor is not None
        tr = self.trials[self.index]
        self.outcomes.append(outcome)
        self.peaks.append(round(self._monitor.peak_bu_s, 4))
        self._events.append(Event(self.t, GMI_IMAGERY, {
            "stage": 2, "index": tr.index, "set": tr.set_index, "posture": tr.posture_name,
            "view": tr.view, "outcome": outcome, "held_s": round(self.t - self._phase_t, 3),
            "peak_speed_bu_s": self.peaks[-1]}))
        self.phase, self._phase_t = "outcome", self.t

    def rate(self, pain: int | None, effort: int | None) -> None:
        """The pain and effort after a set (None: skipped); then the next set or the end."""
        if self.phase != "rate":
            raise RuntimeError("no rating is due")
        for v in (pain, effort):
            if v is not None and not 0 <= v <= 10:
                raise ValueError(f"ratings are 0-10, got {v}")
        set_index = self.trials[self.index - 1].set_index
        self.ratings.append({"set": set_index, "pain": pain, "effort": effort})
        self._events.append(Event(self.t, GMI_RATING, dict(self.ratings[-1])))
        self.phase = "done" if self.index >= len(self.trials) else "ready"
        self._phase_t = self.t

    def drain(self) -> list[Event]:
        out, self._events = self._events, []
        return out

    def summary(self) -> dict[str, object]:
        n = len(self.outcomes)
        still = self.outcomes.count("still")
        pains = [r["pain"] for r in self.ratings if r["pain"] is not None]
        return {"trials": n, "still": still, "moved": n - still,
                "still_fraction": round(still / n, 4) if n else None,
                "median_peak_speed_bu_s": float(np.median(self.peaks)) if self.peaks else None,
                "ratings": list(self.ratings), "pain_max": max(pains) if pains else None}


def imagery_met(summary: dict[str, object], min_still_fraction: float) -> tuple[bool, str]:
    """Stage 2's criterion for the gate: enough pictures imagined with the limb still."""
    frac = summary.get("still_fraction")
    if frac is None:
        return False, "no pictures completed"
    ok = float(frac) >= min_still_fraction  # type: ignore[arg-type]
    return ok, (f"{float(frac):.0%} of pictures imagined still "  # type: ignore[arg-type]
                f"({'>=' if ok else '<'} {min_still_fraction:.0%})")
