"""Counting repetitions and taps in one tracked signal, robust to real video.

Role: the one measurement behind every count NeuroPlay reports: the taps of
the tapping game (online, `OnlineCounter`) and the repetitions and taps of
`neuroplay assess` (offline, `count_cycles`). Both run the same three steps
with the same rules and constants:

1. **Reject samples that cannot be right** (`reject_outliers`, and the same
   test one sample late in `OnlineCounter`): tracking quality below
   `MIN_QUALITY` (CLINICAL.md section 7), and physically impossible jumps: a
   sample (or two) that leaves its neighbours and comes straight back faster
   than `max_rate` (units per second, given by the caller for its signal: an
   elbow cannot turn 3000 deg/s, a hand cannot cross the body in one frame).
   A rejected sample is a gap, never a value.
2. **A swing size from the signal's own amplitude distribution**
   (`robust_levels`): the rest and excursion levels are low and high
   percentiles of the samples in a window of several cycles, and a movement
   must swing at least DELTA_FRACTION of that range. Two mis-tracked frames
   cannot move a percentile (a running maximum, which one bad frame poisons
   for the whole window, was the old tapping rule: on real video it stopped
   taps counting for 6 s).
3. **Hysteresis about the last extreme** (`SwingCounter`): an extreme (the
   top of a flexion, the closing of a tap) is confirmed once the signal has
   come back from it by at least the swing size, so jitter around an extreme,
   or a small dip in the middle of a slow repetition, cannot count one
   movement twice; and every confirmed excursion went out from a rest
   confirmed the same way, so a recording that begins or ends mid-movement
   does not count that part-movement.

`polarity` says which way an excursion goes: "high" (an elbow flexing, an
arm raising: the signal rises from rest), "low" (a tap is a CLOSING of the
thumb-index aperture: the signal falls from the open rest), or "auto"
(offline: the rest is where the signal dwells, the excursion the other way).

Offline only: the dominant period (autocorrelation) sets the smoothing, the
window of the levels and removes a slow drift (a running mean over one
period); with no period (one or two movements) the whole recording is the
window. A short clip counts: with fewer samples than a window, the whole
clip is the window.

Pure: numpy arrays and floats in, dataclasses out; no clock, no I/O.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from scipy import signal

Polarity = Literal["high", "low"]

MIN_QUALITY = 0.5  # CLINICAL.md section 7: below this visibility, do not score
LEVEL_PERCENTILES = (5.0, 95.0)  # rest / excursion levels within a window [D]
# A movement swings at least this share of the window's rest-to-excursion range (a tap
# that reopens a third of the way, a flexion that comes back a third of the way) [D].
DELTA_FRACTION = 0.3
# Levels come from a window of this many dominant periods (at least MIN_WINDOW_S),
# so an amplitude that decreases over a recording (a decrement) is followed [D].
WINDOW_PERIODS = 4.0
MIN_WINDOW_S = 3.0
# A window whose own range is under this share of the whole recording's range is a
# rest (fidgeting), not small repetitions: its swing size uses that share [D].
REST_RANGE_FRACTION = 0.4
# The dominant period is searched between these (seconds); finger taps reach about
# 7 Hz, a slow functional repetition takes up to about 15 s [D].
MIN_PERIOD_S = 0.12
MAX_PERIOD_S = 15.0
MIN_PERIODICITY = 0.25  # autocorrelation below this: no reliable period [D]
# A period's autocorrelation peak rises at least this far above the lowest correlation at
# a shorter lag (a bump on the slope down from lag 0 is noise, not a rhythm) [D].
PEAK_PROMINENCE = 0.1
DRIFT_FRACTION = 0.25  # a trend spanning less of the signal's range is no drift [D]
# Gaps (rejected or missing samples) up to this long are bridged by interpolation;
# longer ones split the signal (no excursion is counted across them) [D].
MAX_GAP_S = 0.5
MAX_BRIDGE_S = 2.0  # ... and counting steps over gaps up to this (or a period) [D]
# A swing must also exceed this many noise levels (per-sample tracking noise) [D].
MIN_SIGNAL_TO_NOISE = 4.0
DWELL_TIE = 0.1  # polarity: a median this close to mid-range does not say where rest is [D]
START_SHARE = 0.05  # ... then the recording's first samples do [D]
PERIODIC_NOT_NOISE = 0.5  # ... unless the signal is this periodic (jitter is not) [D]
ONLINE_WINDOW_S = 4.0  # the live counter's levels: the last few seconds [D]
# Hand apertures (thumb-index or fingertips-wrist distance / |wrist - index MCP|):
MAX_APERTURE_RATE = 30.0  # units/s, about 2.7 m/s of fingertip speed: faster is a slip [D]
MIN_APERTURE_RANGE = 0.15  # a hand that moves less is not tapping [D]


# ------------------------------------------------------------------ levels
@dataclass(frozen=True, slots=True)
class Levels:
    """Rest and excursion levels of a signal and the swing a movement must make."""

    rest: float
    excursion: float

    @property
    def range(self) -> float:
        return abs(self.excursion - self.rest)

    @property
    def delta(self) -> float:
        return DELTA_FRACTION * self.range


def robust_levels(values: np.ndarray | Sequence[float], polarity: Polarity, *,
                  floor: float | None = None, min_range: float = 0.0) -> Levels | None:
    """Rest/excursion levels of `values` from their percentiles (NaNs ignored).

    polarity "high": rest = low percentile, excursion = high percentile; "low" the
    other way round. `floor`: a level the excursion is known to reach physically
    (a closed pinch is 0), used while the samples have not reached it (the first
    tap of a set). None when the range is not above `min_range` or there are no values.
    """
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return None
    lo, hi = (float(x) for x in np.percentile(v, LEVEL_PERCENTILES))
    if floor is not None:
        if polarity == "low":
            lo = min(lo, floor)
        else:
            hi = max(hi, floor)
    if not hi - lo > max(min_range, 0.0):
        return None
    return Levels(lo, hi) if polarity == "high" else Levels(hi, lo)


# ------------------------------------------------------------------ hysteresis
@dataclass(frozen=True, slots=True)
class Extreme:
    """A confirmed extreme: "out" is an excursion's (a tap's closing, a flexion's top),
    "rest" the rest-side one between excursions. `counted`: an "out" extreme whose
    excursion started from a confirmed rest within the signal."""

    kind: Literal["out", "rest"]
    index: int
    t: float
    value: float
    counted: bool = True


class SwingCounter:
    """Alternating extremes, each confirmed once the signal has come back from it by
    the swing size `delta` (the state machine the game and `assess` share).

    Feed `update(index, t, value, delta)`; it returns the extreme confirmed by this
    sample, if any. Until the first swing the state is unknown: if the first swing
    is a return from an excursion, the recording began mid-movement and that
    excursion is not counted (`counted=False`).
    """

    def __init__(self, polarity: Polarity) -> None:
        self.sign = 1.0 if polarity == "high" else -1.0
        self.state: Literal["out", "back"] | None = None  # seeking an excursion / a rest
        self._max: tuple[int, float, float] | None = None  # (index, t, signed value)
        self._min: tuple[int, float, float] | None = None
        self.last_rest: Extreme | None = None

    def reset(self) -> None:
        self.state, self._max, self._min, self.last_rest = None, None, None, None

    def update(self, index: int, t: float, value: float, delta: float) -> Extreme | None:
        y = self.sign * value
        if self._max is None or y > self._max[2]:
            self._max = (index, t, y)
        if self._min is None or y < self._min[2]:
            self._min = (index, t, y)
        if not delta > 0:
            return None
        if self.state in (None, "back") and y >= self._min[2] + delta:
            i, tt, v = self._min
            rest = Extreme("rest", i, tt, self.sign * v)
            self.last_rest, self.state = rest, "out"
            self._max = (index, t, y)
            return rest
        if self.state in (None, "out") and y <= self._max[2] - delta:
            i, tt, v = self._max
            counted = self.state == "out"  # an excursion from a rest seen here
            self.state = "back"
            self._min = (index, t, y)
            return Extreme("out", i, tt, self.sign * v, counted)
        return None


# ------------------------------------------------------------------ outliers
def reject_outliers(t: np.ndarray, x: np.ndarray, quality: np.ndarray | None = None, *,
                    min_quality: float = MIN_QUALITY,
                    max_rate: float | None = None) -> tuple[np.ndarray, int, int]:
    """x with impossible samples set to NaN: (x, rejected for quality, rejected as jumps).

    A jump is a sample reached from the previous good sample AND left toward
    the next one faster than `max_rate` (units/s), in opposite directions: out
    and straight back, which no limb does. Two such frames in a row are caught
    too (the pair leaves and comes back). A step that stays (a person re-found
    elsewhere) is not a spike and is kept.
    """
    tt = np.asarray(t, dtype=float)
    xx = np.asarray(x, dtype=float).copy()
    ok = np.isfinite(xx)
    n_quality = 0
    if quality is not None:
        q = np.asarray(quality, dtype=float)
        low = ok & ~(q >= min_quality)
        n_quality = int(low.sum())
        ok &= ~low
    xx[~ok] = np.nan
    n_jump = 0
    if max_rate is not None and max_rate > 0:
        for run in (1, 2):  # single frames, then pairs
            idx = np.flatnonzero(np.isfinite(xx))
            if idx.size < run + 2:
                break
            bad: list[int] = []
            for k in range(1, idx.size - run):
                i0, i1, i2 = idx[k - 1], idx[k], idx[k + run - 1]
                i3 = idx[k + run]
                dt_in, dt_out = tt[i1] - tt[i0], tt[i3] - tt[i2]
                if dt_in <= 0 or dt_out <= 0:
                    continue
                rate_in = (xx[i1] - xx[i0]) / dt_in
                rate_out = (xx[i3] - xx[i2]) / dt_out
                if (abs(rate_in) > max_rate and abs(rate_out) > max_rate
                        and rate_in * rate_out < 0
                        and abs(xx[i3] - xx[i0]) < 0.5 * abs(xx[i1] - xx[i0])):
                    bad.extend(int(j) for j in idx[k:k + run])
            if bad:
                n_jump += len(set(bad))
                xx[sorted(set(bad))] = np.nan
    return xx, n_quality, n_jump


# ------------------------------------------------------------------ resampling
@dataclass(frozen=True, slots=True)
class Uniform:
    """A signal on a uniform grid: `valid` marks samples within MAX_GAP_S of real data."""

    t: np.ndarray
    x: np.ndarray  # gaps bridged by linear interpolation; NaN where not valid
    valid: np.ndarray
    fs: float


def to_uniform(t: np.ndarray, x: np.ndarray, *, fs: float | None = None,
               max_gap_s: float = MAX_GAP_S) -> Uniform | None:
    """Resample finite samples onto a uniform grid (the recording's median rate by
    default). Gaps up to `max_gap_s` are bridged, longer ones stay NaN."""
    tt = np.asarray(t, dtype=float)
    xx = np.asarray(x, dtype=float)
    good = np.isfinite(xx) & np.isfinite(tt)
    if int(good.sum()) < 2:
        return None
    tg, xg = tt[good], xx[good]
    order = np.argsort(tg, kind="stable")
    tg, xg = tg[order], xg[order]
    keep = np.concatenate([[True], np.diff(tg) > 0])
    tg, xg = tg[keep], xg[keep]
    if tg.size < 2:
        return None
    if fs is None:
        dts = np.diff(np.asarray(tt[np.isfinite(tt)], dtype=float))
        dts = dts[dts > 0]
        fs = 1.0 / float(np.median(dts)) if dts.size else 30.0
    grid = np.arange(tg[0], tg[-1] + 0.5 / fs, 1.0 / fs)
    grid = grid[grid <= tg[-1] + 1e-9]
    xi = np.interp(grid, tg, xg)
    # a grid point is valid when the real samples around it are at most max_gap_s apart
    j = np.clip(np.searchsorted(tg, grid, side="right"), 1, tg.size - 1)
    gap = tg[j] - tg[j - 1]
    valid = (gap <= max_gap_s + 1e-9) | np.isin(grid, tg)
    xi[~valid] = np.nan
    return Uniform(grid, xi, valid, float(fs))


def runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """[start, stop) index runs where `mask` is True."""
    m = np.concatenate([[False], np.asarray(mask, dtype=bool), [False]])
    d = np.diff(m.astype(np.int8))
    return list(zip(np.flatnonzero(d == 1).tolist(), np.flatnonzero(d == -1).tolist(), strict=True))


def lowpass(x: np.ndarray, fs: float, cutoff_hz: float) -> np.ndarray:
    """Zero-phase 2nd-order Butterworth per valid run (NaN runs untouched)."""
    out = np.array(x, dtype=float)
    if not 0 < cutoff_hz < 0.5 * fs * 0.95:
        return out
    sos = signal.butter(2, cutoff_hz, fs=fs, output="sos")
    padlen = 3 * (2 * len(sos) + 1)
    for a, b in runs(np.isfinite(out)):
        if b - a > padlen:
            out[a:b] = signal.sosfiltfilt(sos, out[a:b])
    return out


# ------------------------------------------------------------------ period
@dataclass(frozen=True, slots=True)
class Period:
    seconds: float
    periodicity: float  # autocorrelation at that lag, 0..1


def dominant_period(x: np.ndarray, fs: float, *, min_s: float = MIN_PERIOD_S,
                    max_s: float = MAX_PERIOD_S) -> Period | None:
    """The repetition period of a (uniform, possibly gappy) signal by autocorrelation.

    Each lag's correlation uses only the pairs of samples both present, normalised
    by their own energies (so gaps and short clips do not bias it); the signal is
    detrended with a running mean of the longest period searched. The first lag
    whose peak reaches 85 % of the highest is taken (the highest is often a
    multiple of the true period); a peak must rise PEAK_PROMINENCE out of the
    trough before it. None without a peak above MIN_PERIODICITY.
    """
    v = np.asarray(x, dtype=float)
    n = v.size
    ok = np.isfinite(v)
    if ok.sum() < 8:
        return None
    lo = max(2, math.floor(min_s * fs))
    hi = min(math.ceil(max_s * fs), int(0.67 * n))
    if hi <= lo + 2:
        return None
    z = np.where(ok, v, 0.0)
    # remove slow drift: a running mean over the longest lag searched (at least 3 s)
    w = max(3, min(n, round(max(hi, 3.0 * fs))))
    kernel = np.ones(w)
    num = np.convolve(z, kernel, mode="same")
    den = np.convolve(ok.astype(float), kernel, mode="same")
    trend = np.divide(num, den, out=np.zeros_like(num), where=den > 0)
    d = np.where(ok, v - trend, 0.0)
    m = ok.astype(float)
    r = np.full(hi + 1, np.nan)
    for k in range(lo - 1, hi + 1):
        a, b = d[:-k], d[k:]
        both = m[:-k] * m[k:]
        if both.sum() < max(6, 0.25 * ok.sum()):
            continue
        aa, bb = a * both, b * both
        den_k = math.sqrt(float(np.dot(aa, aa)) * float(np.dot(bb, bb)))
        r[k] = float(np.dot(aa, bb)) / den_k if den_k > 0 else np.nan
    # A repetition's peak rises out of a trough: the correlation must have fallen at
    # least PEAK_PROMINENCE below it at a shorter lag. A bump on the slope down from lag
    # 0 is noise (white noise on a slow movement once gave a "period" of 2.5 samples,
    # read as 81 repetitions); a slow component under a fast rhythm (stirring on a
    # drifting arm) keeps the correlation above zero, so a zero crossing is not asked.
    def prominent(k: int) -> bool:
        before = r[lo - 1:k]
        before = before[np.isfinite(before)]
        return before.size > 0 and r[k] - float(before.min()) >= PEAK_PROMINENCE

    peaks = [k for k in range(lo, hi) if np.isfinite(r[k]) and np.isfinite(r[k - 1])
             and np.isfinite(r[k + 1]) and r[k] >= r[k - 1] and r[k] > r[k + 1] and r[k] > 0
             and prominent(k)]
    if not peaks:
        return None
    best = max(r[k] for k in peaks)
    if best < MIN_PERIODICITY:
        return None
    k = next(k for k in peaks if r[k] >= 0.85 * best)
    # sub-sample lag by a parabola through the peak
    a, b, c = r[k - 1], r[k], r[k + 1]
    den = a - 2 * b + c
    frac = 0.5 * (a - c) / den if den < 0 else 0.0
    return Period((k + frac) / fs, float(b))


def noise_level(x: np.ndarray) -> float:
    """Robust per-sample noise: 1.4826 MAD of the second differences / sqrt(6)."""
    v = np.asarray(x, dtype=float)
    v = v[np.isfinite(v)]
    if v.size < 4:
        return 0.0
    d2 = np.diff(v, 2)
    return float(1.4826 * np.median(np.abs(d2 - np.median(d2))) / math.sqrt(6.0))


# ------------------------------------------------------------------ offline counting
@dataclass(frozen=True, slots=True)
class Cycle:
    """One repetition (or tap): rest -> excursion -> rest, as indices of the uniform
    grid and times in seconds."""

    i_start: int  # the rest-side extreme before the excursion
    i_peak: int  # the excursion's extreme
    i_end: int  # the rest-side extreme after it
    t_start: float
    t_peak: float
    t_end: float
    amplitude: float  # |extreme - the rest value at its start|, signal units
    peak_value: float
    start_value: float
    coverage: float  # share of the cycle's samples backed by real (not bridged) data


@dataclass(frozen=True)
class CycleResult:
    cycles: list[Cycle]
    polarity: Polarity
    period: Period | None
    fs: float
    t: np.ndarray = field(repr=False)  # the uniform grid
    x: np.ndarray = field(repr=False)  # the cleaned, smoothed signal on it
    rejected_quality: int = 0
    rejected_jumps: int = 0
    samples: int = 0
    noise: float = 0.0
    global_range: float = 0.0
    reason: str | None = None  # why nothing was counted, when nothing was
    partial: int = 0  # movements begun before the recording or a gap (not counted)

    @property
    def count(self) -> int:
        return len(self.cycles)


def choose_polarity(x: np.ndarray) -> Polarity:
    """Rest is where the signal dwells: if its median is nearer the low end of its
    range, excursions go up ("high"), else down ("low"). When the median sits within
    DWELL_TIE of the middle (a movement as long as its rest), rest is where the
    recording begins (its first START_SHARE of samples): people start at rest."""
    v = np.asarray(x, dtype=float)
    v = v[np.isfinite(v)]
    lo, hi = (float(a) for a in np.percentile(v, LEVEL_PERCENTILES))
    med = float(np.median(v))
    if abs(med - 0.5 * (lo + hi)) <= DWELL_TIE * (hi - lo):
        start = float(np.median(v[:max(3, int(START_SHARE * v.size))]))
        return "high" if start - lo <= hi - start else "low"
    return "high" if med - lo <= hi - med else "low"


def running_mean(x: np.ndarray, width: int) -> np.ndarray:
    """Centred running mean over `width` samples, ignoring NaNs (NaN stays NaN). The
    ends are mirrored, so the mean there still spans a whole period (a window cut
    short at the end of a recording would follow the last movement itself)."""
    v = np.asarray(x, dtype=float)
    ok = np.isfinite(v)
    width = max(1, min(int(width), v.size))
    pad = width // 2
    kernel = np.ones(width)
    vv = np.pad(np.where(ok, v, 0.0), pad, mode="reflect") if pad else np.where(ok, v, 0.0)
    oo = np.pad(ok.astype(float), pad, mode="reflect") if pad else ok.astype(float)
    num = np.convolve(vv, kernel, mode="same")[pad:pad + v.size]
    den = np.convolve(oo, kernel, mode="same")[pad:pad + v.size]
    out = np.divide(num, den, out=np.full_like(num, np.nan), where=den > 0)
    return np.where(ok, out, np.nan)


def window_deltas(x: np.ndarray, fs: float, window_s: float, polarity: Polarity,
                  floor: float | None, global_levels: Levels, min_delta: float) -> np.ndarray:
    """The swing size at every sample: DELTA_FRACTION of the levels in a centred window
    (computed on a coarse grid and interpolated), at least `min_delta` and the rest
    share of the whole recording's range."""
    n = x.size
    half = max(1, round(0.5 * window_s * fs))
    step = max(1, half // 4)
    centres = list(range(0, n, step))
    if centres[-1] != n - 1:
        centres.append(n - 1)
    rest_floor = REST_RANGE_FRACTION * global_levels.range
    ranges = []
    for c in centres:
        lv = robust_levels(x[max(0, c - half):min(n, c + half + 1)], polarity, floor=floor)
        ranges.append(max(lv.range if lv is not None else global_levels.range, rest_floor))
    r = np.interp(np.arange(n), centres, ranges)
    return np.maximum(DELTA_FRACTION * r, min_delta)


def count_cycles(t: np.ndarray, x: np.ndarray, *, quality: np.ndarray | None = None,
                 polarity: Polarity | Literal["auto"] = "auto", max_rate: float | None = None,
                 min_range: float = 0.0, floor: float | None = None,
                 min_quality: float = MIN_QUALITY, smooth: bool = True) -> CycleResult:
    """Count the excursions (repetitions, taps) of a whole recorded signal.

    Args:
        t: sample times, seconds (any rate, may be irregular).
        x: the signal (an angle, a position in body units, an aperture); NaN = missing.
        quality: per-sample tracking quality 0..1 (visibility); below `min_quality`
            a sample is not used.
        polarity: "high" / "low" (see the module doc) or "auto".
        max_rate: the fastest physically possible change, units/s (outliers).
        min_range: a recording whose range is smaller has no movement to count, and
            no swing smaller than DELTA_FRACTION of it counts (units of x: e.g.
            12 deg, 0.12 body units).
        floor: a level the excursion reaches physically (0 for a closing aperture).
    """
    tt = np.asarray(t, dtype=float)
    clean, n_q, n_j = reject_outliers(tt, np.asarray(x, dtype=float), quality,
                                      min_quality=min_quality, max_rate=max_rate)
    uni = to_uniform(tt, clean)
    n_samples = int(np.isfinite(clean).sum())

    def nothing(reason: str, pol: Polarity = "high", period: Period | None = None,
                u: Uniform | None = None, xs: np.ndarray | None = None, noise: float = 0.0,
                rng: float = 0.0) -> CycleResult:
        empty = np.zeros(0)
        return CycleResult([], pol, period, u.fs if u else 0.0, u.t if u else empty,
                           xs if xs is not None else (u.x if u else empty), n_q, n_j,
                           n_samples, noise, rng, reason)

    if uni is None or int(np.isfinite(uni.x).sum()) < 4:
        return nothing("too few usable samples")
    fs = uni.fs
    period = dominant_period(uni.x, fs)
    xs = uni.x
    if smooth:  # keep a cycle's shape (up to its 4th harmonic), drop jitter above it
        cutoff = 4.0 / period.seconds if period is not None else 0.45 * fs
        xs = lowpass(uni.x, fs, min(cutoff, 0.45 * fs))
    # Counting reads the signal around its slow trend when it drifts (a camera or a body
    # moving over the recording): a running mean over one period averages the
    # repetitions out and keeps the drift. A trend spanning less than DRIFT_FRACTION of
    # the signal's range is left alone (a rest at either end of a recording would
    # otherwise read as a half-way level). Amplitudes are read from the signal itself.
    y, floor_y = xs, floor
    if period is not None:
        trend = running_mean(xs, round(period.seconds * fs))
        t_lv = robust_levels(trend, "high")
        x_lv = robust_levels(xs, "high")
        if t_lv is not None and x_lv is not None and t_lv.range > DRIFT_FRACTION * x_lv.range:
            y, floor_y = xs - trend, None
    pol: Polarity = choose_polarity(y) if polarity == "auto" else polarity
    noise = noise_level(uni.x)
    glob = robust_levels(y, pol, floor=floor_y)
    if glob is None:
        return nothing("the signal does not change", pol, period, uni, xs, noise)
    # Jitter has no rhythm: a clearly periodic signal is movement however fast it is for
    # its frame rate (the noise estimate, from second differences, reads a 4-samples-a-
    # cycle tap as noise).
    noise_floor = 0.0 if period is not None and period.periodicity >= PERIODIC_NOT_NOISE \
        else MIN_SIGNAL_TO_NOISE * noise
    if glob.range < max(min_range, noise_floor):
        return nothing(f"range {glob.range:.3g} is within the tracking noise or below "
                       f"{min_range:g}: no movement", pol, period, uni, xs, noise, glob.range)
    window_s = max(MIN_WINDOW_S, WINDOW_PERIODS * period.seconds) if period else MIN_WINDOW_S
    deltas = window_deltas(y, fs, window_s, pol, floor_y, glob,
                           max(DELTA_FRACTION * min_range, noise_floor))
    cycles: list[Cycle] = []
    partial = 0
    # One counter across the whole recording; a tracking gap no longer than a period
    # (at least MAX_BRIDGE_S) is stepped over, so a movement whose far end is hidden
    # (a hand behind the head) still counts, from what was seen of it (its coverage
    # says how much was seen); a longer gap starts afresh.
    bridge_s = max(MAX_BRIDGE_S, period.seconds) if period is not None else MAX_BRIDGE_S
    counter = SwingCounter(pol)
    pending: tuple[Extreme, Extreme] | None = None  # (rest before, out) awaiting its end
    last_i: int | None = None

    def close_pending(upto: int) -> None:
        nonlocal pending
        if pending is None:
            return
        seg = (1.0 if pol == "high" else -1.0) * y[pending[1].index:upto]
        i_end = pending[1].index + int(np.nanargmin(seg))
        cycles.append(_cycle(uni, xs, pending[0].index, pending[1].index, i_end, pol))
        pending = None

    for i in np.flatnonzero(np.isfinite(y)):
        i = int(i)
        if last_i is not None and uni.t[i] - uni.t[last_i] > bridge_s:
            close_pending(last_i + 1)  # confirmed before the gap: it ended there
            counter = SwingCounter(pol)
        last_i = i
        ext = counter.update(i, float(uni.t[i]), float(y[i]), float(deltas[i]))
        if ext is None:
            continue
        if ext.kind == "out":
            if ext.counted and counter.last_rest is not None:
                pending = (counter.last_rest, ext)
            else:
                partial += 1
        elif pending is not None:
            cycles.append(_cycle(uni, xs, pending[0].index, pending[1].index, ext.index, pol))
            pending = None
    if last_i is not None:
        close_pending(last_i + 1)  # confirmed, and the recording ended: its end is its rest side
    return CycleResult(cycles, pol, period, fs, uni.t, xs, n_q, n_j, n_samples, noise,
                       glob.range, None if cycles else "no movement swung far enough", partial)


def _cycle(uni: Uniform, xs: np.ndarray, i_start: int, i_peak: int, i_end: int,
           polarity: Polarity) -> Cycle:
    sign = 1.0 if polarity == "high" else -1.0
    amp = sign * (float(xs[i_peak]) - float(xs[i_start]))
    cov = float(np.mean(uni.valid[i_start:i_end + 1])) if i_end >= i_start else 0.0
    return Cycle(i_start, i_peak, i_end, float(uni.t[i_start]), float(uni.t[i_peak]),
                 float(uni.t[i_end]), abs(amp), float(xs[i_peak]), float(xs[i_start]), cov)


# ------------------------------------------------------------------ online counting
class OnlineCounter:
    """The same counting, live, sample by sample (the tapping game).

    The swing size comes from the samples of the last `window_s` seconds
    (percentiles, as offline), with `floor` standing in for a level not reached
    yet (the first tap of a set: a closed pinch is 0). A sample reached faster
    than `max_rate` is held back as suspect (with at most one more after it);
    if the signal then comes straight back, faster than `max_rate`, the
    suspects were an impossible jump and are dropped, as offline; otherwise
    they are counted late. Ordinary samples are counted at once. `update`
    returns the extreme a sample confirmed (an "out" one is a tap, stamped with
    the time of its extreme).
    """

    def __init__(self, polarity: Polarity, *, window_s: float = ONLINE_WINDOW_S,
                 floor: float | None = None, max_rate: float | None = None,
                 min_range: float = 0.0, min_quality: float = MIN_QUALITY) -> None:
        if window_s <= 0:
            raise ValueError(f"window_s must be > 0, got {window_s}")
        self.polarity: Polarity = polarity
        self.window_s = window_s
        self.floor = floor
        self.max_rate = max_rate
        self.min_range = min_range
        self.min_quality = min_quality
        self.counter = SwingCounter(polarity)
        self.window: deque[tuple[float, float]] = deque()
        self._suspects: list[tuple[float, float]] = []
        self._last_good: tuple[float, float] | None = None
        self._i = 0
        self.rejected_quality = 0
        self.rejected_jumps = 0
        self.levels: Levels | None = None

    def _rate(self, a: tuple[float, float], b: tuple[float, float]) -> float:
        return (b[1] - a[1]) / (b[0] - a[0]) if b[0] > a[0] else 0.0

    def update(self, t: float, value: float | None, quality: float = 1.0) -> Extreme | None:
        """Feed one sample; the extreme confirmed by it (or by suspects it cleared)."""
        if value is None or not math.isfinite(value):
            return None
        if not quality >= self.min_quality:
            self.rejected_quality += 1
            return None
        new = (t, float(value))
        found: Extreme | None = None
        if self.max_rate is not None and self._last_good is not None:
            base = self._last_good
            if self._suspects:
                first, last = self._suspects[0], self._suspects[-1]
                back = abs(new[1] - base[1]) < 0.5 * abs(first[1] - base[1])
                if back and abs(self._rate(last, new)) > self.max_rate:
                    self.rejected_jumps += len(self._suspects)  # out and straight back
                    self._suspects = []
                elif len(self._suspects) < 2 and abs(self._rate(last, new)) <= self.max_rate \
                        and not back:
                    self._suspects.append(new)  # still out there: wait one more sample
                    return None
                else:  # it stayed: a real change after all
                    for s in self._suspects:
                        found = self._count(*s) or found
                    self._suspects = []
            elif abs(self._rate(base, new)) > self.max_rate:
                self._suspects = [new]
                return None
        return self._count(*new) or found

    def _count(self, t: float, x: float) -> Extreme | None:
        self._last_good = (t, x)
        self.window.append((t, x))
        while self.window and self.window[0][0] < t - self.window_s:
            self.window.popleft()
        self.levels = robust_levels([v for _, v in self.window], self.polarity, floor=self.floor,
                                    min_range=self.min_range)
        self._i += 1
        if self.levels is None:
            return None
        return self.counter.update(self._i, t, x, self.levels.delta)

    def flush(self) -> Extreme | None:
        """Count the samples still held back (the end of a set or a recording)."""
        found = None
        for s in self._suspects:
            found = self._count(*s) or found
        self._suspects = []
        return found
