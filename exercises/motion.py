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
    """One movement from `start` to `end` (any dimension) over [t0, t0 + duration]."""

    t0: float
    duration: float
    start: tuple[float, ...]
    end: tuple[float, ...]

    def __post_init__(self) -> None:
        if not self.duration > 0:
            raise ValueError(f"movement duration must be > 0, got {self.duration}")
        if len(self.start) != len(self.end):
            raise ValueError("movement start and end differ in dimension")

    def position(self, t: float) -> tuple[float, ...]:
        s = float(shape((t - self.t0) / self.duration))
        return tuple(a + (b - a) * s for a, b in zip(self.start, self.end))

    def velocity(self, t: float) -> tuple[float, ...]:
        r = float(shape_rate((t - self.t0) / self.duration)) / self.duration
        return tuple((b - a) * r for a, b in zip(self.start, self.end))

    @property
    def t1(self) -> float:
        return self.t0 + self.duration

    @property
    def distance(self) -> float:
        return float(np.linalg.norm(np.subtract(self.end, self.start)))
