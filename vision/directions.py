"""The eight reach directions, named relative to the arm in use.

Names are side-relative so one plan serves either arm: "out" is away from
the body midline (toward the patient's right for the right arm), "in" is
across the body. Unit vectors are in body units for the RIGHT arm (+x to the
patient's right, +y up); mirror x for the left arm with `direction_vector`.
"""

from __future__ import annotations

import math
from typing import Literal

Direction = Literal["out", "up_out", "up", "up_in", "in", "down_in", "down", "down_out"]

DIRECTIONS: tuple[Direction, ...] = ("out", "up_out", "up", "up_in", "in", "down_in", "down", "down_out")
_ANGLE_DEG: dict[str, float] = {
    "out": 0.0, "up_out": 45.0, "up": 90.0, "up_in": 135.0,
    "in": 180.0, "down_in": 225.0, "down": 270.0, "down_out": 315.0,
}
# What a seated patient can reach without leaning over the chair's edge.
SEATED_DIRECTIONS: tuple[Direction, ...] = ("out", "up_out", "up", "up_in", "in", "down_out")


def direction_vector(direction: str, side: Literal["left", "right"]) -> tuple[float, float]:
    """Unit vector (x, y) in body units for `direction` of the arm on `side`."""
    try:
        a = math.radians(_ANGLE_DEG[direction])
    except KeyError:
        raise ValueError(f"unknown reach direction {direction!r}; expected one of {', '.join(DIRECTIONS)}") from None
    x, y = math.cos(a), math.sin(a)
    return (x if side == "right" else -x, y)
