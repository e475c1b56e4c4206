"""Per-patient calibration: neutral posture and the reach envelope.

Role: measure what "rest" and "as far as is comfortable" mean for THIS
patient in front of THIS camera, so exercise difficulty scales with the
person (CLINICAL.md: compensation is judged against the patient's own
baseline + 2 SD). `CalibrationProcedure` is a pure state machine: the game
feeds it tracked frames, shows `prompt` and `progress`, and takes
`result()` when `done`. Time comes only from the frames' capture stamps.

Measured values:
  * neutral: the mean shoulder midpoint (pixels) and shoulder width (pixels)
    over a ~3 s still hold become the `BodyReference` (the body-unit origin
    and unit). `trunk_mean`/`trunk_sd` describe the radial distance of the
    shoulder midpoint from that origin during the hold (body units), i.e.
    how much a still patient sways; `trunk_sd_cm` converts it with the
    world-landmark shoulder width (metres). Lean and shoulder-line rotation
    means and SDs are kept for the same reason.
  * reach envelope: for each arm and direction, the distance along that
    direction's unit vector from the arm's shoulder (at (+-0.5, 0), as the
    target formula in docs/CONTRACTS.md places it) to the hand centre, held
    still for ~1 s at (or near) the furthest point reached in that phase.

`to_dict`/`from_dict` are JSON-safe for the telemetry store; attribute names
(`envelope`, `trunk_mean`, `trunk_sd`, `lean_mean_deg`, `lean_sd_deg`,
`shoulder_width_m`) are what `exercises.reaching.reach_setup` reads.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from vision.body_model import (
    BodyReference,
    reference_from_pose,
    shoulder_midpoint_px,
    shoulder_rotation_deg,
    shoulder_width_m,
    shoulder_width_px,
    to_body,
    trunk_lean_deg,
)
from vision.bodyframe import (
    LEFT_INDEX,
    LEFT_PINKY,
    LEFT_WRIST,
    RIGHT_INDEX,
    RIGHT_PINKY,
    RIGHT_WRIST,
    BodyFrame,
)
from vision.directions import DIRECTIONS, SEATED_DIRECTIONS, Direction, direction_vector
from vision.forward import ForwardEnvelope, ForwardTracker

Side = Literal["left", "right"]
SIDES: tuple[Side, ...] = ("left", "right")
CALIBRATION_VERSION = 1

DEFAULT_SHOULDER_WIDTH_M = 0.38  # adult mean biacromial breadth, about 36-41 cm
DEFAULT_REACH = 1.5  # body units from the shoulder: a comfortable, not maximal, reach
DEFAULT_TRUNK_SD = 0.02  # body units (under 1 cm): a still seated patient
DEFAULT_LEAN_SD_DEG = 1.0

HAND_POINTS: dict[Side, tuple[int, int, int]] = {
    "left": (LEFT_WRIST, LEFT_INDEX, LEFT_PINKY),
    "right": (RIGHT_WRIST, RIGHT_INDEX, RIGHT_PINKY),
}
SHOULDER_BU: dict[Side, tuple[float, float]] = {"left": (-0.5, 0.0), "right": (0.5, 0.0)}

NEUTRAL_PROMPT = "Sit still and look at the screen"
REACH_PROMPT = "Reach out as far as is comfortable: {direction}"
FORWARD_PROMPT = "Reach straight ahead as far as is comfortable: {side} arm"
FORWARD_STILL_BU = 0.25  # forward phase: the depth reading's spread while the hand is held
DIRECTION_WORDS: dict[str, str] = {
    "out": "out to the side", "up_out": "up and out", "up": "straight up",
    "up_in": "up and across", "in": "across your body", "down_in": "down and across",
    "down": "straight down", "down_out": "down and out",
}


def hand_centre_norm(pose: np.ndarray, side: Side) -> tuple[float, float]:
    """Mean of the pose wrist, index and pinky landmarks (normalized image x, y)."""
    idx = list(HAND_POINTS[side])
    return float(np.mean(pose[idx, 0])), float(np.mean(pose[idx, 1]))


@dataclass(frozen=True)
class Calibration:
    """One patient's neutral posture and reach envelope (see module docstring)."""

    reference: BodyReference
    envelope: Mapping[str, Mapping[str, float]]  # side -> direction -> reach, body units
    trunk_mean: float = 0.0  # radial shoulder-midpoint distance from neutral at rest, body units
    trunk_sd: float = DEFAULT_TRUNK_SD
    lean_mean_deg: float = 0.0
    lean_sd_deg: float = DEFAULT_LEAN_SD_DEG
    rotation_mean_deg: float = 0.0
    rotation_sd_deg: float = DEFAULT_LEAN_SD_DEG
    shoulder_width_m: float = DEFAULT_SHOULDER_WIDTH_M
    measured: bool = True  # False for `Calibration.default`
    neutral_s: float = 0.0  # how long the neutral hold lasted
    # forward phase (vision.forward; coarse: median error 0.58 arm lengths): per side the
    # resting forward reading and the forward envelope beyond it, body units
    forward: Mapping[str, Mapping[str, float]] = field(default_factory=dict)

    @property
    def neutral_origin_px(self) -> tuple[float, float]:
        return self.reference.origin_px

    @property
    def shoulder_width_px(self) -> float:
        return self.reference.unit_px

    @property
    def trunk_sd_cm(self) -> float:
        return self.trunk_sd * self.shoulder_width_m * 100.0

    @property
    def trunk_mean_cm(self) -> float:
        return self.trunk_mean * self.shoulder_width_m * 100.0

    def reach(self, side: str, direction: str) -> float:
        try:
            return float(self.envelope[side][direction])
        except KeyError:
            raise ValueError(f"calibration has no reach for the {side} arm, direction {direction!r}") from None

    @classmethod
    def default(cls, width: int = 640, height: int = 480, pose: np.ndarray | None = None,
                pose_world: np.ndarray | None = None, reach: float = DEFAULT_REACH) -> Calibration:
        """A usable calibration when none is saved: this frame's shoulders, or a typical framing."""
        if pose is not None:
            ref = reference_from_pose(pose, width, height)
        else:  # a seated adult, waist-up, centred, shoulders about a quarter of the width apart
            ref = BodyReference((width / 2.0, height * 0.45), width * 0.25, width, height)
        sw = shoulder_width_m(pose_world) or DEFAULT_SHOULDER_WIDTH_M
        env: dict[str, dict[str, float]] = {side: {d: float(reach) for d in DIRECTIONS} for side in SIDES}
        return cls(ref, env, shoulder_width_m=sw, measured=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": CALIBRATION_VERSION,
            "reference": self.reference.to_dict(),
            "envelope": {s: {d: float(v) for d, v in dirs.items()} for s, dirs in self.envelope.items()},
            "trunk_mean": float(self.trunk_mean), "trunk_sd": float(self.trunk_sd),
            "trunk_sd_cm": float(self.trunk_sd_cm),
            "lean_mean_deg": float(self.lean_mean_deg), "lean_sd_deg": float(self.lean_sd_deg),
            "rotation_mean_deg": float(self.rotation_mean_deg),
            "rotation_sd_deg": float(self.rotation_sd_deg),
            "shoulder_width_m": float(self.shoulder_width_m),
            "shoulder_width_px": float(self.shoulder_width_px),
            "neutral_origin_px": [float(v) for v in self.neutral_origin_px],
            "measured": bool(self.measured), "neutral_s": float(self.neutral_s),
            **({"forward": {s: {k: float(v) for k, v in d.items()} for s, d in self.forward.items()}}
               if self.forward else {}),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Calibration:
        """Inverse of `to_dict`; a ValueError names the bad or missing key."""
        try:
            ref = BodyReference.from_dict(dict(d["reference"]))
            env = {str(s): {str(k): float(v) for k, v in dict(dirs).items()}
                   for s, dirs in dict(d["envelope"]).items()}
        except KeyError as exc:
            raise ValueError(f"calibration is missing {exc.args[0]!r}") from None
        except (TypeError, ValueError) as exc:
            raise ValueError(f"calibration has a bad reference or envelope: {exc}") from None
        for s, dirs in env.items():
            if s not in SIDES:
                raise ValueError(f"calibration envelope has an unknown side {s!r}")
            for k, v in dirs.items():
                if k not in DIRECTIONS:
                    raise ValueError(f"calibration envelope has an unknown direction {k!r}")
                if not (v > 0 and math.isfinite(v)):
                    raise ValueError(f"calibration reach for {s} {k} must be positive, got {v}")

        def num(key: str, default: float) -> float:
            v = d.get(key, default)
            try:
                return float(v)
            except (TypeError, ValueError):
                raise ValueError(f"calibration field {key!r} is not a number: {v!r}") from None

        forward = _forward_from(d.get("forward"))
        return cls(ref, env, forward=forward, trunk_mean=num("trunk_mean", 0.0), trunk_sd=num("trunk_sd", DEFAULT_TRUNK_SD),
                   lean_mean_deg=num("lean_mean_deg", 0.0), lean_sd_deg=num("lean_sd_deg", DEFAULT_LEAN_SD_DEG),
                   rotation_mean_deg=num("rotation_mean_deg", 0.0),
                   rotation_sd_deg=num("rotation_sd_deg", DEFAULT_LEAN_SD_DEG),
                   shoulder_width_m=num("shoulder_width_m", DEFAULT_SHOULDER_WIDTH_M),
                   measured=bool(d.get("measured", True)), neutral_s=num("neutral_s", 0.0))


def _forward_from(value: Any) -> dict[str, dict[str, float]]:
    """The stored forward phase ({side: {"rest", "reach"}}), checked; {} when absent."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ValueError("calibration field 'forward' is not a table of sides")  # noqa: TRY004 (from_dict's one error type)
    out: dict[str, dict[str, float]] = {}
    for side, entry in value.items():
        if side not in SIDES or not isinstance(entry, Mapping):
            raise ValueError(f"calibration forward has a bad side {side!r}")
        try:
            rest, reach = float(entry["rest"]), float(entry["reach"])
        except (KeyError, TypeError, ValueError):
            raise ValueError(f"calibration forward for {side} needs numbers 'rest' and 'reach'") from None
        if not (math.isfinite(rest) and math.isfinite(reach) and reach > 0):
            raise ValueError(f"calibration forward reach for {side} must be positive, got {reach}")
        out[str(side)] = {"rest": rest, "reach": reach}
    return out


@dataclass(frozen=True, slots=True)
class CalibrationPhase:
    """One step of the procedure: what the patient is asked to do."""

    kind: Literal["neutral", "reach", "forward"]
    prompt: str
    side: Side | None = None
    direction: Direction | None = None


@dataclass
class _ReachState:
    samples: list[tuple[float, float, float, float]] = field(default_factory=list)  # t, x, y, projection
    best: float = 0.0
    started_t: float | None = None
    hold_progress: float = 0.0


class CalibrationProcedure:
    """Frame-driven calibration; `step(frame)` until `done`, then `result()`.

    Neutral: `neutral_s` seconds of continuous pose (a gap longer than
    `max_gap_s` restarts the hold) during which the shoulder midpoint's
    radial SD stays within `neutral_max_sd` body units (about 3 cm): a
    baseline taken while the patient is still settling would make the
    compensation guard (baseline + 2 SD) blind. If the patient moves, the
    older half of the hold is dropped and it continues; after
    `neutral_timeout_s` the current window is accepted as it is (a tremor
    must not block calibration). Reach: per arm in `sides` and direction
    in `directions`, the phase ends when the hand centre has stayed within
    `hold_radius` body units for `hold_s` seconds, at least `min_reach`
    from the shoulder along the direction and at least `near_best` of the
    furthest point reached in the phase; after `reach_timeout_s` the best
    held position is taken (or the default reach if none).
    """

    def __init__(self, *, sides: Sequence[Side] = SIDES, directions: Sequence[Direction] = SEATED_DIRECTIONS,
                 neutral_s: float = 3.0, hold_s: float = 1.0, hold_radius: float = 0.08,
                 min_reach: float = 0.3, near_best: float = 0.9, reach_timeout_s: float = 12.0,
                 max_gap_s: float = 0.5, neutral_max_sd: float = 0.08,
                 neutral_timeout_s: float = 15.0) -> None:
        for d in directions:
            direction_vector(d, "right")  # raises on an unknown name
        self.sides = tuple(sides)
        self.directions = tuple(directions)
        self.neutral_s, self.hold_s, self.hold_radius = neutral_s, hold_s, hold_radius
        self.min_reach, self.near_best = min_reach, near_best
        self.reach_timeout_s, self.max_gap_s = reach_timeout_s, max_gap_s
        self.neutral_max_sd, self.neutral_timeout_s = neutral_max_sd, neutral_timeout_s
        self._neutral_start: float | None = None
        self.phases: list[CalibrationPhase] = [CalibrationPhase("neutral", NEUTRAL_PROMPT)]
        for side in self.sides:
            for d in self.directions:
                word = DIRECTION_WORDS.get(d, d)
                self.phases.append(CalibrationPhase(
                    "reach", REACH_PROMPT.format(direction=f"{side} arm, {word}"), side, d))
        self._i = 0
        self._neutral: list[BodyFrame] = []
        self._last_t: float | None = None
        self._reach = _ReachState()
        self._envelope: dict[str, dict[str, float]] = {s: {} for s in self.sides}
        self._reference: BodyReference | None = None
        self._stats: dict[str, float] = {}
        self._forward_tracker = ForwardTracker()
        self._forward = ForwardEnvelope()
        self._forward_result: dict[str, dict[str, float]] = {}

    def add_forward_phases(self) -> None:
        """Add the forward phase (per arm: straight ahead as far as is comfortable) for a
        session with forward reaching; call before the first frame. The resting forward
        reading is taken during the neutral hold."""
        if any(p.kind == "forward" for p in self.phases):
            return
        for side in self.sides:
            self.phases.append(CalibrationPhase("forward", FORWARD_PROMPT.format(side=side), side))

    # ---- what the game shows
    @property
    def phase(self) -> CalibrationPhase | None:
        return self.phases[self._i] if self._i < len(self.phases) else None

    @property
    def prompt(self) -> str:
        p = self.phase
        return p.prompt if p is not None else "Calibration done"

    @property
    def phase_progress(self) -> float:
        p = self.phase
        if p is None:
            return 1.0
        if p.kind == "neutral":
            if len(self._neutral) < 2:
                return 0.0
            return min(1.0, (self._neutral[-1].t - self._neutral[0].t) / self.neutral_s)
        return self._reach.hold_progress

    @property
    def progress(self) -> float:
        """0..1 over the whole procedure."""
        return min(1.0, (self._i + self.phase_progress) / len(self.phases))

    @property
    def done(self) -> bool:
        return self._i >= len(self.phases)

    # ---- driving
    def feed(self, frame: BodyFrame | None, intents: object = None, dt: float = 0.0) -> None:
        """Adapter for game.scenes.calibration: the scene's `feed` is our `step`."""
        if frame is not None:
            self.step(frame)

    def step(self, frame: BodyFrame) -> None:
        p = self.phase
        if p is None or frame.pose is None:
            return
        t = frame.t
        if self._last_t is not None and t <= self._last_t:
            return  # a repeated frame (the mailbox may hand the same one twice)
        gap = self._last_t is not None and t - self._last_t > self.max_gap_s
        self._last_t = t
        forward = self._forward_tracker.update(t, frame.pose_world, frame.pose[:, 3]) \
            if frame.pose_world is not None else {"left": None, "right": None}
        if p.kind == "neutral":
            for side in self.sides:
                self._forward.add_rest(side, forward[side])
            if gap:
                self._neutral.clear()
            self._neutral.append(frame)
            if self._neutral_start is None:
                self._neutral_start = t
            if self._neutral[-1].t - self._neutral[0].t >= self.neutral_s - 1e-9:
                timed_out = t - self._neutral_start >= self.neutral_timeout_s
                if timed_out or self._neutral_sway() <= self.neutral_max_sd:
                    self._finish_neutral()
                    self._advance()
                else:  # still settling: keep the newer half and go on
                    while self._neutral[-1].t - self._neutral[0].t > self.neutral_s / 2:
                        self._neutral.pop(0)
            return
        if p.kind == "forward":
            assert p.side is not None
            self._step_forward(frame, p.side, forward[p.side], gap)
            return
        assert p.side is not None and p.direction is not None
        self._step_reach(frame, p.side, p.direction, gap)

    def _advance(self) -> None:
        self._i += 1
        self._reach = _ReachState()

    def _neutral_sway(self) -> float:
        """Radial SD of the shoulder midpoint over the current hold, body units."""
        frames = self._neutral
        w, h = frames[-1].width, frames[-1].height
        mids = np.array([shoulder_midpoint_px(f.pose, w, h) for f in frames])  # type: ignore[arg-type]
        unit = float(np.mean([shoulder_width_px(f.pose, w, h) for f in frames]))  # type: ignore[arg-type]
        return float(np.sqrt(np.mean(np.sum((mids - mids.mean(axis=0)) ** 2, axis=1)))) / unit

    def _finish_neutral(self) -> None:
        frames = self._neutral
        w, h = frames[-1].width, frames[-1].height
        mids = np.array([shoulder_midpoint_px(f.pose, w, h) for f in frames])  # type: ignore[arg-type]
        widths = np.array([shoulder_width_px(f.pose, w, h) for f in frames])  # type: ignore[arg-type]
        origin = mids.mean(axis=0)
        unit = float(widths.mean())
        self._reference = BodyReference((float(origin[0]), float(origin[1])), unit, w, h)
        radial = np.hypot(*(mids - origin).T) / unit
        leans = np.array([trunk_lean_deg(f.pose, w, h) for f in frames])  # type: ignore[arg-type]
        rots = np.array([shoulder_rotation_deg(f.pose, w, h) for f in frames])  # type: ignore[arg-type]
        sw_m = [m for f in frames if (m := shoulder_width_m(f.pose_world)) is not None]
        self._stats = {
            "trunk_mean": float(radial.mean()), "trunk_sd": float(radial.std()),
            "lean_mean_deg": float(leans.mean()), "lean_sd_deg": float(leans.std()),
            "rotation_mean_deg": float(rots.mean()), "rotation_sd_deg": float(rots.std()),
            "shoulder_width_m": float(np.median(sw_m)) if sw_m else DEFAULT_SHOULDER_WIDTH_M,
            "neutral_s": float(frames[-1].t - frames[0].t),
        }

    def _step_reach(self, frame: BodyFrame, side: Side, direction: Direction, gap: bool) -> None:
        ref = self._reference
        assert ref is not None and frame.pose is not None
        st = self._reach
        t = frame.t
        if st.started_t is None:
            st.started_t = t
        if gap:
            st.samples.clear()
        hx, hy = to_body(ref, *hand_centre_norm(frame.pose, side))
        sx, sy = SHOULDER_BU[side]
        vx, vy = direction_vector(direction, side)
        proj = (hx - sx) * vx + (hy - sy) * vy
        st.samples.append((t, hx, hy, proj))
        st.best = max(st.best, proj)
        # keep just over one hold window of samples
        while len(st.samples) > 2 and st.samples[1][0] <= t - self.hold_s:
            st.samples.pop(0)
        window = np.array(st.samples)
        span = window[-1, 0] - window[0, 0]
        centre = window[:, 1:3].mean(axis=0)
        still = bool(np.all(np.hypot(*(window[:, 1:3] - centre).T) <= self.hold_radius))
        mean_proj = float(window[:, 3].mean())
        far_enough = mean_proj >= self.min_reach and mean_proj >= self.near_best * st.best
        st.hold_progress = min(1.0, span / self.hold_s) if (still and far_enough) else 0.0
        if still and far_enough and span >= self.hold_s - 1e-9:
            self._envelope[side][direction] = mean_proj
            self._advance()
        elif t - st.started_t >= self.reach_timeout_s:
            # The patient could not hold still at a far point: keep what they reached, modestly.
            self._envelope[side][direction] = max(self.min_reach, float(np.median(window[:, 3])))
            self._advance()

    def _step_forward(self, frame: BodyFrame, side: Side, forward: float | None, gap: bool) -> None:
        """Straight ahead: the phase ends once the hand has been held (image plane within
        `hold_radius`, depth reading within FORWARD_STILL_BU) for `hold_s` after reaching
        forward beyond the resting reading; or at `reach_timeout_s` with what was reached."""
        ref = self._reference
        assert ref is not None and frame.pose is not None
        st = self._reach
        t = frame.t
        if st.started_t is None:
            st.started_t = t
        if gap:
            st.samples.clear()
        self._forward.add(side, forward)
        rest = self._forward.rest(side)
        hx, hy = to_body(ref, *hand_centre_norm(frame.pose, side))
        beyond = float("nan") if forward is None or rest is None else forward - rest
        st.samples.append((t, hx, hy, beyond))
        if math.isfinite(beyond):
            st.best = max(st.best, beyond)
        while len(st.samples) > 2 and st.samples[1][0] <= t - self.hold_s:
            st.samples.pop(0)
        window = np.array(st.samples)
        span = window[-1, 0] - window[0, 0]
        centre = window[:, 1:3].mean(axis=0)
        depth = window[:, 3]
        still = bool(np.all(np.hypot(*(window[:, 1:3] - centre).T) <= self.hold_radius)) and \
            bool(np.isfinite(depth).all()) and float(np.ptp(depth)) <= FORWARD_STILL_BU
        ahead = bool(np.isfinite(depth).all()) and float(depth.mean()) >= max(
            self.min_reach, self.near_best * st.best)
        st.hold_progress = min(1.0, span / self.hold_s) if (still and ahead) else 0.0
        if (still and ahead and span >= self.hold_s - 1e-9) or t - st.started_t >= self.reach_timeout_s:
            reach = self._forward.result(side)
            if reach is not None and reach > 0 and rest is not None:
                self._forward_result[side] = {"rest": rest, "reach": reach}
            self._advance()

    def skip(self) -> None:
        """Skip the current reach phase (patient declined); its direction gets no measurement."""
        if self.phase is not None and self.phase.kind in ("reach", "forward"):
            self._advance()

    def result(self) -> Calibration:
        if self._reference is None:
            raise RuntimeError("calibration has no neutral measurement yet")
        env: dict[str, dict[str, float]] = {}
        for side in self.sides:
            measured = dict(self._envelope.get(side, {}))
            if measured:
                fill = float(np.median(list(measured.values())))
                env[side] = {d: measured.get(d, fill) for d in DIRECTIONS}
        if not env:
            env = {s: {d: DEFAULT_REACH for d in DIRECTIONS} for s in SIDES}
        return Calibration(self._reference, env, measured=True, forward=dict(self._forward_result),
                           **self._stats)
