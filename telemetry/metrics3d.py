"""Metrics of reaches in depth: forward range of motion and SPARC in 3-D.

Pure functions (arrays in, numbers out). Positions in body units: x, y in the
image plane (`HandIntent`), z = forward reach (vision.forward). The forward
component carries the single-camera depth error (median 0.58 arm lengths,
docs/benchmarks.md), so forward ROM is an estimate reported with that error.
"""

from __future__ import annotations

import numpy as np

from telemetry.metrics import sparc

RESAMPLE_HZ = 60.0


def forward_rom(forward: np.ndarray) -> float:
    """Forward range of motion in body units: 95th minus 5th percentile of the
    forward reach (percentiles, so single-frame depth spikes do not count)."""
    f = np.asarray(forward, float)
    f = f[np.isfinite(f)]
    if f.size < 2:
        return float("nan")
    return float(np.percentile(f, 95) - np.percentile(f, 5))


def sparc_3d(t: np.ndarray, xyz: np.ndarray, fs: float = RESAMPLE_HZ) -> float:
    """SPARC of the 3-D hand speed: the path (irregular times `t`, seconds) is
    resampled linearly onto a uniform `fs` grid, differentiated, and its speed
    profile scored by `telemetry.metrics.sparc`."""
    t = np.asarray(t, float)
    p = np.asarray(xyz, float)
    ok = np.isfinite(t) & np.isfinite(p).all(axis=1)
    t, p = t[ok], p[ok]
    if t.size < 3 or t[-1] <= t[0]:
        return float("nan")
    grid = np.arange(t[0], t[-1], 1.0 / fs)
    q = np.stack([np.interp(grid, t, p[:, j]) for j in range(3)], axis=1)
    speed = np.linalg.norm(np.diff(q, axis=0), axis=1) * fs
    return sparc(speed, fs)
