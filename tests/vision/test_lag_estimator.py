"""The latency self-test's estimator recovers a known delay within one camera frame."""

from __future__ import annotations

import numpy as np
import pytest

from vision.lag import LagError, estimate_lag


def _swings(seconds: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A hand moving quickly left and right (minimum-jerk swings of irregular length
    and amplitude, body units), as a dense reference path."""
    rng = np.random.default_rng(seed)
    t, x, now, pos = [0.0], [0.0], 0.0, -0.5
    while now < seconds:
        dur = rng.uniform(0.3, 0.7)
        goal = -np.sign(pos) * rng.uniform(0.4, 0.8)
        s = np.linspace(0, 1, 40)[1:]
        shape = 10 * s**3 - 15 * s**4 + 6 * s**5
        t.extend(now + s * dur)
        x.extend(pos + (goal - pos) * shape)
        now, pos = now + dur, goal
    return np.array(t), np.array(x)


def _record(fps: float, delay_s: float, seed: int, noise: float = 0.01):
    """Camera frames at `fps` (capture stamps, a little jitter); the marker drawn at 60 Hz
    shows the newest frame that has been through the pipeline (captured <= draw - delay)."""
    rng = np.random.default_rng(seed + 100)
    ref_t, ref_x = _swings(12.0, seed)
    cap = np.arange(0.0, 11.5, 1.0 / fps) + rng.normal(0, 0.002, int(np.ceil(11.5 * fps)))[: len(
        np.arange(0.0, 11.5, 1.0 / fps))]
    cap = np.sort(cap)
    hand = np.interp(cap, ref_t, ref_x) + rng.normal(0, noise, cap.size)
    draw = np.arange(0.5, 11.5, 1.0 / 60.0)
    idx = np.searchsorted(cap, draw - delay_s, side="right") - 1
    ok = idx >= 0
    return cap, hand, draw[ok], hand[idx[ok]]


@pytest.mark.parametrize("fps", [15.0, 24.0, 30.0])
@pytest.mark.parametrize("delay_s", [0.05, 0.12, 0.25])
def test_known_lag_is_recovered_within_one_frame(fps: float, delay_s: float) -> None:
    for seed in range(3):
        est = estimate_lag(*_record(fps, delay_s, seed))
        # the marker holds each frame until the next: on average half a frame later still
        assert abs(est.lag_s - delay_s) <= 1.0 / fps, (fps, delay_s, seed, est)
        assert est.reliable and est.correlation > 0.9


def test_no_movement_or_too_short_says_what_to_do() -> None:
    cap, hand, draw, marker = _record(30.0, 0.1, 0)
    with pytest.raises(LagError, match="move it quickly left and right"):
        estimate_lag(cap, np.zeros_like(hand), draw, np.zeros_like(marker))
    with pytest.raises(LagError, match="overlap"):
        estimate_lag(cap[:30], hand[:30], draw[:60], marker[:60])
    with pytest.raises(LagError, match="3 times but 2 positions"):
        estimate_lag([0, 1, 2], [0, 1], draw, marker)
