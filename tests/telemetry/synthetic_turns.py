"""Shared by the telemetry tests: a plain event type and a minimum-jerk trunk turn."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

FPS = 30.0


@dataclass(frozen=True)
class Ev:
    t: float
    kind: str
    data: dict[str, Any]


def turn(t: np.ndarray, t0: float, amp_deg: float, dur: float = 2.0) -> np.ndarray:
    """0 -> amp -> 0 over [t0, t0 + dur] (a minimum-jerk turn out and back)."""
    u = np.clip((t - t0) / (dur / 2), 0, 2)
    up = np.minimum(u, 2 - u)
    return amp_deg * (10 * up ** 3 - 15 * up ** 4 + 6 * up ** 5)
