"""Minimum-jerk point-to-point movements (Flash and Hogan 1985).

Why: unconstrained human reaches follow the trajectory that minimises the
integrated squared jerk, x(tau) = x0 + (x1 - x0)(10 tau^3 - 15 tau^4 + 6 tau^5)
with tau = (t - t0) / T. Its speed profile is a symmetric bell whose peak
(at tau = 0.5) is 1.875 x the mean speed. The virtual patient moves its hand
and trunk this way so the kinematic metrics telemetry computes (movement
time, peak speed, SPARC) see a human-like movement.

Pure functions of time; no state.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

PEAK_TO_MEAN_SPEED = 1.875  # 30/16: max of the shape's derivative (at tau = 0.5)


def shape(tau: float | np.ndarray) -> float | np.ndarray:
    """s(tau) = 10 tau^3 - 15 tau^4 + 6 tau^5, with tau clipped to [0, 1]."""
    u = np.clip(tau, 0.0, 1.0)
    return u ** 3 * (10.0 + u * (-15.0 + 6.0 * u))


def shape_rate(tau: float | np.ndarray) -> float | np.ndarray:
    """ds/dtau = 30 tau^2 (1 - tau)^2 (zero outside [0, 1])."""
    u = np.asarray(tau, dtype=float)
    inside = (u >= 0.0) & (u <= 1.0)
    out = np.where(inside, 30.0 * u ** 2 * (1.0 - u) ** 2, 0.0)
    return float(out) if out.ndim == 0 else out


@dataclass(frozen=True, slots=True)
class MinJerk:
    """One movement from `start` to `end` (any dimension) over [t0, t0 + duration].

    `bow` (2-D only) curves the path sideways: the hand deviates from the
    straight line by bow x distance x sin(pi s) at progress s, to the left of
    the direction of travel for bow > 0. Real reaches are slightly curved;
    bow = 0 is the pure straight minimum-jerk movement.
    """

    t0: float
    duration: float
    start: tuple[float, ...]
    end: tuple[float, ...]
    bow: float = 0.0

    def __post_init__(self) -> None:
        if not self.duration > 0:
            raise ValueError(f"movement duration must be > 0, got {self.duration}")
        if len(self.start) != len(self.end):
            raise ValueError("movement start and end differ in dimension")
        if self.bow and len(self.start) != 2:
            raise ValueError("a bowed movement must be 2-D")

    def _side(self) -> tuple[float, float]:
        """bow x the start->end vector turned 90 degrees left."""
        dx, dy = self.end[0] - self.start[0], self.end[1] - self.start[1]
        return (-dy * self.bow, dx * self.bow)

    def position(self, t: float) -> tuple[float, ...]:
        s = float(shape((t - self.t0) / self.duration))
        p = tuple(a + (b - a) * s for a, b in zip(self.start, self.end))
        if self.bow:
            k = math.sin(math.pi * s)
            px, py = self._side()
            p = (p[0] + px * k, p[1] + py * k)
        return p

    def velocity(self, t: float) -> tuple[float, ...]:
        tau = (t - self.t0) / self.duration
        r = float(shape_rate(tau)) / self.duration
        v = tuple((b - a) * r for a, b in zip(self.start, self.end))
        if self.bow:
            dk = math.pi * math.cos(math.pi * float(shape(tau))) * r
            px, py = self._side()
            v = (v[0] + px * dk, v[1] + py * dk)
        return v

    @property
    def t1(self) -> float:
        return self.t0 + self.duration

    @property
    def distance(self) -> float:
        return float(np.linalg.norm(np.subtract(self.end, self.start)))
