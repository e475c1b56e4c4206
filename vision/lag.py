"""The webcam latency self-test's estimator: how late the drawn marker follows the hand.

Why cross-correlation: in `neuroplay latency-test` the patient moves a hand quickly
left and right while a marker follows it. The hand's position is known at each
frame's CAPTURE time; the marker's at each DRAW time. The marker is late by the
tracking time, the game loop's wait for its step, and the smoothing filter's lag;
the last has no per-frame timestamp to subtract, so the delay is measured the way
the eye sees it: the shift that best lines the marker's path up with the hand's.

Method (pure, numpy): both series are resampled linearly onto one uniform grid
(`fs`, default 240 Hz: well under a camera frame at 15-30 fps), their means
removed; the normalised cross-correlation is evaluated for every shift from 0 to
`max_lag_s`; the peak is refined by a parabola through it and its neighbours.
The peak's correlation says whether the movement was good enough to measure
(quick left-right swings give a sharp peak; a still hand gives none).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

MIN_CORRELATION = 0.8  # below this the test asks the patient to try again
MIN_DURATION_S = 2.0
MIN_SWING = 0.1  # the hand must move at least this far (its units, e.g. body units) peak to peak


class LagError(ValueError):
    """The recording cannot give a lag (too short, no movement, bad samples)."""


@dataclass(frozen=True, slots=True)
class LagEstimate:
    lag_s: float  # marker behind the hand, seconds
    correlation: float  # normalised cross-correlation at the peak (-1..1)
    duration_s: float  # the span both series cover
    frames: int  # hand samples used

    @property
    def reliable(self) -> bool:
        return self.correlation >= MIN_CORRELATION


def _clean(t: ArrayLike, x: ArrayLike, name: str) -> tuple[np.ndarray, np.ndarray]:
    ta, xa = np.asarray(t, float).ravel(), np.asarray(x, float).ravel()
    if ta.shape != xa.shape:
        raise LagError(f"{name}: {ta.size} times but {xa.size} positions")
    ok = np.isfinite(ta) & np.isfinite(xa)
    tt, xx = ta[ok], xa[ok]
    order = np.argsort(tt, kind="stable")
    tt, xx = tt[order], xx[order]
    keep = np.concatenate([[True], np.diff(tt) > 0])  # one sample per time
    tt, xx = tt[keep], xx[keep]
    if tt.size < 4:
        raise LagError(f"{name}: fewer than 4 usable samples")
    return tt, xx


def estimate_lag(t_hand: ArrayLike, x_hand: ArrayLike, t_marker: ArrayLike, x_marker: ArrayLike,
                 *, max_lag_s: float = 0.6, fs: float = 240.0) -> LagEstimate:
    """The delay of the marker behind the hand (see the module docstring).

    `t_hand`/`x_hand`: the hand at each frame's capture time; `t_marker`/`x_marker`:
    the marker where and when it was drawn (same clock, same units).
    Raises LagError when the overlap is too short or the hand hardly moved."""
    th, xh = _clean(t_hand, x_hand, "hand")
    tm, xm = _clean(t_marker, x_marker, "marker")
    t0, t1 = max(th[0], tm[0]), min(th[-1], tm[-1])
    if t1 - t0 < MIN_DURATION_S + max_lag_s:
        raise LagError(f"the hand and the marker overlap {max(0.0, t1 - t0):.1f} s; "
                       f"need at least {MIN_DURATION_S + max_lag_s:.1f} s")
    if float(np.ptp(xh)) < MIN_SWING:
        raise LagError("the hand hardly moved: move it quickly left and right")
    grid = np.arange(t0, t1, 1.0 / fs)
    h = np.interp(grid, th, xh)
    m = np.interp(grid, tm, xm)
    h -= h.mean()
    m -= m.mean()
    n_lag = round(max_lag_s * fs)
    scores = np.empty(n_lag + 1)
    for k in range(n_lag + 1):
        a, b = h[: h.size - k], m[k:]  # marker shifted back by k samples
        a = a - a.mean()
        b = b - b.mean()
        den = math.sqrt(float(a @ a) * float(b @ b))
        scores[k] = float(a @ b) / den if den > 0 else 0.0
    k = int(np.argmax(scores))
    shift = float(k)
    if 0 < k < n_lag:  # parabolic refinement of the peak
        y0, y1, y2 = scores[k - 1], scores[k], scores[k + 1]
        den = y0 - 2 * y1 + y2
        if den < 0:
            shift += 0.5 * (y0 - y2) / den
    return LagEstimate(lag_s=shift / fs, correlation=float(scores[k]), duration_s=float(t1 - t0),
                       frames=int(th.size))
