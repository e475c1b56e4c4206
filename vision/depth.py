"""Depth math: measure single-camera depth against a 3-D truth, and nothing else.

Why this module exists: MediaPipe gives a depth for every landmark from ONE
camera (the image `z` of pose and hands, and the metric "world" landmarks).
Before a game may put a target in front of the body, we must know how well that
depth follows real forward/backward motion. `benchmarks/depth.py` compares it
with motion capture (Vicon, KERAAL group 3) and with a stereo triangulation
(TemugeB's calibrated camera pair); this module holds the pure, tested math
those comparisons need:

* `fit_affine_camera` / `depth_axis`: which direction of the truth's frame is
  the camera's depth axis. Fitted ONLY from the image-plane coordinates
  (x, y), so the depth being judged never takes part in the alignment.
* `best_lag`: time alignment of two recordings of one movement by searching
  the lag that minimises the image-plane fit residual.
* `triangulate`: linear (DLT) triangulation from two calibrated views.
* `depth_error`: error statistics of an estimated forward displacement
  against the true one (bias, MAE, RMSE, p95, correlation, least-squares gain).

No I/O, no MediaPipe, no OpenCV: numpy only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, slots=True)
class AffineCamera:
    """uv = A @ X + b: a weak-perspective (affine) camera fitted to 3-D/2-D pairs."""

    A: np.ndarray  # (2, 3)
    b: np.ndarray  # (2,)
    rms: float  # residual RMS in image units

    def project(self, X: np.ndarray) -> np.ndarray:
        return np.asarray(X, float) @ self.A.T + self.b


def fit_affine_camera(X: np.ndarray, uv: np.ndarray) -> AffineCamera:
    """Least-squares affine camera from N 3-D points X (N, 3) and their images uv (N, 2).

    Rows with any NaN are ignored. Needs 4+ points not all in one plane.
    """
    X = np.asarray(X, float)
    uv = np.asarray(uv, float)
    ok = np.isfinite(X).all(axis=1) & np.isfinite(uv).all(axis=1)
    if ok.sum() < 4:
        raise ValueError(f"need at least 4 finite point pairs, got {int(ok.sum())}")
    M = np.hstack([X[ok], np.ones((int(ok.sum()), 1))])
    sol, *_ = np.linalg.lstsq(M, uv[ok], rcond=None)  # (4, 2)
    A, b = sol[:3].T.copy(), sol[3].copy()
    res = M @ sol - uv[ok]
    return AffineCamera(A, b, float(np.sqrt(np.mean(np.sum(res**2, axis=1)))))


def depth_axis(cam: AffineCamera) -> np.ndarray:
    """Unit vector of the camera's depth axis (pointing AWAY from the camera) in X's frame.

    Image x runs right and y runs down, so in a right-handed frame x cross y points
    into the scene, the direction in which MediaPipe's z grows ("smaller z is
    closer to the camera"). The truth's frame must be right-handed (Vicon and
    OpenCV camera frames are).
    """
    d = np.cross(cam.A[0], cam.A[1])
    n = float(np.linalg.norm(d))
    if n == 0.0:
        raise ValueError("degenerate affine camera: image axes are parallel")
    return d / n


def units_per_image_width(cam: AffineCamera) -> float:
    """Truth units per normalised image-x unit: MediaPipe's z uses "roughly the same
    scale as x", so this converts its z to the truth's units without looking at depth."""
    return 1.0 / float(np.linalg.norm(cam.A[0]))


def resample(t_src: np.ndarray, values: np.ndarray, t_dst: np.ndarray) -> np.ndarray:
    """Linear interpolation of `values` (T, ...) sampled at `t_src` onto `t_dst`;
    NaN outside [t_src[0], t_src[-1]] (never extrapolate a recording)."""
    t_src = np.asarray(t_src, float)
    v = np.asarray(values, float)
    flat = v.reshape(len(t_src), -1)
    out = np.empty((len(t_dst), flat.shape[1]))
    for j in range(flat.shape[1]):
        out[:, j] = np.interp(t_dst, t_src, flat[:, j], left=np.nan, right=np.nan)
    return out.reshape((len(t_dst),) + v.shape[1:])


def best_lag(cost: Callable[[float], float], max_lag: float, step: float) -> float:
    """The lag in [-max_lag, max_lag] (grid of `step`, then a parabola through the
    best point and its neighbours) that minimises `cost(lag)`."""
    if step <= 0 or max_lag < 0:
        raise ValueError("step must be > 0 and max_lag >= 0")
    lags = np.arange(-max_lag, max_lag + step / 2, step)
    costs = np.array([cost(float(lag)) for lag in lags])
    i = int(np.nanargmin(costs))
    if 0 < i < len(lags) - 1:
        c0, c1, c2 = costs[i - 1], costs[i], costs[i + 1]
        den = c0 - 2 * c1 + c2
        if den > 0:
            return float(lags[i] + 0.5 * step * (c0 - c2) / den)
    return float(lags[i])


def projection_matrix(K: np.ndarray, R: np.ndarray, T: np.ndarray) -> np.ndarray:
    """P = K [R | T] (3, 4): world -> pixel for a pinhole camera."""
    return np.asarray(K, float) @ np.hstack([np.asarray(R, float), np.asarray(T, float).reshape(3, 1)])


def triangulate(P0: np.ndarray, P1: np.ndarray, uv0: np.ndarray, uv1: np.ndarray) -> np.ndarray:
    """Linear (DLT) triangulation of N points seen in two views: (N, 2) pixels each ->
    (N, 3) world points. Pixels must be undistorted. NaN rows stay NaN."""
    uv0 = np.atleast_2d(np.asarray(uv0, float))
    uv1 = np.atleast_2d(np.asarray(uv1, float))
    out = np.full((len(uv0), 3), np.nan)
    for i, (a, b) in enumerate(zip(uv0, uv1)):
        if not (np.isfinite(a).all() and np.isfinite(b).all()):
            continue
        M = np.stack([a[0] * P0[2] - P0[0], a[1] * P0[2] - P0[1],
                      b[0] * P1[2] - P1[0], b[1] * P1[2] - P1[1]])
        _, _, vt = np.linalg.svd(M)
        h = vt[-1]
        out[i] = h[:3] / h[3]
    return out


def reproject(P: np.ndarray, X: np.ndarray) -> np.ndarray:
    """World points (N, 3) -> pixels (N, 2) through P (3, 4)."""
    Xh = np.hstack([np.asarray(X, float), np.ones((len(X), 1))])
    x = Xh @ np.asarray(P, float).T
    return x[:, :2] / x[:, 2:3]


@dataclass(frozen=True, slots=True)
class DepthError:
    """How an estimated forward displacement follows the true one (same units, cm)."""

    n: int
    true_range: float  # p95 - p5 of the true displacement: how much depth motion there was
    bias: float  # mean(estimate - truth)
    mae: float
    rmse: float
    p95: float  # 95th percentile of |error|
    r: float  # Pearson correlation
    gain: float  # least-squares slope estimate = gain * truth (1 = right scale)
    reference_length: float  # arm (or hand) length, for the error as a fraction

    @property
    def mae_fraction(self) -> float:
        return self.mae / self.reference_length


def depth_error(estimate: np.ndarray, truth: np.ndarray, reference_length: float) -> DepthError:
    """Error statistics over the samples where both are finite. Both series must
    already be displacements about their own medians (the games use changes of
    depth, not absolute distance)."""
    e = np.asarray(estimate, float).ravel()
    t = np.asarray(truth, float).ravel()
    ok = np.isfinite(e) & np.isfinite(t)
    e, t = e[ok], t[ok]
    if len(e) < 3:
        raise ValueError(f"need at least 3 paired samples, got {len(e)}")
    err = e - t
    tc, ec = t - t.mean(), e - e.mean()
    den = float(np.sqrt(np.sum(tc**2) * np.sum(ec**2)))
    r = float(np.sum(tc * ec) / den) if den > 0 else float("nan")
    gain = float(np.sum(tc * ec) / np.sum(tc**2)) if np.sum(tc**2) > 0 else float("nan")
    return DepthError(
        n=len(e), true_range=float(np.percentile(t, 95) - np.percentile(t, 5)),
        bias=float(err.mean()), mae=float(np.mean(np.abs(err))),
        rmse=float(np.sqrt(np.mean(err**2))), p95=float(np.percentile(np.abs(err), 95)),
        r=r, gain=gain, reference_length=float(reference_length))


def displacement(series: np.ndarray) -> np.ndarray:
    """A depth series as displacement about its median (NaN-aware)."""
    s = np.asarray(series, float)
    return s - np.nanmedian(s)
