"""One Euro filter (Casiez, Roussel & Vogel, CHI 2012) for landmark jitter.

Role: smooth tracked positions with little lag. A low-pass filter whose
cutoff rises with speed: at rest the cutoff is `min_cutoff` Hz (jitter is
cut), when moving it grows by `beta` x |speed| (lag stays small).

Contract: time is passed in explicitly, in SECONDS (frame capture times), so
the filter is pure and replays give identical output; it works per
coordinate on a float or on a numpy array of any fixed shape. Each call
returns a frozen `Filtered` result. If time does not move forward the filter
warns (`FilterTimeWarning`) and restarts from that sample instead of
dividing by zero or crashing; `reset()` forgets the history (use it when
tracking is lost, so reacquisition does not smear across the gap).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np


class FilterTimeWarning(UserWarning):
    """A sample arrived with a timestamp not after the previous one."""


@dataclass(frozen=True, slots=True)
class Filtered:
    """One filtered sample: value and its filtered derivative (units per second)."""

    t: float
    value: np.ndarray | float
    derivative: np.ndarray | float


def _alpha(cutoff: np.ndarray | float, dt: float) -> np.ndarray | float:
    tau = 1.0 / (2.0 * math.pi * cutoff)
    return 1.0 / (1.0 + tau / dt)


class OneEuroFilter:
    """Per-coordinate One Euro filter with explicit time in seconds."""

    __slots__ = ("_dx", "_t", "_x", "beta", "d_cutoff", "min_cutoff")

    def __init__(self, min_cutoff: float = 1.0, beta: float = 0.0, d_cutoff: float = 1.0) -> None:
        if min_cutoff <= 0 or d_cutoff <= 0 or beta < 0:
            raise ValueError("One Euro filter needs min_cutoff > 0, d_cutoff > 0 and beta >= 0")
        self.min_cutoff = float(min_cutoff)
        self.beta = float(beta)
        self.d_cutoff = float(d_cutoff)
        self._t: float | None = None
        self._x: np.ndarray | float = 0.0
        self._dx: np.ndarray | float = 0.0

    def reset(self) -> None:
        self._t = None

    @property
    def initialized(self) -> bool:
        return self._t is not None

    def __call__(self, t: float, x: np.ndarray | float) -> Filtered:
        return self.step(t, x)

    def step(self, t: float, x: np.ndarray | float) -> Filtered:
        xv: np.ndarray | float = np.array(x, dtype=np.float64) if isinstance(x, np.ndarray) else float(x)
        if self._t is None:
            return self._restart(t, xv)
        dt = t - self._t
        if not dt > 0:
            warnings.warn(f"One Euro filter: time did not move forward ({self._t:.6f} s -> {t:.6f} s); "
                          "restarting the filter from this sample", FilterTimeWarning, stacklevel=2)
            return self._restart(t, xv)
        dx = (xv - self._x) / dt
        a_d = _alpha(self.d_cutoff, dt)
        dx_hat = a_d * dx + (1.0 - a_d) * self._dx
        cutoff = self.min_cutoff + self.beta * np.abs(dx_hat)
        a = _alpha(cutoff, dt)
        x_hat = a * xv + (1.0 - a) * self._x
        self._t, self._x, self._dx = t, x_hat, dx_hat
        return Filtered(t, _copy(x_hat), _copy(dx_hat))

    def _restart(self, t: float, xv: np.ndarray | float) -> Filtered:
        self._t = t
        self._x = xv
        self._dx = np.zeros_like(xv) if isinstance(xv, np.ndarray) else 0.0
        return Filtered(t, _copy(xv), _copy(self._dx))


def _copy(v: np.ndarray | float) -> np.ndarray | float:
    if isinstance(v, np.ndarray):
        c = v.copy()
        c.setflags(write=False)
        return c
    return float(v)
