"""The derivation migration 0003 runs, frozen as it was when 0003 was last changed.

Migration 0003 derives finished sessions' trials again from their event logs.
A migration is history: it must do the same on any database, whatever later
releases do to `telemetry.derive` and `telemetry.metrics`, so the part of
them it needs (grouping events into trials; a reach's kinematics and quality
score; the dexterity games' own numbers) is copied here and never edited.
No shoulder series is given (0003 never had one), so no trunk rotation.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from typing import Any, Protocol

import numpy as np
from scipy import signal
from scipy.interpolate import CubicSpline

OUTCOME_KINDS: dict[str, str] = {
    "hold_complete": "hit",
    "miss": "miss",
    "timeout": "timeout",
}
SUCCESS_OUTCOMES = frozenset({"hit", "done", "success"})
BULKY_KEYS = ("path", "trunk")
DEXTERITY_METRICS = ("rate_hz", "amplitude", "rhythm_cov", "decrement", "interruptions",
                     "mean_abs_offset_s", "range", "cycle_s", "carry_s")
MIN_PATH_HZ = 15.0
ONSET_FRACTION = 0.02  # of peak speed (drinking-task protocol)
# A speed minimum below this fraction of the peak is a stop (the 5-10 % convention
# CLINICAL.md cites): it bounds a movement when the 2 % crossing is not reached [D].
STOP_FRACTION = 0.10
# The reach is the first movement toward the target at least this fraction as fast
# (toward it) as the fastest one in the trial: re-entering the target after
# drifting out of it during the hold is not the reach [D].
MAIN_MOVEMENT_FRACTION = 0.5
RESAMPLE_HZ = 60.0
REACH_CUTOFF_HZ = 6.0
MOVEMENT_UNIT_RISE_M_S = 0.020  # 20 mm/s
MOVEMENT_UNIT_SEPARATION_S = 0.150
DEFAULT_METRES_PER_UNIT = 0.36  # a typical adult shoulder-landmark width [D]
POOR_QUALITY = 0.5  # repetitions scoring below this are left out of trends [D]
# Faster than any seated rehabilitation reach (healthy fast reaching peaks near
# 2-3 m/s): a tracking jump (another person, a lost hand re-found), not movement [D].
MAX_PLAUSIBLE_SPEED_M_S = 4.0


def sparc(speed: np.ndarray, fs: float, padlevel: int = 4, fc: float = 10.0,
          amp_th: float = 0.05) -> float:
    """Spectral arc length of a speed profile (more negative = less smooth)."""
    v = np.asarray(speed, dtype=float).ravel()
    if v.size < 2 or not np.any(v):
        return float("nan")
    nfft = int(2 ** (math.ceil(math.log2(v.size)) + padlevel))
    f = np.arange(nfft) * (fs / nfft)
    mag = np.abs(np.fft.fft(v, nfft))
    mag = mag / mag.max()
    keep = f <= fc
    f_sel, m_sel = f[keep], mag[keep]
    above = np.nonzero(m_sel >= amp_th)[0]
    f_sel = f_sel[above[0]:above[-1] + 1]
    m_sel = m_sel[above[0]:above[-1] + 1]
    if f_sel.size < 2:
        return 0.0
    df = np.diff(f_sel) / (f_sel[-1] - f_sel[0])
    return float(-np.sum(np.sqrt(df ** 2 + np.diff(m_sel) ** 2)))


def ldlj(velocity: np.ndarray, fs: float) -> float:
    """Log dimensionless jerk from velocity, (N,) speed or (N, d) vectors."""
    v = np.asarray(velocity, dtype=float)
    if v.ndim == 1:
        v = v[:, None]
    if v.shape[0] < 3:
        return float("nan")
    dt = 1.0 / fs
    duration = v.shape[0] * dt
    v_peak = float(np.max(np.linalg.norm(v, axis=1)))
    jerk = np.linalg.norm(np.diff(v, 2, axis=0), axis=1) / dt ** 2
    integral = float(np.sum(jerk ** 2) * dt)
    if v_peak == 0 or integral == 0:
        return float("nan")
    return float(-math.log(duration ** 3) + math.log(v_peak ** 2) - math.log(integral))


# ------------------------------------------------------------ segmentation
@dataclass(frozen=True, slots=True)
class Segment:
    i_on: int
    i_peak: int
    i_off: int  # inclusive


def segment_movement(speed: np.ndarray, *, fraction: float = ONSET_FRACTION,
                     start: int = 0, toward: np.ndarray | None = None,
                     valley: float = STOP_FRACTION) -> Segment | None:
    """The movement toward the target within `speed[start:]` (the trial window).

    Why not simply "2 % of the highest peak after the target appeared": the hand
    is often still moving back from the previous target when the next one shows,
    or never reads as still because of tracking jitter; the 2 % crossing then
    falls on the window start (reaction time 0) or on the previous return
    (movement time inflated). So:

    * a movement already slowing down at the window start began before this
      target and is skipped (up to its first speed minimum);
    * the peak is the speed peak of the reach *toward* the target: of the
      movements whose velocity component toward it (`toward`, speed units)
      reaches half of the trial's highest, the first (re-entering the target
      after drifting out during the hold comes later); without `toward`, the
      highest speed;
    * onset: walking back from the peak, the nearest of the 2 % crossing
      (CLINICAL.md), a speed minimum below `valley` of the peak (a stop by the
      5-10 % convention CLINICAL.md also cites: where the previous movement
      ended and this one began), or a sample not approaching the target;
    * offset: walking on from the peak, the 2 % crossing, or a speed minimum
      below `valley` of the peak after which the hand does not move toward the
      target again (a correction toward it is part of the reach and counts as
      a movement unit; moving away, or jitter while holding, is not).
    """
    v = np.asarray(speed, dtype=float)
    n = v.size
    if n - start < 2:
        return None
    i0 = start
    while i0 + 1 < n and v[i0 + 1] < v[i0]:
        i0 += 1
    if i0 >= n - 1:  # only slowing down: the one movement there is the earlier one
        i0 = start
    tw = None if toward is None else np.asarray(toward, dtype=float)
    if tw is not None and tw[i0:].size and float(np.max(tw[i0:])) > 0:
        big = np.nonzero(tw[i0:] >= MAIN_MOVEMENT_FRACTION * float(np.max(tw[i0:])))[0]
        i_peak = i0 + int(big[0])
        while i_peak + 1 < n and tw[i_peak + 1] >= tw[i_peak]:
            i_peak += 1
        while True:  # climb to the speed peak of that movement
            if i_peak + 1 < n and v[i_peak + 1] > v[i_peak]:
                i_peak += 1
            elif i_peak - 1 >= i0 and v[i_peak - 1] > v[i_peak]:
                i_peak -= 1
            else:
                break
    else:
        i_peak = i0 + int(np.argmax(v[i0:]))
    peak = v[i_peak]
    if peak <= 0:
        return None
    th, stop = fraction * peak, valley * peak

    def is_stop(k: int) -> bool:
        return bool(v[k] < stop and (k == 0 or v[k] <= v[k - 1])
                    and (k == n - 1 or v[k] <= v[k + 1]))

    def approaches_after(k: int) -> bool:
        j = k + 1  # the speed peak of the next movement: is it toward the target?
        while j + 1 < n and v[j + 1] >= v[j]:
            j += 1
        return j < n and tw is not None and bool(tw[j] > 0)

    i_on = i_peak
    while i_on > i0:
        k = i_on - 1
        if v[k] < th or (tw is not None and tw[k] <= 0):
            break
        if is_stop(k):
            i_on = k
            break
        i_on = k
    i_off = i_peak
    while i_off < n - 1:
        k = i_off + 1
        if v[k] < th:
            break
        if is_stop(k) and not (tw is not None and approaches_after(k)):
            i_off = k
            break
        i_off = k
    return Segment(i_on, i_peak, max(i_off, i_peak))


def movement_units(speed: np.ndarray, fs: float, *, min_rise: float,
                   min_separation_s: float = MOVEMENT_UNIT_SEPARATION_S) -> int:
    """Speed peaks rising more than `min_rise` (speed units) from the preceding
    local minimum, at least `min_separation_s` apart."""
    v = np.asarray(speed, dtype=float)
    if v.size < 3:
        return 1 if v.size and v.max() > min_rise else 0
    distance = max(1, round(min_separation_s * fs))
    padded = np.concatenate([[0.0], v, [0.0]])  # a peak at an edge still counts
    peaks, _ = signal.find_peaks(padded, distance=distance)
    count, prev = 0, 0
    for p in peaks:
        trough = padded[prev:p + 1].min()
        if padded[p] - trough > min_rise:
            count += 1
            prev = p
    return count



def lowpass_sos(cutoff_hz: float, fs: float) -> np.ndarray:
    return np.asarray(signal.butter(4, cutoff_hz, fs=fs, output="sos"))


def uniform_path(t: np.ndarray, positions: np.ndarray, fs: float = RESAMPLE_HZ,
                 cutoff_hz: float | None = REACH_CUTOFF_HZ) -> tuple[np.ndarray, np.ndarray]:
    """Irregular samples -> (t_uniform, positions_uniform), zero-phase low-passed.

    Duplicate or backwards timestamps are dropped, and so are samples that
    repeat the previous position exactly: a game loop running faster than the
    camera re-reads the same frame (a 30 fps staircase at 60 Hz), which
    would otherwise read as alternating stops and double speeds. Real
    tracking never repeats a position bit for bit. The filter runs only when
    the path is long enough for filtfilt's padding and the cutoff is below
    the original Nyquist rate.
    """
    t = np.asarray(t, dtype=float)
    p = np.asarray(positions, dtype=float)
    if p.ndim == 1:
        p = p[:, None]
    finite = np.all(np.isfinite(p), axis=1) & np.isfinite(t)
    t, p = t[finite], p[finite]
    keep = np.ones(len(t), dtype=bool)
    last_t, last_p = -np.inf, None
    for i in range(len(t)):
        if t[i] <= last_t or (last_p is not None and np.array_equal(p[i], last_p)):
            keep[i] = False
        else:
            last_t, last_p = t[i], p[i]
    if len(t) and not keep[-1] and t[-1] > last_t:
        keep[-1] = True  # keep the path's end time (the hand held still to the end)
    t, p = t[keep], p[keep]
    if t.size < 2:
        raise ValueError("a path needs at least two samples at distinct times")
    grid = np.arange(t[0], t[-1] + 0.5 / fs, 1.0 / fs)
    grid = grid[grid <= t[-1] + 1e-9]
    if t.size >= 4:
        out = CubicSpline(t, p, axis=0)(grid)
    else:
        out = np.stack([np.interp(grid, t, p[:, k]) for k in range(p.shape[1])], axis=1)
    src_nyquist = 0.5 / float(np.median(np.diff(t)))
    if cutoff_hz is not None and cutoff_hz < src_nyquist:
        sos = lowpass_sos(cutoff_hz, fs)
        padlen = 3 * (2 * len(sos) + 1)
        if grid.size > padlen:
            out = signal.sosfiltfilt(sos, out, axis=0)
    return grid, out


@dataclass(frozen=True, slots=True)
class Quality:
    score: float  # 0..1, the product of the parts
    visibility: float  # mean landmark visibility 0..1
    jitter: float  # RMS of the high-frequency residual, body units
    frontal: float  # 1 = camera square to the shoulders
    poor: bool



def path_jitter(positions: np.ndarray, fs: float) -> float:
    """RMS of what a 6 Hz zero-phase low-pass removes from a uniform path (body
    units): the costly part of `repetition_quality`, apart so that a recorder can
    measure it in the background before the session's tracking is known."""
    p = np.asarray(positions, dtype=float)
    if p.ndim == 1:
        p = p[:, None]
    jitter = 0.0
    if p.shape[0] > 15 and fs > 2 * REACH_CUTOFF_HZ:
        sos = lowpass_sos(REACH_CUTOFF_HZ, fs)
        smooth = signal.sosfiltfilt(sos, p, axis=0)
        jitter = float(np.sqrt(np.mean(np.sum((p - smooth) ** 2, axis=1))))
    return jitter


def quality_from_jitter(visibility: np.ndarray | float, jitter: float,
                        frontal: np.ndarray | float = 1.0, *,
                        jitter_scale: float = 0.05) -> Quality:
    """`repetition_quality` given the path's `path_jitter`."""
    vis, fr = _unit_mean(visibility), _unit_mean(frontal)
    jitter_part = 1.0 / (1.0 + (jitter / jitter_scale) ** 2)
    score = vis * fr * jitter_part
    return Quality(round(score, 4), vis, jitter, fr, score < POOR_QUALITY)


def _unit_mean(x: np.ndarray | float) -> float:
    """The mean of x ignoring NaNs, clipped to [0, 1]; a plain number without
    numpy's per-call overhead (a session's close scores every reach)."""
    if isinstance(x, (int, float)) and not isinstance(x, bool):
        v = float(x)
        return v if math.isnan(v) else min(max(v, 0.0), 1.0)
    return float(np.clip(np.nanmean(np.asarray(x, dtype=float)), 0.0, 1.0))



@dataclass(frozen=True, slots=True)
class TrialMetrics:
    reaction_time_s: float | None
    movement_time_s: float | None
    peak_speed_u_s: float | None  # body units / s
    peak_speed_m_s: float | None
    time_to_peak_pct: float | None  # of movement time
    path_length_ratio: float | None  # 1.0 = straight
    movement_units: int | None
    sparc: float | None
    ldlj: float | None
    end_error_u: float | None  # final distance to the target, body units
    success: bool
    quality: float | None = None
    poor_quality: bool = False
    quality_note: str | None = None  # why a repetition is poor, when not the score alone


def _nan_to_none(x: float | None) -> float | None:
    return None if x is None or not math.isfinite(x) else float(x)


def _reach_segment(t: np.ndarray, positions: np.ndarray, target: np.ndarray,
                   t_target_shown: float, fraction: float = ONSET_FRACTION
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, Segment | None]:
    """(grid, path, velocity, speed, the reach's segment) on the 60 Hz analysis grid."""
    grid, p = uniform_path(t, positions)
    fs = RESAMPLE_HZ
    target = np.asarray(target, dtype=float)[: p.shape[1]]
    vel = np.gradient(p, 1.0 / fs, axis=0)
    speed = np.linalg.norm(vel, axis=1)
    start = int(np.searchsorted(grid, t_target_shown))
    ahead = target[None, :] - p
    dist = np.linalg.norm(ahead, axis=1)
    toward = np.einsum("ij,ij->i", vel, ahead) / np.where(dist > 1e-9, dist, np.inf)
    seg = segment_movement(speed, fraction=fraction, start=min(start, max(len(grid) - 2, 0)),
                           toward=toward)
    return grid, p, vel, speed, seg



def reach_trial_metrics(t: np.ndarray, positions: np.ndarray, target: np.ndarray,
                        t_target_shown: float, *, success: bool = True,
                        metres_per_unit: float = DEFAULT_METRES_PER_UNIT,
                        quality: Quality | None = None,
                        fraction: float = ONSET_FRACTION) -> TrialMetrics:
    """Metrics of one reach from a body-unit hand path.

    Args:
        t: sample times in seconds (any rate 15-60 Hz, may be irregular).
        positions: (N, 2) or (N, 3) hand positions, body units.
        target: the target centre in the same units.
        t_target_shown: when the target appeared (seconds, same clock).
        metres_per_unit: the patient's shoulder width in metres (from world
            landmarks), used for m/s and the 20 mm/s movement-unit rise.
    """
    grid, p, vel, speed, seg = _reach_segment(t, positions, target, t_target_shown, fraction)
    fs = RESAMPLE_HZ
    target = np.asarray(target, dtype=float)[: p.shape[1]]
    end_error = float(np.linalg.norm(p[-1] - target))
    q = quality.score if quality else None
    poor = quality.poor if quality else False
    if seg is None:
        return TrialMetrics(None, None, None, None, None, None, 0, None, None, end_error,
                            success, q, poor)
    sl = slice(seg.i_on, seg.i_off + 1)
    t_on, t_off, t_pk = grid[seg.i_on], grid[seg.i_off], grid[seg.i_peak]
    mt = float(t_off - t_on)
    steps = np.linalg.norm(np.diff(p[sl], axis=0), axis=1).sum()
    straight = float(np.linalg.norm(target - p[seg.i_on]))
    plr = float(steps / straight) if straight > 1e-6 else None
    peak = float(speed[seg.i_peak])
    note = None
    if peak * metres_per_unit > MAX_PLAUSIBLE_SPEED_M_S:
        poor, note = True, (f"implausible hand speed {peak * metres_per_unit:.1f} m/s "
                            "(a tracking jump)")
    mu = movement_units(speed[sl], fs, min_rise=MOVEMENT_UNIT_RISE_M_S / metres_per_unit)
    return TrialMetrics(
        reaction_time_s=float(t_on - t_target_shown),
        movement_time_s=mt,
        peak_speed_u_s=peak,
        peak_speed_m_s=peak * metres_per_unit,
        time_to_peak_pct=float((t_pk - t_on) / mt * 100.0) if mt > 0 else None,
        path_length_ratio=plr,
        movement_units=mu,
        sparc=_nan_to_none(sparc(speed[sl], fs)),
        ldlj=_nan_to_none(ldlj(vel[sl], fs)),
        end_error_u=end_error,
        success=success,
        quality=q,
        poor_quality=poor,
        quality_note=note,
    )




class _Ev(Protocol):
    """An event as stored (read-only: frozen records and dataclasses qualify)."""

    @property
    def t(self) -> float: ...

    @property
    def kind(self) -> str: ...

    @property
    def data(self) -> Mapping[str, Any]: ...


@dataclass(frozen=True, slots=True)
class DerivedTrial:
    trial_index: int
    t: float
    outcome: str
    data: dict[str, Any]


def _index(ev: _Ev) -> Any:
    v = ev.data.get("index") if isinstance(ev.data, Mapping) else None
    return v if isinstance(v, (int, str)) and not isinstance(v, bool) else None


def _group(events: Iterable[_Ev]) -> tuple[list[Any], dict[Any, dict[str, Any]]]:
    """The trials of a log, in order: {key: {"t", "outcome", "data", "rep"}}; each
    trial's data also carries its target's appearance and the movement onset."""
    order: list[Any] = []
    trials: dict[Any, dict[str, Any]] = {}
    shown: dict[Any, float] = {}
    onset: dict[Any, float] = {}
    last_shown: float | None = None
    last_onset: float | None = None
    anon = 0
    for ev in events:
        idx = _index(ev)
        if ev.kind == "target_shown":
            last_shown, last_onset = float(ev.t), None
            if idx is not None:
                shown[idx] = float(ev.t)
            continue
        if ev.kind == "movement_onset":
            if idx is not None:
                onset.setdefault(idx, float(ev.t))
            elif last_onset is None:
                last_onset = float(ev.t)
            continue
        if ev.kind not in OUTCOME_KINDS and ev.kind != "repetition":
            continue
        if idx is None:
            idx = ("anon", anon)
            anon += 1
            if last_shown is not None:
                shown[idx] = last_shown
            if last_onset is not None:
                onset[idx] = last_onset
        tr = trials.get(idx)
        if tr is None:
            tr = {"t": float(ev.t), "outcome": None, "data": {}, "rep": False}
            trials[idx] = tr
            order.append(idx)
        tr["t"] = float(ev.t)
        if ev.kind == "repetition":
            tr["rep"] = True
            tr["data"].update(dict(ev.data))
            hit = ev.data.get("hit")
            tr["outcome"] = str(ev.data.get("outcome") or ("hit" if hit else "done"))
        elif not tr["rep"]:
            tr["data"].update({k: v for k, v in dict(ev.data).items() if k not in tr["data"]})
            if tr["outcome"] != "timeout" or ev.kind != "miss":
                tr["outcome"] = OUTCOME_KINDS[ev.kind]
        last_shown = last_onset = None
    for idx, tr in trials.items():
        if idx in shown:
            tr["data"].setdefault("t_target_shown", shown[idx])
        if idx in onset:
            tr["data"].setdefault("t_onset", onset[idx])
    return order, trials


def _reach(data: Mapping[str, Any], success: bool,
           tracking: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """A repetition's reach metrics scored with the session's tracking; None when it
    has no usable hand path, target and appearance time."""
    path = data.get("path")
    target = data.get("target")
    shown_t = data.get("shown_t", data.get("t_target_shown"))
    if not isinstance(path, list) or len(path) < 4 or target is None or shown_t is None:
        return None
    try:
        arr = np.asarray(path, dtype=float)
        tgt = np.asarray(target, dtype=float)
        if arr.ndim != 2 or arr.shape[1] < 3:
            return None
        t, pos = arr[:, 0], arr[:, 1:]
        duration = float(t[-1] - t[0])
        if duration <= 0:
            return None
        coverage = min(1.0, (len(t) - 1) / (duration * MIN_PATH_HZ))
        _, uniform = uniform_path(t, pos, fs=RESAMPLE_HZ, cutoff_hz=None)
        jitter = path_jitter(uniform, RESAMPLE_HZ)
        m = reach_trial_metrics(t, pos, tgt, float(shown_t), success=success, quality=None)
    except (ValueError, TypeError):
        return None
    visibility, frontal = coverage, 1.0
    if tracking:
        vis = tracking.get("arm_visibility_mean")
        fr = tracking.get("frontal_median")
        if isinstance(vis, (int, float)):
            visibility = coverage * float(vis)
        if isinstance(fr, (int, float)):
            frontal = float(fr)
    quality = quality_from_jitter(visibility, jitter, frontal)
    d = {f.name: getattr(m, f.name) for f in fields(m)}
    d["quality"] = quality.score
    d["poor_quality"] = quality.poor or m.poor_quality
    trunk = data.get("trunk")
    if isinstance(trunk, list) and trunk:
        tr = np.asarray(trunk, dtype=float)
        if tr.ndim == 2 and tr.shape[1] >= 3:
            d["trunk_displacement_cm"] = round(float(np.hypot(tr[:, 1], tr[:, 2]).max())
                                               * DEFAULT_METRES_PER_UNIT * 100.0, 2)
            if tr.shape[1] >= 4:
                d["trunk_lean_deg"] = round(float(np.abs(tr[:, 3]).max()), 2)
    return {k: (None if isinstance(v, float) and not math.isfinite(v) else v)
            for k, v in d.items()}


def _dexterity(data: Mapping[str, Any]) -> dict[str, Any] | None:
    out: dict[str, Any] = {k: float(v) for k in DEXTERITY_METRICS
                           if isinstance(v := data.get(k), (int, float))
                           and not isinstance(v, bool) and math.isfinite(v)}
    if not out:
        return None
    out["poor_quality"] = False
    return out


def derive_trials(events: Iterable[_Ev], *,
                  tracking: Mapping[str, Any] | None = None) -> list[DerivedTrial]:
    """One trial per target, as 0003 derives them."""
    order, trials = _group(events)
    out: list[DerivedTrial] = []
    for n, idx in enumerate(order):
        tr = trials[idx]
        data = dict(tr["data"])
        kin = _reach(data, tr["outcome"] in SUCCESS_OUTCOMES, tracking)
        if kin is None and tr["rep"]:
            kin = _dexterity(data)
        data = {k: v for k, v in data.items() if k not in BULKY_KEYS}
        if kin:
            data["metrics"] = kin
        out.append(DerivedTrial(n, tr["t"], str(tr["outcome"]), data))
    return out
