"""GMI stage 2: is the limb still while the patient imagines the movement?

Why body units per second: the check must mean the same at any camera
distance and frame rate, so positions are in shoulder widths (from the frame's
own shoulders) and speeds are displacements over a fixed time window in
seconds. The window (default 0.3 s) averages out landmark jitter, which is
frame-to-frame and zero-mean, while a real movement keeps going in one
direction. A trial ends as "moved" only when the speed stays above the plan's
threshold for `min_moving_s` (a single glitch is not a movement); frames
without the limb are skipped, never counted as movement.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import numpy as np

# MediaPipe Pose indices: shoulders 11 (left) / 12 (right), elbows 13/14, wrists 15/16
LIMB = {"left": (13, 15), "right": (14, 16)}
MIN_VISIBILITY = 0.5


def limb_points_bu(pose: np.ndarray, width: int, height: int, side: str) -> np.ndarray | None:
    """Elbow and wrist of `side` relative to the shoulder midpoint, in shoulder widths
    (pixel geometry, so a non-square image keeps its aspect); None when not visible."""
    p = np.asarray(pose, dtype=float)
    idx = (11, 12, *LIMB[side])
    if p.shape[0] < 17 or np.any(p[list(idx), 3] < MIN_VISIBILITY):
        return None
    px = p[:, :2] * np.array([width, height], dtype=float)
    mid = (px[11] + px[12]) / 2.0
    sw = float(np.linalg.norm(px[11] - px[12]))
    if sw < 1e-6:
        return None
    return (px[list(LIMB[side])] - mid) / sw


@dataclass
class StillnessMonitor:
    """Feed (t seconds, points in body units or None); `moved` latches once movement is seen."""

    threshold_bu_s: float
    window_s: float = 0.3
    min_moving_s: float = 0.2
    moved: bool = False
    moved_at: float | None = None
    peak_bu_s: float = 0.0
    _hist: deque[tuple[float, np.ndarray]] = field(default_factory=deque)
    _above_since: float | None = None

    def update(self, t: float, points: np.ndarray | None) -> float | None:
        """The windowed speed now (body units / s), or None until a window is filled."""
        if points is None:
            return None
        pts = np.asarray(points, dtype=float)
        self._hist.append((t, pts))
        while len(self._hist) > 2 and t - self._hist[1][0] >= self.window_s:
            self._hist.popleft()
        t0, p0 = self._hist[0]
        if t - t0 < self.window_s * 0.8:
            return None
        speed = float(np.max(np.linalg.norm(pts - p0, axis=1)) / (t - t0))
        self.peak_bu_s = max(self.peak_bu_s, speed)
        if speed > self.threshold_bu_s:
            if self._above_since is None:
                self._above_since = t
            if not self.moved and t - self._above_since >= self.min_moving_s:
                self.moved, self.moved_at = True, t
        else:
            self._above_since = None
        return speed


def windowed_speeds(ts: np.ndarray, points: list[np.ndarray | None],
                    window_s: float = 0.3) -> np.ndarray:
    """Every frame's windowed speed (NaN where unknown): for figures and tests."""
    mon = StillnessMonitor(threshold_bu_s=float("inf"), window_s=window_s)
    return np.array([np.nan if (s := mon.update(float(t), p)) is None else s
                     for t, p in zip(ts, points, strict=True)])
