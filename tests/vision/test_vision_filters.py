"""One Euro filter: cuts jitter at rest, lags less than a moving average when moving."""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pytest

from vision.filters import FilterTimeWarning, OneEuroFilter


def _moving_average_causal(x: np.ndarray, n: int) -> np.ndarray:
    c = np.cumsum(np.insert(x, 0, 0.0))
    out = np.empty_like(x)
    for i in range(len(x)):
        lo = max(0, i - n + 1)
        out[i] = (c[i + 1] - c[lo]) / (i + 1 - lo)
    return out


@pytest.mark.parametrize("fps", [20.0, 30.0])
def test_cuts_jitter_and_lags_less_than_a_moving_average(fps: float) -> None:
    n = int(10 * fps)
    t = np.arange(n) / fps
    noise = np.random.default_rng(0).normal(0.0, 0.02, n)
    settle = int(fps)  # ignore the first second

    f = OneEuroFilter(min_cutoff=1.0, beta=1.0, d_cutoff=1.0)
    flat = np.array([f(ti, 1.0 + e).value for ti, e in zip(t, noise)])
    oe_sd = float(flat[settle:].std())
    assert oe_sd < 0.45 * 0.02  # jitter cut by more than half

    # A moving average at least as smooth as the filter at rest...
    win = 2
    while _moving_average_causal(1.0 + noise, win)[settle:].std() > oe_sd:
        win += 1
    # ...lags a 2 units/s ramp far more than the filter does.
    ramp = 2.0 * t
    f.reset()
    oe = np.array([f(ti, r + e).value for ti, r, e in zip(t, ramp, noise)])
    ma = _moving_average_causal(ramp + noise, win)
    oe_lag = float(np.mean(ramp[settle:] - oe[settle:]))
    ma_lag = float(np.mean(ramp[settle:] - ma[settle:]))
    assert ma_lag == pytest.approx((win - 1) / 2 / fps * 2.0, rel=0.1)
    assert oe_lag < 0.5 * ma_lag


def test_arrays_filter_per_coordinate_and_results_are_frozen() -> None:
    f = OneEuroFilter(1.0, 0.0, 1.0)
    a = f(0.0, np.array([0.0, 10.0]))
    b = f(0.1, np.array([1.0, 10.0]))
    assert b.value[1] == pytest.approx(10.0)
    assert 0.0 < b.value[0] < 1.0
    # alpha for cutoff 1 Hz, dt 0.1 s
    tau = 1 / (2 * np.pi)
    assert b.value[0] == pytest.approx(1 / (1 + tau / 0.1))
    with pytest.raises(dataclasses.FrozenInstanceError):
        b.value = 3  # type: ignore[misc]
    with pytest.raises(ValueError):
        b.value[0] = 5.0  # read-only array
    assert not hasattr(a, "__dict__")  # slotted


def test_time_going_backwards_warns_and_restarts() -> None:
    f = OneEuroFilter(1.0, 0.5, 1.0)
    f(1.0, 0.0)
    f(1.1, 0.0)
    with pytest.warns(FilterTimeWarning, match="did not move forward"):
        r = f(1.05, 5.0)
    assert r.value == 5.0 and r.derivative == 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert f(1.2, 5.0).value == pytest.approx(5.0)


def test_reset_forgets_history() -> None:
    f = OneEuroFilter(1.0, 0.0, 1.0)
    f(0.0, 0.0)
    f.reset()
    assert not f.initialized
    assert f(0.1, 7.0).value == 7.0


def test_bad_parameters_are_refused() -> None:
    with pytest.raises(ValueError):
        OneEuroFilter(min_cutoff=0.0)
