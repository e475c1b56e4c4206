"""`neuroplay assess`: a clinical measurement of one whole recording (pure).

Role: turn the tracked frames of a recording (a patient's video, a home
session's landmarks) into what a therapist measures: per repetition or tap
its times, range of motion or amplitude, peak speed, smoothness (SPARC),
duration and tracking quality; per recording the count, rate, rhythm,
decrement and range of motion, each with its unit and how it was measured.
There is no game here: every frame counts, nothing pauses, nothing asks.

Tasks and the signal each counts (telemetry.counting does the counting):

| task | signal | an excursion is |
|---|---|---|
| tapping | thumb-index aperture (CLINICAL.md section 2) | a closing (a tap) |
| openclose | grasp aperture | a closing (a fist) |
| elbow-flexion | elbow flexion angle (telemetry.joint_angles) | a flexion |
| shoulder-flexion, shoulder-abduction | shoulder elevation angle | a raise |
| reach | hand distance from its shoulder, body units | a reach out |
| auto | the most periodic of all the above and the joints' paths | the other way from rest |

`--task auto` builds candidate signals from the wrists, elbows, shoulders,
trunk and hands (the main axis of each landmark's path relative to the
shoulders, the body's vertical position, the joint angles, the hand
apertures), scores each by how periodic it is (autocorrelation at its
dominant period, telemetry.counting.dominant_period) and counts the best.

Positions are in body units: pixels over the recording's median body size
in the image (shoulder width, or 0.6 x the trunk when turned sideways);
metres use the world landmarks' shoulder width.

Pure: frames in, an `Assessment` out; no clock, no I/O.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from telemetry import counting, joint_angles
from telemetry.counting import CycleResult, Polarity
from telemetry.metrics import sparc, third_ratio
from vision.bodyframe import (
    LEFT_ELBOW,
    LEFT_HIP,
    LEFT_SHOULDER,
    LEFT_WRIST,
    NOSE,
    RIGHT_ELBOW,
    RIGHT_HIP,
    RIGHT_SHOULDER,
    RIGHT_WRIST,
    BodyFrame,
)

TASKS = ("auto", "tapping", "openclose", "elbow-flexion", "shoulder-flexion",
         "shoulder-abduction", "reach")
HAND_TASKS = ("tapping", "openclose")
Side = Literal["left", "right"]

# The fastest a signal can physically change (outlier rejection, telemetry.counting):
MAX_ANGULAR_SPEED_DEG_S = 1500.0  # fast elbow extension peaks near 1000-2000 deg/s [M]
MAX_LIMB_SPEED_M_S = 8.0  # a punch peaks near 8-10 m/s; no rehabilitation movement does [M]
MAX_APERTURE_RATE = counting.MAX_APERTURE_RATE
DEFAULT_SHOULDER_WIDTH_M = 0.36  # telemetry.metrics.DEFAULT_METRES_PER_UNIT
# Smallest range that is a movement, per signal kind [D]:
MIN_RANGE = {"angle": 12.0, "position": 0.12, "aperture": counting.MIN_APERTURE_RANGE}
MIN_PERIODIC_CYCLES = 2  # auto: a candidate must repeat at least this often
REGULARITY_COV = 0.5  # auto: an interval CoV this high is no rhythm at all [D]
TWO_CYCLE_REGULARITY = 0.3  # auto: two cycles show no rhythm yet [D]
VOTE_FRACTION = 0.85  # auto: candidates this close to the best vote on the count [D]


@dataclass(frozen=True)
class Signal:
    """One candidate signal of a recording (see the table in the module doc)."""

    name: str  # e.g. "left elbow flexion"
    kind: Literal["angle", "position", "aperture"]
    unit: str
    t: np.ndarray
    x: np.ndarray
    quality: np.ndarray
    polarity: Polarity | Literal["auto"]
    max_rate: float
    floor: float | None = None
    side: str | None = None
    angle: joint_angles.AngleSeries | None = None
    effector: int | None = None  # pose landmark whose speed the events report

    @property
    def min_range(self) -> float:
        return MIN_RANGE[self.kind]


@dataclass(frozen=True)
class Event:
    """One repetition or tap."""

    index: int
    start_s: float
    peak_s: float
    end_s: float
    duration_s: float
    amplitude: float
    unit: str
    rom_deg: float | None
    angle_reliable: bool | None
    peak_speed: float | None
    peak_speed_unit: str | None
    sparc: float | None
    quality: float

    def to_dict(self) -> dict[str, Any]:
        return {"index": self.index, "start_s": _r(self.start_s, 3), "peak_s": _r(self.peak_s, 3),
                "end_s": _r(self.end_s, 3), "duration_s": _r(self.duration_s, 3),
                "amplitude": _r(self.amplitude, 4), "amplitude_unit": self.unit,
                "rom_deg": _r(self.rom_deg, 1), "angle_reliable": self.angle_reliable,
                "peak_speed": _r(self.peak_speed, 3), "peak_speed_unit": self.peak_speed_unit,
                "sparc": _r(self.sparc, 3), "quality": _r(self.quality, 3)}


@dataclass(frozen=True)
class Assessment:
    task: str  # the task asked for
    measured: str  # the signal counted (auto: the one it chose)
    side: str | None
    frames: int
    fps: float
    duration_s: float
    events: list[Event]
    rate_hz: float | None
    rhythm_cov: float | None
    decrement: float | None
    amplitude_mean: float | None
    amplitude_unit: str
    rom: dict[str, Any] | None
    quality: dict[str, Any]
    angle_method: dict[str, Any] | None
    period_s: float | None
    periodicity: float | None
    candidates: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    series: dict[str, Any] = field(default_factory=dict, repr=False)  # for plots

    @property
    def repetitions(self) -> int:
        return len(self.events)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "task": self.task, "measured": self.measured, "side": self.side,
            "frames": self.frames, "fps": _r(self.fps, 3), "duration_s": _r(self.duration_s, 3),
            "repetitions": self.repetitions,
            "events": [e.to_dict() for e in self.events],
            "rate_hz": _r(self.rate_hz, 4), "rhythm_cov": _r(self.rhythm_cov, 4),
            "decrement": _r(self.decrement, 4),
            "amplitude_mean": _r(self.amplitude_mean, 4), "amplitude_unit": self.amplitude_unit,
            "rom_deg": self.rom, "angle_method": self.angle_method, "quality": self.quality,
            "period_s": _r(self.period_s, 4), "periodicity": _r(self.periodicity, 3),
            "candidates": self.candidates, "warnings": list(self.warnings),
        }
        if self.task == "tapping" or self.measured.endswith("tapping aperture"):
            d["taps"] = self.repetitions
        return d


def _r(x: float | None, nd: int) -> float | None:
    if x is None or not isinstance(x, (int, float)) or not math.isfinite(float(x)):
        return None
    return round(float(x), nd)


class AssessError(ValueError):
    """A recording that cannot be assessed (no person, no hand); one line for the user."""


# ------------------------------------------------------------------ signals
_SIDE_IDX = {"left": (LEFT_SHOULDER, LEFT_ELBOW, LEFT_WRIST, LEFT_HIP),
             "right": (RIGHT_SHOULDER, RIGHT_ELBOW, RIGHT_WRIST, RIGHT_HIP)}


def _body_unit_px(stack: dict[str, np.ndarray]) -> float | None:
    scale = joint_angles.body_scale(stack["px"])
    vis = np.nan_to_num(np.fmin(stack["pose"][:, LEFT_SHOULDER, 3],
                                stack["pose"][:, RIGHT_SHOULDER, 3]))
    good = np.isfinite(scale) & (scale > 0) & (vis >= counting.MIN_QUALITY)
    if not np.any(good):
        good = np.isfinite(scale) & (scale > 0)
    return float(np.median(scale[good])) if np.any(good) else None


def shoulder_width_m(frames: Sequence[BodyFrame]) -> float:
    """The person's shoulder width in metres (world landmarks' median), else a typical one."""
    w = [float(np.linalg.norm(f.pose_world[LEFT_SHOULDER] - f.pose_world[RIGHT_SHOULDER]))
         for f in frames if f.pose_world is not None]
    w = [x for x in w if 0.15 < x < 0.7]
    return float(np.median(w)) if w else DEFAULT_SHOULDER_WIDTH_M


def _main_axis(xy: np.ndarray, ok: np.ndarray) -> np.ndarray:
    """Project a 2-D path on its direction of largest spread (PCA), NaN where not ok."""
    out = np.full(xy.shape[0], np.nan)
    if int(ok.sum()) < 4:
        return out
    p = xy[ok]
    c = p - p.mean(axis=0)
    _, _, vt = np.linalg.svd(c, full_matrices=False)
    axis = vt[0]
    if axis[np.argmax(np.abs(axis))] < 0:
        axis = -axis
    out[ok] = c @ axis
    return out


def hand_signals(frames: Sequence[BodyFrame], side: str) -> tuple[np.ndarray, np.ndarray,
                                                                  np.ndarray]:
    """(pinch, grasp, presence) of the patient's `side` hand per frame (NaN without it)."""
    from vision.intents_builder import hand_ratio

    label = "Left" if side == "left" else "Right"
    n = len(frames)
    pinch, grasp, present = np.full(n, np.nan), np.full(n, np.nan), np.zeros(n)
    for i, f in enumerate(frames):
        h = f.hand(label)  # type: ignore[arg-type]
        if h is None:
            continue
        p, g = hand_ratio(h, f.width, f.height)
        if p is not None and g is not None:
            pinch[i], grasp[i], present[i] = p, g, 1.0
    return pinch, grasp, present


def task_signal(task: str, frames: Sequence[BodyFrame], stack: dict[str, np.ndarray],
                side: str) -> Signal:
    """The signal a named task counts on `side`."""
    t = stack["t"]
    if task in HAND_TASKS:
        pinch, grasp, present = hand_signals(frames, side)
        if task == "tapping":
            return Signal(f"{side} tapping aperture", "aperture", "aperture",
                          t, pinch, present, "low", MAX_APERTURE_RATE, floor=0.0, side=side)
        return Signal(f"{side} grasp aperture", "aperture", "aperture", t,
                      grasp, present, "low", MAX_APERTURE_RATE, side=side)
    s, _e, w, _h = _SIDE_IDX[side]
    if task == "elbow-flexion":
        a = joint_angles.angle_series(stack, "elbow_flexion", side)
        return Signal(f"{side} elbow flexion", "angle", "deg", t, a.degrees, a.visibility,
                      "high", MAX_ANGULAR_SPEED_DEG_S, side=side, angle=a, effector=w)
    if task in ("shoulder-flexion", "shoulder-abduction"):
        a = joint_angles.angle_series(stack, "shoulder_elevation", side)
        return Signal(f"{side} shoulder elevation", "angle", "deg", t, a.degrees, a.visibility,
                      "high", MAX_ANGULAR_SPEED_DEG_S, side=side, angle=a, effector=w)
    if task == "reach":
        unit = _body_unit_px(stack)
        px = stack["px"]
        d = np.linalg.norm(px[:, w] - px[:, s], axis=1) / (unit or np.nan)
        vis = np.fmin(stack["pose"][:, s, 3], stack["pose"][:, w, 3])
        return Signal(f"{side} hand reach", "position", "body units", t, d, np.nan_to_num(vis),
                      "high", _max_rate_units(frames, unit), side=side, effector=w)
    raise ValueError(f"unknown task {task!r}")


def _max_rate_units(frames: Sequence[BodyFrame], unit_px: float | None) -> float:
    """MAX_LIMB_SPEED_M_S in body units per second."""
    return MAX_LIMB_SPEED_M_S / shoulder_width_m(frames)


def candidate_signals(frames: Sequence[BodyFrame], stack: dict[str, np.ndarray]) -> list[Signal]:
    """Every signal `--task auto` considers (see the module doc)."""
    t, px, pose = stack["t"], stack["px"], stack["pose"]
    unit = _body_unit_px(stack)
    out: list[Signal] = []
    if unit is not None:
        rate = _max_rate_units(frames, unit)
        mid_s = 0.5 * (px[:, LEFT_SHOULDER] + px[:, RIGHT_SHOULDER])
        mid_h = 0.5 * (px[:, LEFT_HIP] + px[:, RIGHT_HIP])
        vis_s = np.nan_to_num(np.fmin(pose[:, LEFT_SHOULDER, 3], pose[:, RIGHT_SHOULDER, 3]))
        for side in ("left", "right"):
            _s, e, w, _ = _SIDE_IDX[side]
            for idx, label in ((w, "wrist"), (e, "elbow")):
                vis = np.nan_to_num(np.fmin(pose[:, idx, 3], vis_s))
                ok = (vis >= counting.MIN_QUALITY) & np.all(np.isfinite(px[:, idx]), axis=1)
                rel = (px[:, idx] - mid_s) / unit
                out.append(Signal(f"{side} {label} path (relative to the shoulders)", "position",
                                  "body units", t, _main_axis(rel, ok), vis, "auto", rate,
                                  side=side, effector=w))
            for joint, label in (("elbow_flexion", "elbow flexion"),
                                 ("shoulder_elevation", "shoulder elevation")):
                a = joint_angles.angle_series(stack, joint, side)  # type: ignore[arg-type]
                out.append(Signal(f"{side} {label}", "angle", "deg", t, a.degrees, a.visibility,
                                  "auto", MAX_ANGULAR_SPEED_DEG_S, side=side, angle=a,
                                  effector=w))
        vis_h = np.nan_to_num(np.fmin(pose[:, LEFT_HIP, 3], pose[:, RIGHT_HIP, 3]))
        trunk_ok = (np.fmin(vis_s, vis_h) >= counting.MIN_QUALITY)
        out.append(Signal("trunk (shoulders relative to the hips)", "position", "body units", t,
                          _main_axis((mid_s - mid_h) / unit, trunk_ok), np.fmin(vis_s, vis_h),
                          "auto", rate))
        head_vis = np.nan_to_num(pose[:, NOSE, 3])
        out.append(Signal("body height in the picture (shoulders)", "position", "body units", t,
                          mid_s[:, 1] / unit, vis_s, "auto", rate))
        out.append(Signal("head height in the picture", "position", "body units", t,
                          px[:, NOSE, 1] / unit, head_vis, "auto", rate))
    if any(f.hands_tracked for f in frames):
        for side in ("left", "right"):
            pinch, grasp, present = hand_signals(frames, side)
            if present.sum() >= 4:
                out.append(Signal(f"{side} tapping aperture", "aperture",
                                  "aperture", t, pinch, present, "low",
                                  MAX_APERTURE_RATE, floor=0.0, side=side))
                out.append(Signal(f"{side} grasp aperture", "aperture",
                                  "aperture", t, grasp, present, "low",
                                  MAX_APERTURE_RATE, side=side))
    return out


def count_signal(sig: Signal) -> CycleResult:
    return counting.count_cycles(sig.t, sig.x, quality=sig.quality, polarity=sig.polarity,
                                 max_rate=sig.max_rate, min_range=sig.min_range, floor=sig.floor)


def rhythm_cov(res: CycleResult) -> float | None:
    """CoV of the intervals between the counted excursions' extremes (needs 3)."""
    if res.count < 3:
        return None
    iv = np.diff([c.t_peak for c in res.cycles])
    return float(np.std(iv) / np.mean(iv)) if np.mean(iv) > 0 else None


def score(res: CycleResult, duration_s: float) -> float:
    """How clearly a candidate shows one repeated movement (0..1) [D]: the
    autocorrelation at its period, times the regularity of the counted rhythm
    (1 - CoV of the intervals / REGULARITY_COV; two cycles have no rhythm yet and
    get a fixed TWO_CYCLE_REGULARITY), times the share of the recording the
    counted cycles span. Noise that a threshold happens to cut into "cycles"
    is irregular; a movement repeated on purpose is not."""
    if res.period is None or res.count < MIN_PERIODIC_CYCLES:
        return 0.0
    cov = rhythm_cov(res)
    regularity = TWO_CYCLE_REGULARITY if cov is None else max(0.0, 1.0 - cov / REGULARITY_COV)
    span = (res.cycles[-1].t_end - res.cycles[0].t_start) / duration_s if duration_s > 0 else 0.0
    return float(res.period.periodicity * regularity * min(1.0, max(0.0, span)))


def vote(scored: list[tuple[float, Signal, CycleResult]]) -> tuple[Signal, CycleResult]:
    """The count most of the best candidates agree on [D]: every candidate scoring at
    least VOTE_FRACTION of the best votes for its count with its score (the wrists,
    elbows and trunk of one movement are separate measurements of it; one of them
    cut short or doubled by a tracking slip is outvoted); the best-scoring candidate
    with that count is the one reported."""
    best = scored[0][0]
    votes: dict[int, float] = {}
    for sc, _sig, res in scored:
        if sc > 0 and sc >= VOTE_FRACTION * best:
            votes[res.count] = votes.get(res.count, 0.0) + sc
    winner = max(votes, key=lambda c: (votes[c], -c))
    sc, sig, res = next(x for x in scored if x[2].count == winner and x[0] >= VOTE_FRACTION * best)
    return sig, res


# ------------------------------------------------------------------ events
def _speed_profile(stack: dict[str, np.ndarray], effector: int | None, t_grid: np.ndarray,
                   metres_per_px: float | None) -> np.ndarray | None:
    """The effector's speed (m/s) on the counting grid, zero-phase smoothed (6 Hz)."""
    if effector is None or metres_per_px is None:
        return None
    t = stack["t"]
    p = stack["px"][:, effector] * metres_per_px
    vis = np.nan_to_num(stack["pose"][:, effector, 3])
    ok = np.all(np.isfinite(p), axis=1) & (vis >= counting.MIN_QUALITY)
    if int(ok.sum()) < 4 or t_grid.size < 4:
        return None
    x = np.interp(t_grid, t[ok], p[ok, 0])
    y = np.interp(t_grid, t[ok], p[ok, 1])
    fs = 1.0 / float(np.median(np.diff(t_grid)))
    x, y = counting.lowpass(x, fs, min(6.0, 0.45 * fs)), counting.lowpass(y, fs, min(6.0, 0.45 * fs))
    return np.hypot(np.gradient(x, 1.0 / fs), np.gradient(y, 1.0 / fs))


def _events(sig: Signal, res: CycleResult, stack: dict[str, np.ndarray],
            metres_per_px: float | None) -> list[Event]:
    out: list[Event] = []
    if not res.cycles:
        return out
    fs = res.fs
    speed = _speed_profile(stack, sig.effector, res.t, metres_per_px)
    rate = np.abs(np.gradient(res.x, 1.0 / fs)) if res.x.size > 1 else np.zeros(res.x.size)
    q_t = sig.t
    q = np.asarray(sig.quality, dtype=float)
    for k, c in enumerate(res.cycles):
        sl = slice(c.i_start, c.i_end + 1)
        if speed is not None:
            prof, unit = speed[sl], "m/s"
        else:
            prof, unit = rate[sl], f"{sig.unit}/s"
        prof = prof[np.isfinite(prof)]
        peak = float(prof.max()) if prof.size else None
        sp = sparc(prof, fs) if prof.size >= 4 and np.any(prof > 0) else None
        in_cycle = (q_t >= c.t_start) & (q_t <= c.t_end)
        qual = float(np.mean(np.clip(np.nan_to_num(q[in_cycle]), 0, 1))) if in_cycle.any() else 0.0
        qual *= c.coverage
        rom = reliable = None
        if sig.angle is not None:
            a = sig.angle
            sel = (a.t >= c.t_start) & (a.t <= c.t_end) & np.isfinite(a.degrees)
            if int(sel.sum()) >= 2:
                rom = float(np.max(a.degrees[sel]) - np.min(a.degrees[sel]))
                reliable = bool(np.mean(a.reliable[sel]) >= 0.8)
        amplitude = rom if rom is not None else c.amplitude  # an angle's swing: as measured
        out.append(Event(k + 1, c.t_start, c.t_peak, c.t_end, c.t_end - c.t_start, amplitude,
                         sig.unit, rom, reliable, peak, unit if peak is not None else None,
                         None if sp is None or not math.isfinite(sp) else sp, qual))
    return out


def _rate(events: Sequence[Event], duration_s: float) -> float | None:
    """1 / mean interval between the events' extremes; with one event, 1 / duration."""
    if len(events) >= 2:
        iv = np.diff([e.peak_s for e in events])
        return float(1.0 / iv.mean()) if iv.mean() > 0 else None
    if len(events) == 1 and duration_s > 0:
        return 1.0 / duration_s
    return None


def _quality(frames: Sequence[BodyFrame], stack: dict[str, np.ndarray], sig: Signal | None,
             res: CycleResult | None) -> dict[str, Any]:
    n = len(frames)
    posed = int(sum(f.pose is not None for f in frames))
    hands = int(sum(bool(f.hands) for f in frames))
    q: dict[str, Any] = {"pose_found_fraction": round(posed / n, 3) if n else 0.0,
                         "hand_found_fraction": round(hands / n, 3) if n else 0.0}
    if sig is not None:
        vals = np.asarray(sig.quality, dtype=float)
        q["signal_quality_mean"] = round(float(np.mean(np.nan_to_num(vals))), 3)
        q["usable_fraction"] = round(float(np.mean(np.isfinite(sig.x)
                                                   & (np.nan_to_num(vals) >= counting.MIN_QUALITY))), 3)
    if res is not None:
        q["rejected_low_quality"] = res.rejected_quality
        q["rejected_jumps"] = res.rejected_jumps
        q["noise"] = _r(res.noise, 4)
        q["uncounted_part_movements"] = res.partial  # begun before the recording or a gap
    return q


def assess(frames: Sequence[BodyFrame], task: str = "auto", side: str | None = None, *,
           fps: float | None = None) -> Assessment:
    """Measure a whole recording. Raises AssessError (one line) when it cannot."""
    if task not in TASKS:
        raise AssessError(f"unknown task {task!r}; choose one of {', '.join(TASKS)}")
    if side not in (None, "left", "right"):
        raise AssessError(f"side must be left or right, got {side!r}")
    if not frames:
        raise AssessError("the recording has no frames")
    stack = joint_angles.stack_frames(frames)
    t = stack["t"]
    duration = float(t[-1] - t[0]) if len(t) > 1 else 0.0
    if fps is None or not fps > 0:
        dts = np.diff(t)
        dts = dts[dts > 0]
        fps = float(1.0 / np.median(dts)) if dts.size else 0.0
    if fps > 0:
        duration += 1.0 / fps  # the last frame lasts one frame period
    posed = sum(f.pose is not None for f in frames)
    if task in HAND_TASKS:
        if not any(f.hands for f in frames):
            raise AssessError("no hand was found in the recording (a hand task needs the hand "
                              "in view)")
    elif posed == 0:
        raise AssessError("no person was found in the recording")
    warnings: list[str] = []
    candidates: list[dict[str, Any]] = []
    if task == "auto":
        sigs = candidate_signals(frames, stack)
        if side is not None:
            sigs = [s for s in sigs if s.side in (None, side)]
        scored = []
        for sg in sigs:
            res = count_signal(sg)
            scored.append((score(res, duration), sg, res))
        scored.sort(key=lambda x: -x[0])
        candidates = [{"signal": sg.name, "score": round(sc, 3), "count": res.count,
                       "period_s": _r(res.period.seconds if res.period else None, 3)}
                      for sc, sg, res in scored[:5]]
        if not scored or scored[0][0] <= 0:
            best = max(scored, key=lambda x: x[2].count, default=None) if scored else None
            if best is None:
                raise AssessError("no person was found in the recording")
            sig, res = best[1], best[2]
            warnings.append("no clearly repeated movement found: the count is from the signal "
                            "with the most movements and may not mean much")
        else:
            sig, res = vote(scored)
    else:
        sides = [side] if side is not None else ["left", "right"]
        options = []
        for sd in sides:
            sg = task_signal(task, frames, stack, sd)
            options.append((sg, count_signal(sg)))
        # without --side: the side that moved (the larger range), ties to more movements
        sig, res = max(options, key=lambda o: (o[1].global_range, o[1].count))
        if side is None and len(options) == 2:
            other = options[1] if options[0][0] is sig else options[0]
            if other[1].count and other[1].global_range > 0.7 * res.global_range:
                warnings.append(f"both sides moved; measured the {sig.side} (--side chooses)")
    metres_per_px = None
    unit_px = _body_unit_px(stack)
    if unit_px:
        metres_per_px = shoulder_width_m(frames) / unit_px
    events = _events(sig, res, stack, metres_per_px)
    if res.reason and not events:
        warnings.append(f"nothing counted: {res.reason}")
    rom = angle_method = None
    if sig.angle is not None:
        a = sig.angle
        roms = [e.rom_deg for e in events if e.rom_deg is not None]
        measured = np.isfinite(a.degrees)
        angle_method = a.summary()
        rom = {"mean": _r(float(np.mean(roms)), 1) if roms else None,
               "max": _r(float(np.max(roms)), 1) if roms else None,
               "min_angle": _r(float(np.nanmin(a.degrees)), 1) if measured.any() else None,
               "max_angle": _r(float(np.nanmax(a.degrees)), 1) if measured.any() else None,
               "recording_rom_reliable": joint_angles.rom_deg(a),
               "reliable_repetitions": sum(1 for e in events if e.angle_reliable),
               "joint": a.joint, "unit": "deg",
               "method": joint_angles.describe_method(angle_method)}
        warnings.extend(a.notes)
        if task in ("shoulder-flexion", "shoulder-abduction") and events:
            plane = joint_angles.elevation_plane(stack, a)
            if plane is not None:
                looks = str(plane["looks_like"])
                rom["movement_looks_like"] = looks
                rom["camera_view"] = plane["view"]
                wanted = "flexion" if task == "shoulder-flexion" else "abduction"
                if wanted not in looks:
                    warnings.append(f"asked for shoulder {wanted}, but the arm was raised in a "
                                    f"way that looks like {looks} ({plane['view']} view, upper "
                                    f"arm in the image plane on {plane['arm_in_image_plane']:.0%} "
                                    "of the mid-raise frames); the angle is the arm's elevation "
                                    "either way")
    amps = [e.amplitude for e in events]
    series = {"t": res.t, "x": res.x, "name": sig.name, "unit": sig.unit,
              "events": [(e.start_s, e.peak_s, e.end_s) for e in events]}
    if sig.angle is not None:
        series["reliable_t"] = sig.angle.t[~sig.angle.reliable & np.isfinite(sig.angle.degrees)]
    return Assessment(
        task=task, measured=sig.name, side=sig.side, frames=len(frames), fps=fps,
        duration_s=duration, events=events, rate_hz=_rate(events, duration),
        rhythm_cov=rhythm_cov(res) if res.count >= 3 else None,
        decrement=third_ratio(amps), amplitude_mean=float(np.mean(amps)) if amps else None,
        amplitude_unit=sig.unit, rom=rom, quality=_quality(frames, stack, sig, res),
        angle_method=angle_method, period_s=res.period.seconds if res.period else None,
        periodicity=res.period.periodicity if res.period else None,
        candidates=candidates, warnings=warnings, series=series)
