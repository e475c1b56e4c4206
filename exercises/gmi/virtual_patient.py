"""A seeded virtual patient for the laterality task (demo and tests).

Why this shape: it reproduces the effects the task exists to show, so the
scoring and the report can be checked end to end: response time rises with
the rotation angle, lateral rotations are slower than medial ones (the
biomechanical-constraints effect), the affected side is slower and less
accurate, and answering by raising a hand adds movement time. The numbers are
a model of those effects, not norms.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from exercises.gmi.laterality import Side, Trial, rotation_kind, signed_angle


@dataclass(frozen=True, slots=True)
class LateralityProfile:
    base_rt_s: float = 1.1  # upright picture, unaffected side, key answer
    per_180_s: float = 0.9  # added at 180 degrees (linear in |angle|)
    lateral_s: float = 0.35  # lateral rotations' extra
    affected_s: float = 0.4  # affected side's extra
    camera_s: float = 0.7  # raising a hand instead of pressing a key
    noise_sd: float = 0.15  # log-normal spread
    accuracy_upright: float = 0.97
    accuracy_loss_180: float = 0.18
    affected_accuracy_loss: float = 0.08


class VirtualLateralityPatient:
    def __init__(self, seed: int, affected: str = "right",
                 profile: LateralityProfile | None = None) -> None:
        self.rng = random.Random(seed)
        self.affected = affected
        self.p = profile or LateralityProfile()

    def respond(self, trial: Trial, mode: str) -> tuple[Side, float]:
        """The side answered and after how many seconds."""
        p = self.p
        frac = abs(signed_angle(trial.angle_deg)) / 180.0
        affected = trial.side == self.affected or self.affected == "both"
        rt = p.base_rt_s + p.per_180_s * frac
        if rotation_kind(trial.side, trial.angle_deg) == "lateral":
            rt += p.lateral_s
        if affected:
            rt += p.affected_s
        if mode == "camera":
            rt += p.camera_s
        rt *= math.exp(self.rng.gauss(0.0, p.noise_sd))
        acc = p.accuracy_upright - p.accuracy_loss_180 * frac
        if affected:
            acc -= p.affected_accuracy_loss
        correct = self.rng.random() < acc
        other: Side = "left" if trial.side == "right" else "right"
        return (trial.side if correct else other), rt


class VirtualImageryArm:
    """The affected arm during imagery: at rest with tracking jitter (about 0.01 shoulder
    widths per frame), and on some pictures (`move_p`) a real movement of the hand
    (0.6 shoulder widths over about a second) part-way through."""

    def __init__(self, seed: int, side: str, move_p: float = 0.2,
                 jitter_bu: float = 0.01) -> None:
        self.rng = random.Random(seed)
        self.side = side
        self.move_p = move_p
        self.jitter = jitter_bu
        self._plan: dict[int, float | None] = {}
        self._rest = [(0.6 if side == "right" else -0.6, -1.2), (0.5 if side == "right" else -0.5,
                                                                  -1.6)]

    def points(self, t: float, run: object) -> list[tuple[float, float]]:
        import numpy as np

        idx = getattr(run, "index", 0)
        if idx not in self._plan:
            self._plan[idx] = (self.rng.uniform(2.0, 6.0) if self.rng.random() < self.move_p
                               else None)
        start = self._plan[idx]
        shift = 0.0
        if getattr(run, "phase", "") == "imagine" and start is not None:
            into = t - getattr(run, "_phase_t", t) - start
            shift = 0.6 * min(1.0, max(0.0, into))
        out = [(x + self.rng.gauss(0, self.jitter), y + shift + self.rng.gauss(0, self.jitter))
               for x, y in self._rest]
        return np.array(out)  # type: ignore[return-value]

    def rating(self, item: str) -> int:
        return self.rng.choice((2, 3, 3, 4)) if item == "pain" else self.rng.choice((3, 4, 5, 6))
