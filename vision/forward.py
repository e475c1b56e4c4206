"""Forward/backward reach from MediaPipe's world landmarks, in body units.

Why: targets in front of the body (a cup, a shelf) need the hand's distance in
front of the shoulder, which the image plane cannot show. MediaPipe's pose
world landmarks are metres about the hip centre with z growing AWAY from the
camera; a patient faces the camera, so "forward" is -z. Reach is expressed in
shoulder widths (the same world landmarks' shoulder distance), like every other
position in NeuroPlay.

How good it is: benchmarks/depth.py (docs/benchmarks.md "Depth from one
camera") measured the single-camera wrist depth against Vicon: median absolute
error 0.58 arm lengths, only large forward swings followed in direction. So
this signal is a coarse one, used with `DEPTH_ERROR_ARM` as the tolerance
(exercises.forward_reach), never as a precise position.

Pure: numpy and vision.filters only; time is passed in (seconds).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from vision.bodyframe import LEFT_WRIST, RIGHT_WRIST
from vision.filters import OneEuroFilter

Side = Literal["left", "right"]
LEFT_SHOULDER, RIGHT_SHOULDER = 11, 12
# Median wrist forward-displacement error of single-camera depth, as a fraction of
# arm length, measured by benchmarks/depth.py on KERAAL (six wrist rows: 52-95 %).
DEPTH_ERROR_ARM = 0.58
ENVELOPE_PERCENTILE = 90.0  # of the filtered forward samples while reaching as far as comfortable
MIN_ENVELOPE_SAMPLES = 10
MIN_VISIBILITY = 0.5  # shoulder and wrist must both be seen this well
MIN_SHOULDER_WIDTH_M = 0.05  # below this the world skeleton is degenerate

_SHOULDER = {"left": LEFT_SHOULDER, "right": RIGHT_SHOULDER}
_WRIST = {"left": LEFT_WRIST, "right": RIGHT_WRIST}


def forward_reach(pose_world: np.ndarray, side: Side,
                  visibility: np.ndarray | None = None) -> float | None:
    """How far the `side` wrist is in front of its shoulder, in shoulder widths
    (negative: behind it). None when the landmarks are not seen well enough."""
    w = np.asarray(pose_world, float)
    s, k = _SHOULDER[side], _WRIST[side]
    if visibility is not None and min(float(visibility[s]), float(visibility[k])) < MIN_VISIBILITY:
        return None
    width = float(np.linalg.norm(w[LEFT_SHOULDER] - w[RIGHT_SHOULDER]))
    if not np.isfinite(width) or width < MIN_SHOULDER_WIDTH_M:
        return None
    value = (w[s, 2] - w[k, 2]) / width
    return float(value) if np.isfinite(value) else None


class ForwardTracker:
    """Filtered forward reach per side (One-Euro, like the hand positions);
    a lost sample resets that side so reacquisition does not smear."""

    def __init__(self, min_cutoff: float = 1.0, beta: float = 0.5) -> None:
        self._filters = {s: OneEuroFilter(min_cutoff, beta) for s in ("left", "right")}

    def reset(self) -> None:
        for f in self._filters.values():
            f.reset()

    def update(self, t: float, pose_world: np.ndarray | None,
               visibility: np.ndarray | None = None) -> dict[Side, float | None]:
        out: dict[Side, float | None] = {}
        for side in ("left", "right"):
            raw = None if pose_world is None else forward_reach(pose_world, side, visibility)
            if raw is None:
                self._filters[side].reset()
                out[side] = None
            else:
                out[side] = float(self._filters[side](t, raw).value)
        return out


@dataclass
class ForwardEnvelope:
    """Per side: forward readings (body units) while resting (`add_rest`) and while
    reaching forward as far as is comfortable (`add`); the envelope is the reach's
    high percentile minus the resting median."""

    samples: dict[str, list[float]] = field(default_factory=lambda: {"left": [], "right": []})
    rest_samples: dict[str, list[float]] = field(default_factory=lambda: {"left": [], "right": []})

    def add(self, side: Side, forward: float | None) -> None:
        if forward is not None and math.isfinite(forward):
            self.samples[side].append(float(forward))

    def add_rest(self, side: Side, forward: float | None) -> None:
        if forward is not None and math.isfinite(forward):
            self.rest_samples[side].append(float(forward))

    def rest(self, side: Side) -> float | None:
        s = self.rest_samples[side]
        return float(np.median(s)) if len(s) >= MIN_ENVELOPE_SAMPLES else None

    def result(self, side: Side) -> float | None:
        s, rest = self.samples[side], self.rest(side)
        if len(s) < MIN_ENVELOPE_SAMPLES or rest is None:
            return None
        return float(np.percentile(s, ENVELOPE_PERCENTILE)) - rest
