"""Forward reach: the world-landmark signal, the depth tolerance from the measured
error, target placement, the trial rules and the 3-D metrics."""

from __future__ import annotations

import math

import numpy as np
import pytest

from exercises.events import HOLD_COMPLETE, TARGET_SHOWN, TIMEOUT, TOUCH
from exercises.forward_reach import (
    ForwardEnvelope,
    ForwardReachExercise,
    depth_tolerance,
    forward_depths,
    make_target,
    touches,
)
from telemetry.metrics3d import forward_rom, sparc_3d
from vision.forward import DEPTH_ERROR_ARM, ForwardTracker, forward_reach


def _world(wrist_forward_m: float, side: str = "right", width: float = 0.36) -> np.ndarray:
    """A world skeleton (metres, z away from the camera) with one wrist moved forward."""
    w = np.zeros((33, 3))
    w[11] = (-width / 2, -0.5, 0.0)  # left shoulder
    w[12] = (width / 2, -0.5, 0.0)  # right shoulder
    w[15] = (-width / 2, -0.2, 0.0)
    w[16] = (width / 2, -0.2, 0.0)
    w[16 if side == "right" else 15, 2] = -wrist_forward_m  # toward the camera = -z
    return w


def test_forward_reach_is_in_shoulder_widths_and_signed() -> None:
    assert forward_reach(_world(0.36), "right") == pytest.approx(1.0)
    assert forward_reach(_world(0.18, "left"), "left") == pytest.approx(0.5)
    assert forward_reach(_world(-0.09), "right") == pytest.approx(-0.25)  # behind the shoulder
    assert forward_reach(_world(0.36), "left") == pytest.approx(0.0)


def test_forward_reach_gates_on_visibility_and_degenerate_skeletons() -> None:
    vis = np.ones(33)
    vis[16] = 0.2
    assert forward_reach(_world(0.3), "right", vis) is None
    assert forward_reach(_world(0.3), "left", vis) == pytest.approx(0.0)
    assert forward_reach(_world(0.3, width=0.0), "right") is None


def test_tracker_filters_and_resets_on_loss() -> None:
    tr = ForwardTracker()
    vals = [tr.update(i / 30, _world(0.36))["right"] for i in range(10)]
    assert vals[-1] == pytest.approx(1.0)
    jump = tr.update(10 / 30, _world(0.72))["right"]
    assert 1.0 < jump < 2.0  # smoothed, not the raw 2.0
    assert tr.update(11 / 30, None)["right"] is None
    assert tr.update(12 / 30, _world(0.72))["right"] == pytest.approx(2.0)  # no smear after loss


def test_tolerance_uses_the_measured_error() -> None:
    assert DEPTH_ERROR_ARM == pytest.approx(0.58)
    assert depth_tolerance(1.8) == pytest.approx(0.58 * 1.8)
    with pytest.raises(ValueError):
        depth_tolerance(0.0)


def test_forward_depths_only_where_the_error_allows() -> None:
    # arm 1.8 body units -> tolerance 1.044; a depth needs >= 2.088 beyond rest
    assert forward_depths(2.2, 1.8) == pytest.approx((2.2,))
    assert forward_depths(2.7, 1.8) == pytest.approx((2.16, 2.7))
    assert forward_depths(1.6, 1.8) == ()  # cannot tell from rest: 2-D targets only
    assert forward_depths(None, 1.8) == ()
    # a smaller arm (so a smaller absolute error) allows nearer targets
    assert forward_depths(1.6, 1.2) == pytest.approx((1.6,))


def test_envelope_is_a_robust_high_percentile_beyond_rest() -> None:
    env = ForwardEnvelope()
    for v in np.linspace(0.2, 1.2, 40):
        env.add("right", float(v))
    assert env.result("right") is None  # no rest measured yet
    for v in [0.3] * 5:
        env.add_rest("right", v)
    assert env.rest("right") is None  # too few rest samples
    for v in [0.3] * 10:
        env.add_rest("right", v)
    env.add("right", 9.0)  # one spike
    env.add("right", None)
    env.add("right", math.nan)
    r = env.result("right")
    assert env.rest("right") == pytest.approx(0.3)
    assert r is not None and 0.7 < r < 1.0  # ~1.1 p90 minus the 0.3 rest
    assert env.result("left") is None


def test_touch_needs_the_spot_and_enough_depth_beyond_rest() -> None:
    tgt = make_target("right", depth=1.5, radius=0.3)
    assert (tgt.x, tgt.y) == (0.5, -0.3)
    assert touches(tgt, 0.5, -0.3, 1.0, tolerance=0.6)
    assert not touches(tgt, 0.5, -0.3, 1.0, tolerance=0.6, rest=0.3)  # only 0.7 beyond rest
    assert not touches(tgt, 0.5, -0.3, 0.8, tolerance=0.6)  # not forward enough
    assert not touches(tgt, 1.0, -0.3, 1.5, tolerance=0.6)  # off the spot
    assert not touches(tgt, 0.5, -0.3, None, tolerance=0.6)


def test_exercise_hits_after_the_hold_and_times_out() -> None:
    ex = ForwardReachExercise(side="left", depths=(2.2,), arm_length=1.8, rest=0.3, hold_s=0.5,
                              timeout_s=2.0, trials=2)
    dt = 1 / 30
    kinds: list[str] = []
    t = 0.0
    while ex.hits == 0:
        kinds += [e.kind for e in ex.step(t, -0.5, -0.3, 1.5, dt)]  # 1.2 beyond rest >= 2.2 - 1.044
        t += dt
    assert kinds[0] == TARGET_SHOWN and TOUCH in kinds and kinds[-1] == HOLD_COMPLETE
    assert 0.5 <= t < 0.6
    while not ex.done:
        kinds += [e.kind for e in ex.step(t, -0.5, -0.3, 0.3, dt)]  # hand at rest: never deep enough
        t += dt
    assert kinds[-1] == TIMEOUT and ex.timeouts == 1
    assert ex.step(t, 0, 0, 0, dt) == []
    with pytest.raises(ValueError):
        ForwardReachExercise(side="left", depths=(), arm_length=1.8, rest=0.0)


def test_forward_rom_ignores_spikes() -> None:
    f = np.concatenate([np.linspace(0, 1, 100), [8.0], [np.nan]])
    assert forward_rom(f) == pytest.approx(np.percentile(f[:-1], 95) - np.percentile(f[:-1], 5))
    assert forward_rom(np.linspace(0, 1, 100)) == pytest.approx(0.9, abs=0.01)
    assert math.isnan(forward_rom(np.array([1.0])))


def test_sparc_3d_prefers_a_smooth_reach_and_uses_depth() -> None:
    t = np.linspace(0, 1, 61)
    smooth = 0.5 - 0.5 * np.cos(np.pi * t)  # minimum-jerk-like 0 -> 1
    jerky = smooth + 0.05 * np.sin(2 * np.pi * 6 * t)
    zeros = np.zeros_like(t)
    s_smooth = sparc_3d(t, np.stack([zeros, zeros, smooth], 1))
    s_jerky = sparc_3d(t, np.stack([zeros, zeros, jerky], 1))
    assert s_smooth > s_jerky  # SPARC: closer to 0 is smoother
    # the same movement in the image plane scores the same: speed is 3-D
    assert sparc_3d(t, np.stack([smooth, zeros, zeros], 1)) == pytest.approx(s_smooth)
    assert math.isnan(sparc_3d(t[:2], np.zeros((2, 3))))
