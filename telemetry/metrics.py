"""Kinematic and dexterity metrics per repetition (pure functions).

Inputs are arrays and sample rates; nothing here reads a clock, a file or a
camera. Times are seconds, positions body units (shoulder widths) unless a
function says metres. Formulas and reference values follow
/work/shared/design/CLINICAL.md:

* segmentation at 2 % of peak speed; reaction time, movement time, peak
  speed and its timing, path length ratio, movement units;
* SPARC (Balasubramanian et al. 2015; siva82kb/SPARC) and log dimensionless
  jerk (siva82kb/monalysa), checked against -1.41403 and -5.81636 on the
  Gaussian speed profile exp(-5 t^2), t in [-1, 1), fs = 100;
* finger tapping after VideoBased-PD-Biomarkers' measures (rate, amplitude,
  rhythm CoV, decrement, interruptions), counted as CLOSINGS by
  telemetry.counting (the game's live counter and `neuroplay assess` count
  the same way);
* a quality score per repetition (visibility, jitter, frontal view); poor
  repetitions are kept but flagged and left out of trends.

`reach_trial_metrics` accepts hand paths sampled irregularly at 15-60 Hz:
it resamples onto a uniform 60 Hz grid (cubic spline) and low-passes at
6 Hz zero-phase (4th-order Butterworth) when the path is long enough.
"""

from __future__ import annotations

import functools
import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from scipy import signal
from scipy.interpolate import CubicSpline

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


# ------------------------------------------------------------ smoothness
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


# ------------------------------------------------------------ resampling
@functools.lru_cache(maxsize=32)
def _lowpass_sos(cutoff_hz: float, fs: float) -> np.ndarray:
    return signal.butter(4, cutoff_hz, fs=fs, output="sos")


def lowpass_sos(cutoff_hz: float, fs: float) -> np.ndarray:
    """4th-order Butterworth low-pass as second-order sections. The design is
    cached: it costs more than filtering one repetition, and deriving a
    session's trials (or a whole database's, after an upgrade) asks for the
    same few filters. A copy, because scipy's filters want a writable array."""
    return _lowpass_sos(float(cutoff_hz), float(fs)).copy()


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


# ------------------------------------------------------------ quality
@dataclass(frozen=True, slots=True)
class Quality:
    score: float  # 0..1, the product of the parts
    visibility: float  # mean landmark visibility 0..1
    jitter: float  # RMS of the high-frequency residual, body units
    frontal: float  # 1 = camera square to the shoulders
    poor: bool


def repetition_quality(visibility: np.ndarray | float, positions: np.ndarray, fs: float,
                       frontal: np.ndarray | float = 1.0, *,
                       jitter_scale: float = 0.05) -> Quality:
    """Score one repetition. Jitter is what a 6 Hz zero-phase low-pass removes;
    `jitter_scale` body units of it halves the score's jitter part."""
    return quality_from_jitter(visibility, path_jitter(positions, fs), frontal,
                               jitter_scale=jitter_scale)


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


def frontal_score(left_shoulder_world: np.ndarray, right_shoulder_world: np.ndarray) -> float:
    """cos of the shoulder line's turn away from the image plane (world metres)."""
    d = np.asarray(right_shoulder_world, float) - np.asarray(left_shoulder_world, float)
    horiz = math.hypot(d[0], d[2])
    return 1.0 if horiz == 0 else abs(d[0]) / horiz


# ------------------------------------------------------------ reaching
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

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


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


def movement_time_s(t: np.ndarray, positions: np.ndarray, target: np.ndarray,
                    t_target_shown: float) -> float | None:
    """THE movement time of a reach, the one NeuroPlay reports everywhere (the game's
    summary, the CLI, trends, the report and exports; docs/telemetry.md "Movement
    time"): from movement onset to movement offset, where the hand's speed crosses
    ONSET_FRACTION (2 %) of the reach's peak (`segment_movement`, CLINICAL.md section
    1), on the hand path resampled to 60 Hz and low-passed at 6 Hz. None when the
    path is too short or has no movement. `reach_trial_metrics` gives the same value."""
    try:
        grid, _, _, _, seg = _reach_segment(t, positions, target, t_target_shown)
    except ValueError:
        return None
    return None if seg is None else float(grid[seg.i_off] - grid[seg.i_on])


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


# ------------------------------------------------------------ angles and trunk
def range_of_motion(angles_deg: np.ndarray) -> float | None:
    """max - min of an angle series (NaNs ignored)."""
    a = np.asarray(angles_deg, dtype=float)
    a = a[np.isfinite(a)]
    return float(a.max() - a.min()) if a.size else None


ARM_LANDMARKS = {"left": (11, 13, 15, 23), "right": (12, 14, 16, 24)}  # S, E, W, H
MIN_VISIBILITY = 0.5  # CLINICAL.md section 7: below this, do not score
# Joint angles and a session's range of motion: telemetry.joint_angles (which method,
# how reliable, never outside the anatomical range).


def tracking_sample(pose: np.ndarray | None, pose_world: np.ndarray | None,
                    sides: tuple[str, ...]) -> tuple[bool, float | None, float | None]:
    """(pose present, mean visibility of the arm landmarks, frontal score) of a frame."""
    if pose is None:
        return False, None, None
    idx = [i for side in sides if side in ARM_LANDMARKS for i in ARM_LANDMARKS[side]]
    vis = float(np.mean(pose[idx, 3])) if idx else float(np.mean(pose[:, 3]))
    frontal = None
    if pose_world is not None:
        frontal = frontal_score(pose_world[11, :3], pose_world[12, :3])
    return True, vis, frontal


def tracking_summary(samples: list[tuple[bool, float | None, float | None]]
                     ) -> dict[str, float | int | None]:
    """Session-level tracking quality from `tracking_sample`s (missing pose = 0 visibility)."""
    if not samples:
        return {"samples": 0, "pose_present_fraction": None, "arm_visibility_mean": None,
                "frontal_median": None}
    vis = [v if present and v is not None else 0.0 for present, v, _ in samples]
    fr = [f for _, _, f in samples if f is not None]
    return {"samples": len(samples),
            "pose_present_fraction": round(sum(1 for p, _, _ in samples if p) / len(samples), 4),
            "arm_visibility_mean": round(float(np.mean(vis)), 4),
            "frontal_median": round(float(np.median(fr)), 4) if fr else None}


@dataclass(frozen=True, slots=True)
class TrunkMetrics:
    displacement_cm: float  # largest excursion of the shoulder midpoint
    rotation_deg: float  # largest change of the shoulder-line angle


def trunk_metrics(shoulder_mid: np.ndarray, shoulder_line_deg: np.ndarray, *,
                  metres_per_unit: float = DEFAULT_METRES_PER_UNIT) -> TrunkMetrics:
    """Excursion from the first sample (body units -> cm) and rotation (deg)."""
    m = np.asarray(shoulder_mid, dtype=float)
    disp = np.linalg.norm(m - m[0], axis=1).max() if len(m) else 0.0
    return TrunkMetrics(float(disp * metres_per_unit * 100.0), rotation_from_start(shoulder_line_deg))


def rotation_from_start(shoulder_line_deg: np.ndarray) -> float:
    """Largest turn of the shoulder line away from its first direction (deg).

    The angles are unwrapped first, so a line near +-180 deg that crosses over
    is a small turn, not a 360 deg one."""
    a = np.asarray(shoulder_line_deg, dtype=float)
    if not len(a):
        return 0.0
    a = np.degrees(np.unwrap(np.radians(a)))
    return float(np.abs(a - a[0]).max())


# Shoulder-line samples a repetition needs for a rotation, and the running median
# (samples) that keeps one mis-tracked frame from reading as a turn.
MIN_ROTATION_SAMPLES = 3
ROTATION_MEDIAN = 5


def shoulder_line_deg(pose: np.ndarray | None, pose_world: np.ndarray | None) -> float | None:
    """Direction of the shoulder line (right to left shoulder) in the horizontal
    plane, degrees: atan2(depth difference, sideways difference); about 0 for
    shoulders square to an unmirrored camera (about 180 in a mirrored image).

    CLINICAL.md: trunk rotation is the rotation of the shoulder line; turning
    the trunk about the vertical axis changes it one for one. World landmarks
    (metres) when the frame has them; otherwise the image landmarks, whose
    relative depth z is on the same scale as x (MediaPipe), which makes a
    coarser estimate. None when either shoulder is not visible enough."""
    if pose is None or min(float(pose[11, 3]), float(pose[12, 3])) < MIN_VISIBILITY:
        return None
    src = pose_world if pose_world is not None else pose
    d = np.asarray(src[11, :3], dtype=float) - np.asarray(src[12, :3], dtype=float)
    if not np.all(np.isfinite(d)) or (d[0] == 0 and d[2] == 0):
        return None
    return math.degrees(math.atan2(float(d[2]), float(d[0])))


def repetition_rotation(t: np.ndarray, angle_deg: np.ndarray, t_start: float,
                        t_end: float) -> float | None:
    """Trunk rotation of one repetition: the largest turn of the shoulder line in
    [t_start, t_end] away from its direction at t_start (deg), after a running
    median of ROTATION_MEDIAN samples; None with too few tracked samples."""
    from scipy.ndimage import median_filter

    tt = np.asarray(t, dtype=float)
    sel = (tt >= t_start) & (tt <= t_end)
    if int(sel.sum()) < MIN_ROTATION_SAMPLES:
        return None
    a = np.degrees(np.unwrap(np.radians(np.asarray(angle_deg, dtype=float)[sel])))
    if a.size >= ROTATION_MEDIAN:
        a = median_filter(a, size=ROTATION_MEDIAN, mode="nearest")
    return rotation_from_start(a)


# ------------------------------------------------------------ dexterity
@dataclass(frozen=True, slots=True)
class TappingMetrics:
    n_taps: int  # closings (a tap is the thumb meeting the finger)
    rate_hz: float | None  # 1 / mean interval between closings
    amplitude_mean: float | None  # normalized aperture (thumb-index / wrist-index MCP)
    amplitude_cov: float | None
    rhythm_cov: float | None  # CoV of inter-tap intervals
    decrement: float | None  # mean amplitude of the last third / of the first third of taps
    interruptions: int  # intervals > 1.5 x median
    tap_times_s: tuple[float, ...] = ()  # when each closing was at its closest

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["tap_times_s"] = list(self.tap_times_s)
        return d


def third_ratio(values: Any) -> float | None:
    """Mean of the last third / mean of the first third (a decrement; needs 3 values)."""
    v = [float(x) for x in values if x is not None and math.isfinite(float(x))]
    n = len(v)
    if n < 3:
        return None
    k = max(1, n // 3)
    first, last = float(np.mean(v[:k])), float(np.mean(v[-k:]))
    return last / first if first > 0 else None


def tapping_metrics(aperture: np.ndarray, fs: float) -> TappingMetrics:
    """Finger-tapping metrics from the normalized thumb-index aperture d(t).

    A tap is a CLOSING: the taps are the closings `telemetry.counting.count_cycles`
    finds (outliers rejected, swing size from the signal's own percentiles, a
    closing confirmed by the reopening), the same counting as the game's live
    counter and `neuroplay assess`. Counting the open peaks instead (the
    reference's rule) gives one fewer on a recording that starts and ends open.
    Amplitude = the open aperture before a closing minus the closing;
    rate = 1 / mean interval; rhythm = CoV of the intervals; decrement = last
    third / first third of the amplitudes; interruptions = intervals > 1.5 x median.
    Short tracking gaps (NaN) are bridged; times stay on the original clock.
    """
    from telemetry.counting import MAX_APERTURE_RATE, MIN_APERTURE_RANGE, count_cycles

    d = np.asarray(aperture, dtype=float)
    if np.isfinite(d).sum() < 4:
        return TappingMetrics(0, None, None, None, None, None, 0)
    t = np.arange(d.size) / fs
    res = count_cycles(t, d, polarity="low", floor=0.0, max_rate=MAX_APERTURE_RATE,
                       min_range=MIN_APERTURE_RANGE)
    times = np.array([c.t_peak for c in res.cycles])
    a = np.array([c.amplitude for c in res.cycles])
    n = len(res.cycles)
    intervals = np.diff(times)
    rate = float(1.0 / intervals.mean()) if intervals.size else None
    rhythm = float(intervals.std() / intervals.mean()) if intervals.size >= 2 else None
    amp_mean = float(a.mean()) if n else None
    amp_cov = float(a.std() / a.mean()) if n >= 2 and a.mean() > 0 else None
    interruptions = int(np.sum(intervals > 1.5 * np.median(intervals))) if intervals.size else 0
    return TappingMetrics(n, rate, amp_mean, amp_cov, rhythm, third_ratio(a), interruptions,
                          tuple(float(x) for x in times))
