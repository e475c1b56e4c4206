"""vision.depth: alignment, triangulation and error math on synthetic data with known answers."""

from __future__ import annotations

import numpy as np
import pytest

from vision.depth import (
    best_lag,
    depth_axis,
    depth_error,
    displacement,
    fit_affine_camera,
    projection_matrix,
    reproject,
    resample,
    triangulate,
    units_per_image_width,
)


def _rot_z(deg: float) -> np.ndarray:
    a = np.radians(deg)
    return np.array([[np.cos(a), -np.sin(a), 0], [np.sin(a), np.cos(a), 0], [0, 0, 1]])


def _camera_facing_minus_x(scale: float) -> np.ndarray:
    """Rows: image x, image y of a camera at +x looking along -x in a z-up world:
    right = forward x up = (-1, 0, 0) x (0, 0, 1) = +y; image y = down = -z."""
    return np.array([[0.0, 1.0, 0.0], [0.0, 0.0, -1.0]]) * scale


def test_affine_fit_recovers_camera_and_depth_axis() -> None:
    rng = np.random.default_rng(1)
    X = rng.normal(size=(200, 3)) * 500
    R = _rot_z(20)
    A = _camera_facing_minus_x(1 / 4000) @ R.T
    uv = X @ A.T + np.array([0.5, 0.4])
    cam = fit_affine_camera(X, uv)
    assert cam.rms < 1e-9
    np.testing.assert_allclose(cam.A, A, atol=1e-12)
    # away from the camera = -x rotated by R
    np.testing.assert_allclose(depth_axis(cam), R @ np.array([-1.0, 0, 0]), atol=1e-9)
    assert units_per_image_width(cam) == pytest.approx(4000)


def test_affine_fit_ignores_nan_rows_and_rejects_too_few() -> None:
    X = np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1], [np.nan, 0, 0]], float)
    uv = X[:, :2] * 2
    cam = fit_affine_camera(X, uv)
    np.testing.assert_allclose(cam.project(np.array([[1.0, 1.0, 5.0]])), [[2.0, 2.0]], atol=1e-9)
    with pytest.raises(ValueError, match="at least 4"):
        fit_affine_camera(X[:3], uv[:3])


def test_mirrored_camera_flips_the_cross_product() -> None:
    """A mirrored image reverses image x; the benchmark negates the axis for it."""
    A = _camera_facing_minus_x(1.0)
    X = np.random.default_rng(2).normal(size=(50, 3))
    mirrored = fit_affine_camera(X, X @ (np.diag([-1.0, 1.0]) @ A).T)
    np.testing.assert_allclose(depth_axis(mirrored), [1.0, 0, 0], atol=1e-9)


def test_best_lag_finds_a_known_shift_between_subframe_samples() -> None:
    t = np.linspace(0, 6, 181)  # 30 Hz
    signal = lambda tt: np.sin(2 * np.pi * 0.4 * tt) + 0.5 * np.sin(2 * np.pi * 1.1 * tt)
    t_fast = np.linspace(0, 6, 361)  # 60 Hz
    true_lag = 0.137
    fast = signal(t_fast - true_lag)  # the fast recording runs true_lag behind

    def cost(lag: float) -> float:
        r = resample(t_fast + lag, fast, t)  # shift the fast one back by lag
        ok = np.isfinite(r)
        return float(np.mean((r[ok] - signal(t)[ok]) ** 2))

    assert best_lag(cost, 0.5, 1 / 60) == pytest.approx(-true_lag, abs=0.004)


def test_resample_never_extrapolates() -> None:
    out = resample(np.array([0.0, 1.0]), np.array([[0.0, 10.0], [1.0, 20.0]]),
                   np.array([-0.5, 0.5, 1.5]))
    assert np.isnan(out[0]).all() and np.isnan(out[2]).all()
    np.testing.assert_allclose(out[1], [0.5, 15.0])


def test_triangulation_recovers_points_and_reprojects() -> None:
    K = np.array([[900.0, 0, 360], [0, 900, 360], [0, 0, 1]])
    R0, T0 = np.eye(3), np.zeros(3)
    R1 = _rot_z(0) @ np.array([[np.cos(0.3), 0, np.sin(0.3)], [0, 1, 0], [-np.sin(0.3), 0, np.cos(0.3)]])
    T1 = np.array([-12.0, 0.0, 2.0])
    P0, P1 = projection_matrix(K, R0, T0), projection_matrix(K, R1, T1)
    X = np.random.default_rng(3).uniform([-5, -5, 30], [5, 5, 50], size=(21, 3))
    uv0, uv1 = reproject(P0, X), reproject(P1, X)
    np.testing.assert_allclose(triangulate(P0, P1, uv0, uv1), X, atol=1e-6)
    # a half-pixel error moves a 40-unit-deep point by well under one unit
    err = triangulate(P0, P1, uv0 + 0.5, uv1) - X
    assert np.abs(err).max() < 1.0
    uv1[0] = np.nan
    assert np.isnan(triangulate(P0, P1, uv0, uv1)[0]).all()


def test_depth_error_statistics_on_known_series() -> None:
    t = np.sin(np.linspace(0, 4 * np.pi, 400)) * 20  # +-20 cm of forward motion
    e = 0.5 * t + 3.0  # half the true swing, 3 cm high
    de = depth_error(e, t, reference_length=60.0)
    assert de.gain == pytest.approx(0.5)
    assert de.r == pytest.approx(1.0)
    assert de.bias == pytest.approx(3.0, abs=1e-9)
    assert de.mae == pytest.approx(np.mean(np.abs(3.0 - 0.5 * t)))
    assert de.mae_fraction == pytest.approx(de.mae / 60.0)
    assert de.true_range == pytest.approx(np.percentile(t, 95) - np.percentile(t, 5))
    inverted = depth_error(-t, t, 60.0)
    assert inverted.r == pytest.approx(-1.0) and inverted.gain == pytest.approx(-1.0)
    with pytest.raises(ValueError):
        depth_error(np.array([1.0, np.nan]), np.array([1.0, 2.0]), 1.0)


def test_displacement_is_about_the_median() -> None:
    np.testing.assert_allclose(displacement(np.array([1.0, 2.0, 10.0, np.nan])),
                               [-1.0, 0.0, 8.0, np.nan])
