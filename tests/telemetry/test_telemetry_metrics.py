"""Metrics on analytic signals with known answers."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from telemetry.metrics import (
    ldlj,
    movement_units,
    range_of_motion,
    reach_trial_metrics,
    repetition_quality,
    segment_movement,
    sparc,
    tapping_metrics,
    trunk_metrics,
    uniform_path,
)

GAUSS_T = np.arange(-1, 1, 0.01)
GAUSS = np.exp(-5 * GAUSS_T ** 2)


def min_jerk(t: np.ndarray, t0: float, duration: float) -> np.ndarray:
    tau = np.clip((t - t0) / duration, 0, 1)
    return 10 * tau ** 3 - 15 * tau ** 4 + 6 * tau ** 5


def test_sparc_reference_value() -> None:
    assert sparc(GAUSS, 100) == pytest.approx(-1.41403, abs=1e-5)


def test_ldlj_reference_value_speed_and_vector() -> None:
    assert ldlj(GAUSS, 100) == pytest.approx(-5.81636, abs=1e-5)
    # A straight-line velocity with the same speed profile gives the same value.
    vel = np.stack([0.6 * GAUSS, 0.8 * GAUSS], axis=1)
    assert ldlj(vel, 100) == pytest.approx(-5.81636, abs=1e-5)


@settings(max_examples=25, deadline=None)
@given(st.floats(0.05, 50.0))
def test_smoothness_is_amplitude_free(scale: float) -> None:
    assert sparc(scale * GAUSS, 100) == pytest.approx(-1.41403, abs=1e-5)
    assert ldlj(scale * GAUSS, 100) == pytest.approx(-5.81636, abs=1e-5)


def test_a_two_bump_movement_is_less_smooth() -> None:
    t = np.arange(0, 2, 0.01)
    one = np.exp(-((t - 1) / 0.25) ** 2)
    two = np.exp(-((t - 0.7) / 0.15) ** 2) + np.exp(-((t - 1.3) / 0.15) ** 2)
    assert sparc(two, 100) < sparc(one, 100)
    assert ldlj(two, 100) < ldlj(one, 100)
    assert movement_units(one, 100, min_rise=0.05) == 1
    assert movement_units(two, 100, min_rise=0.05) == 2
    # rises below the threshold are not units
    assert movement_units(0.01 * two, 100, min_rise=0.05) == 0


def test_segmentation_at_two_percent_of_peak() -> None:
    fs = 100.0
    t = np.arange(0, 3, 1 / fs)
    speed = np.gradient(min_jerk(t, 1.0, 1.0), 1 / fs)
    seg = segment_movement(speed)
    # min-jerk speed is 30 tau^2 (1 - tau)^2 / T; 2 % of its peak at tau ~= 0.0306
    tau_on = 0.030
    assert t[seg.i_on] == pytest.approx(1.0 + tau_on, abs=0.015)
    assert t[seg.i_off] == pytest.approx(2.0 - tau_on, abs=0.015)
    assert t[seg.i_peak] == pytest.approx(1.5, abs=0.011)


@pytest.mark.parametrize("rate", [15.0, 30.0, 60.0])
def test_reach_trial_metrics_any_rate(rate: float) -> None:
    t = np.arange(0, 3, 1 / rate)
    s = min_jerk(t, 1.0, 1.0)
    start, target = np.array([0.5, 0.0]), np.array([1.1, 0.8])
    path = start + s[:, None] * (target - start)
    m = reach_trial_metrics(t, path, target, t_target_shown=0.6, metres_per_unit=0.4)
    # onset at 1.0 + 0.03 s; movement time 1.0 - 2 x 0.03 s (tolerance: sampling)
    assert m.reaction_time_s == pytest.approx(0.43, abs=0.04)
    assert m.movement_time_s == pytest.approx(0.94, abs=0.06)
    assert m.time_to_peak_pct == pytest.approx(50, abs=4)
    assert m.path_length_ratio == pytest.approx(1.0, abs=0.03)
    # peak speed of min-jerk: 1.875 x distance / T
    assert m.peak_speed_u_s == pytest.approx(1.875 * 1.0, rel=0.03)
    assert m.peak_speed_m_s == pytest.approx(1.875 * 0.4, rel=0.03)
    assert m.movement_units == 1
    assert m.end_error_u == pytest.approx(0.0, abs=1e-3)
    assert m.sparc == pytest.approx(-1.40, abs=0.1)


def test_curved_path_has_longer_path_ratio() -> None:
    t = np.arange(0, 3, 1 / 30)
    s = min_jerk(t, 1.0, 1.0)
    # a half-circle from (0,0) to (1,0): length pi/2 over distance 1
    path = np.stack([0.5 - 0.5 * np.cos(np.pi * s), 0.5 * np.sin(np.pi * s)], axis=1)
    m = reach_trial_metrics(t, path, [1.0, 0.0], t_target_shown=0.5)
    assert m.path_length_ratio == pytest.approx(math.pi / 2, rel=0.03)


def test_irregular_timestamps_are_resampled() -> None:
    rng = np.random.default_rng(3)
    t = np.sort(rng.uniform(0, 3, 70))
    t = np.concatenate([t, t[:3]])  # duplicates are dropped
    x = min_jerk(np.sort(t), 1.0, 1.0)
    grid, p = uniform_path(np.sort(t), x[:, None])
    assert np.allclose(np.diff(grid), 1 / 60)
    assert p[-1, 0] == pytest.approx(1.0, abs=0.02)


def test_tapping_metrics_known_rhythm_and_decrement() -> None:
    fs = 30.0
    t = np.arange(0, 10, 1 / fs)
    amp = np.where(t < 5, 1.0, 0.5)  # amplitude halves in the second half
    d = 0.1 + amp * 0.5 * (1 - np.cos(2 * np.pi * 2.0 * t))  # 2 Hz taps
    m = tapping_metrics(d, fs)
    # 20 closings at t = 0, 0.5, ... 9.5; the one at t = 0 began before the recording
    # (it starts closed), so 19 taps are counted
    assert m.n_taps == 19
    assert m.tap_times_s[0] == pytest.approx(0.5, abs=0.02)
    assert m.rate_hz == pytest.approx(2.0, rel=0.02)
    assert m.rhythm_cov < 0.05
    assert m.decrement == pytest.approx(0.5, abs=0.08)
    assert m.interruptions == 0


def test_tapping_interruption_and_gaps() -> None:
    fs = 60.0
    t = np.arange(0, 8, 1 / fs)
    d = 0.1 + 0.5 * (1 - np.cos(2 * np.pi * 2.5 * t))
    d[(t > 3.0) & (t < 4.2)] = 0.1  # a freeze: one long interval
    d[10:14] = np.nan  # a short tracking gap is bridged
    m = tapping_metrics(d, fs)
    assert m.interruptions == 1
    assert m.rate_hz is not None and m.rate_hz < 2.5
    assert m.tap_times_s[0] == pytest.approx(0.4, abs=0.03)  # a closing (t = 0 began earlier)


def test_quality_score_penalises_jitter_and_low_visibility() -> None:
    fs = 30.0
    t = np.arange(0, 3, 1 / fs)
    clean = np.stack([min_jerk(t, 1, 1), np.zeros_like(t)], axis=1)
    good = repetition_quality(0.95, clean, fs, 1.0)
    assert not good.poor and good.score > 0.9
    noisy = clean + np.random.default_rng(1).normal(0, 0.1, clean.shape)
    bad = repetition_quality(0.95, noisy, fs, 1.0)
    assert bad.poor and bad.jitter > 0.05
    assert repetition_quality(0.3, clean, fs, 1.0).poor


def test_range_of_motion_and_trunk() -> None:
    assert range_of_motion(np.array([10.0, np.nan, 95.0, 40.0])) == 85.0
    assert range_of_motion(np.array([np.nan])) is None
    mid = np.array([[0.0, 0.0], [0.1, 0.0], [0.3, 0.4], [0.1, 0.0]])
    tm = trunk_metrics(mid, np.array([0.0, 2.0, -6.0, 1.0]), metres_per_unit=0.4)
    assert tm.displacement_cm == pytest.approx(20.0)
    assert tm.rotation_deg == pytest.approx(6.0)


def test_camera_staircase_at_game_rate_is_not_jerky() -> None:
    # 30 fps samples re-read by a 60 Hz game loop: each position appears twice.
    t60 = np.arange(0, 3, 1 / 60)
    x30 = min_jerk(np.floor(t60 * 30) / 30, 1.0, 1.0)
    path = np.stack([x30, np.zeros_like(x30)], axis=1)
    stair = reach_trial_metrics(t60, path, [1.0, 0.0], t_target_shown=0.5)
    t30 = np.arange(0, 3, 1 / 30)
    clean = reach_trial_metrics(t30, np.stack([min_jerk(t30, 1, 1), 0 * t30], 1), [1.0, 0.0],
                                t_target_shown=0.5)
    assert stair.movement_units == 1
    assert stair.peak_speed_u_s == pytest.approx(clean.peak_speed_u_s, rel=0.05)
    assert stair.sparc == pytest.approx(clean.sparc, abs=0.05)


def test_tracking_jump_makes_a_repetition_poor() -> None:
    t = np.arange(0, 3, 1 / 30)
    x = min_jerk(t, 1.0, 1.0)
    x[45] += 1.5  # one frame jumps 1.5 shoulder widths and back: a tracking glitch
    m = reach_trial_metrics(t, np.stack([x, 0 * x], 1), [1.0, 0.0], t_target_shown=0.5,
                            metres_per_unit=0.4)
    assert m.poor_quality and "implausible hand speed" in m.quality_note
    ok = reach_trial_metrics(t, np.stack([min_jerk(t, 1, 1), 0 * t], 1), [1.0, 0.0], 0.5)
    assert not ok.poor_quality and ok.quality_note is None
