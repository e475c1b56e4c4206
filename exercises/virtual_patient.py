"""The virtual patient: a recorded body whose arm plays the game.

Role: the demo's player and a reusable part for tests, benchmarks and plan
simulation. It loops a real recording of a seated person (ping-pong, so the
body never jumps) and overrides the arms: each shoulder stays where the
recording has it, and the elbow, wrist and hand landmarks are placed by
2-link planar inverse kinematics in image space (upper arm and forearm
lengths from the recording), so that the vision pipeline, run on these
frames, reads the hand at the intended body-unit position. It emits
`BodyFrame`s like a camera does: the game cannot tell it from one.

Behaviour (all seeded by `seed`, deterministic for a given call sequence):
  * `look(goal)`: the patient sees a goal (the target shown, a hand task,
    or rest). After a reaction time ~ N(mean, sd) the hand moves there on
    a minimum-jerk trajectory (exercises/motion.py) whose duration grows
    with distance, slightly bowed (`curvature`), to an endpoint scattered by
    `noise` (body units); a small per-frame jitter is added on top.
  * Trunk compensation: on a far target (beyond `far_fraction` of the arm's
    reach) it leans, with `compensation_probability`, shifting the head and
    shoulders `lean_bu` toward the target with the same timing. That moves
    the shoulder midpoint, which trips the compensation guard; when the game
    shows its cue (`ReachGoal.sit_up`) it sits back up after a reaction time.
  * `skill` (0..1]: divides movement time, and limits how far the arm can
    extend (fraction of its anatomical length): a low-skill patient misses
    far targets unless it leans.
  * Hand tasks: `HandGoal` moves the hand like a reach, and `hand_model`
    (a callable taking a `HandContext`) supplies the 21 hand landmarks; the
    dexterity engineer's exercises/virtual_hands.py plugs in there.

Coordinates follow docs/CONTRACTS.md: goals are body units relative to the
calibrated neutral reference (`reference`; by default the recording's own
median shoulders, which is what a calibration on these frames finds).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

import numpy as np

from core.events import Event
from exercises.motion import MinJerk
from vision.body_model import BodyReference, reference_from_pose, shoulder_width_m, to_image
from vision.bodyframe import (
    LEFT_ELBOW,
    LEFT_INDEX,
    LEFT_PINKY,
    LEFT_SHOULDER,
    LEFT_THUMB,
    LEFT_WRIST,
    RIGHT_ELBOW,
    RIGHT_INDEX,
    RIGHT_PINKY,
    RIGHT_SHOULDER,
    RIGHT_THUMB,
    RIGHT_WRIST,
    BodyFrame,
    Hand,
)
from vision.directions import DIRECTIONS, direction_vector
from vision.intents import Intents

Side = Literal["left", "right"]

_ARM = {
    "left": (LEFT_SHOULDER, LEFT_ELBOW, LEFT_WRIST, LEFT_INDEX, LEFT_PINKY, LEFT_THUMB),
    "right": (RIGHT_SHOULDER, RIGHT_ELBOW, RIGHT_WRIST, RIGHT_INDEX, RIGHT_PINKY, RIGHT_THUMB),
}
UPPER_BODY = np.arange(0, 23)  # head, shoulders, arms, hands: what moves when the trunk leans

# Hand geometry in body units (shoulder widths), from adult proportions.
HAND_REACH_BU = 0.30  # wrist -> pose index/pinky landmarks along the forearm
HAND_SPREAD_BU = 0.08  # index/pinky either side of that line
HAND_CENTRE_BU = 2.0 * HAND_REACH_BU / 3.0  # wrist -> mean(wrist, index, pinky)
DEFAULT_UPPER_ARM_BU = 0.85
DEFAULT_FOREARM_BU = 0.70
MIN_MOVEMENT_S = 0.5
SAME_GOAL_BU = 0.15  # a goal that moves less than this is the same goal (a wobbling target)
ARM_VISIBILITY = 0.98


# ------------------------------------------------------------------- goals
@dataclass(frozen=True, slots=True)
class ReachGoal:
    """Reach the hand on `side` to (x, y) body units; `sit_up`: the game asks
    the patient to stop leaning (its compensation cue is showing)."""

    side: Side
    x: float
    y: float
    sit_up: bool = False
    # in front of the shoulder, body units beyond the resting reading (forward reaching);
    # the world landmarks of the arm follow it (vision.forward reads it back)
    forward: float = 0.0


@dataclass(frozen=True, slots=True)
class Rest:
    """Hands back to rest on the lap."""


@dataclass(frozen=True, slots=True)
class HandGoal:
    """A hand action (tap, pinch, open/close...) with the hand held at (x, y)."""

    kind: str
    side: Side
    x: float | None = None  # None: in front of the shoulder at chest height
    y: float | None = None
    params: tuple[tuple[str, Any], ...] = ()

    def param(self, name: str, default: Any = None) -> Any:
        return dict(self.params).get(name, default)


Goal = ReachGoal | Rest | HandGoal


@dataclass(frozen=True, slots=True)
class HandContext:
    """What a hand model needs to draw 21 landmarks for one frame."""

    t: float
    goal: Goal
    side: Side
    wrist_px: tuple[float, float]
    forward: tuple[float, float]  # unit vector (pixels) along the forearm, elbow -> wrist
    unit_px: float  # one shoulder width in pixels
    width: int
    height: int


HandModel = Callable[[HandContext], np.ndarray]  # -> (21, 3) normalized image coordinates


def open_hand(ctx: HandContext) -> np.ndarray:
    """A flat open hand along the forearm: a simple default hand model."""
    fx, fy = ctx.forward
    px, py = -fy, fx  # across the palm
    sign = 1.0 if ctx.side == "right" else -1.0
    u = ctx.unit_px
    pts = [(0.0, 0.0)]
    # thumb (1-4), then index, middle, ring, pinky (4 joints each)
    finger_base = [(0.10, 0.10), (0.30, 0.07), (0.31, 0.0), (0.29, -0.06), (0.26, -0.11)]
    finger_len = [0.22, 0.22, 0.25, 0.23, 0.18]
    for k, ((a, b), length) in enumerate(zip(finger_base, finger_len)):
        for j in range(4):
            along = a + length * j / 3.0 + (0.0 if k else 0.05 * j)
            across = b + (0.06 * j if k == 0 else 0.0)
            pts.append((along, across))
    out = np.zeros((21, 3), dtype=np.float32)
    for i, (a, b) in enumerate(pts):
        x = ctx.wrist_px[0] + u * (a * fx + sign * b * px)
        y = ctx.wrist_px[1] + u * (a * fy + sign * b * py)
        out[i] = (x / ctx.width, y / ctx.height, 0.0)
    return out


FORWARD_SPOT_Y = -0.3  # the hand in front of the shoulder, a little below it (a table)
CALIBRATION_OVERREACH = 3.0  # body units: "as far as you can" is beyond any arm, so the arm goes straight


def goal_for(thing: object) -> Goal:
    """The goal a player would pursue, read from public state.

    `thing` may be an exercise (its `player_goal()` if it has one, as the
    dexterity games do; else the first live target in `targets`), a
    calibration procedure (its current reach phase: as far as the arm goes
    in that direction), or anything holding one as `runner.exercise`,
    `exercise` or `procedure` (a game scene; while its runner rests, is
    paused or done, the patient rests too). Otherwise: rest.
    """
    if thing is None:
        return Rest()
    player_goal = getattr(thing, "player_goal", None)
    if callable(player_goal):
        return player_goal()
    targets = getattr(thing, "targets", None)
    if targets is not None:
        for tv in targets:
            if getattr(tv, "state", None) in ("waiting", "holding"):
                return ReachGoal(tv.side, float(tv.x), float(tv.y), bool(getattr(thing, "compensating", False)),
                                 forward=float(getattr(tv, "depth", None) or 0.0))
        return Rest()
    phase = getattr(thing, "phase", None)
    if phase is not None and getattr(phase, "kind", None) in ("neutral", "reach"):
        if phase.kind == "reach" and phase.side in ("left", "right"):
            vx, vy = direction_vector(phase.direction, phase.side)
            sx = 0.5 if phase.side == "right" else -0.5
            return ReachGoal(phase.side, sx + CALIBRATION_OVERREACH * vx, CALIBRATION_OVERREACH * vy)
        return Rest()
    if phase is not None and getattr(phase, "kind", None) == "forward" and phase.side in ("left", "right"):
        # straight ahead, as far as the arm goes, the hand in front of the shoulder
        sx = 0.5 if phase.side == "right" else -0.5
        return ReachGoal(phase.side, sx, FORWARD_SPOT_Y, forward=CALIBRATION_OVERREACH)
    runner = getattr(thing, "runner", None)
    if getattr(runner, "state", None) in ("resting", "paused", "done"):
        return Rest()  # a rest break or a pause: hands down, whatever is still drawn
    for inner in (getattr(runner, "exercise", None), getattr(thing, "exercise", None),
                  getattr(thing, "procedure", None)):
        if inner is not None and inner is not thing:
            return goal_for(inner)
    return Rest()


# ----------------------------------------------------------------- geometry
def two_link_ik(shoulder: np.ndarray, goal: np.ndarray, l1: float, l2: float,
                prefer: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Elbow and end point of a 2-link arm reaching for `goal` (pixels).

    An unreachable goal gives the straight arm pointing at it; of the two
    elbow solutions, the one on the side of `prefer` (a direction) wins.
    """
    d = goal - shoulder
    dist = float(np.hypot(d[0], d[1]))
    if dist < 1e-9:
        d, dist = np.array([0.0, 1.0]), 1e-9
    u = d / dist
    dist = min(max(dist, abs(l1 - l2) + 1e-6), l1 + l2 - 1e-6)
    a = (l1 * l1 - l2 * l2 + dist * dist) / (2.0 * dist)
    h = math.sqrt(max(l1 * l1 - a * a, 0.0))
    perp = np.array([-u[1], u[0]])
    if float(np.dot(perp, prefer)) < 0:
        perp = -perp
    elbow = shoulder + a * u + h * perp
    return elbow, shoulder + dist * u


@dataclass(slots=True)
class _Arm:
    side: Side
    upper_bu: float
    fore_bu: float  # elbow -> hand centre, through the wrist
    rest: tuple[float, float]
    plan: MinJerk
    goal: Goal = field(default_factory=Rest)
    elbow_pref: np.ndarray = field(default_factory=lambda: np.zeros(2))
    fwd: MinJerk = field(default_factory=lambda: MinJerk(0.0, 1.0, (0.0,), (0.0,)))  # forward reach

    @property
    def reach_bu(self) -> float:
        return self.upper_bu + self.fore_bu


# -------------------------------------------------------------- the patient
class VirtualPatient:
    """A seeded, deterministic player made of a real recording and two IK arms.

    Args:
        base: the recorded body (frames without a pose are skipped).
        seed: every random choice (reaction times, scatter, leans) comes from it.
        fps: the frame rate `frames()` yields at (15-60).
        reaction_time_s: (mean, sd) of the delay between seeing a goal and moving.
        movement_time_per_unit_s: movement duration per body unit of distance.
        noise: endpoint scatter, SD in body units.
        jitter: per-frame hand jitter, SD in body units.
        curvature: SD of the sideways bow of each reach (fraction of its length).
        rest_delay_s: how long the hand stays where it is before going back to
            rest when no goal is shown (short gaps between targets: it waits).
        compensation_probability: chance of leaning toward a far target.
        skill: (0, 1]; see the module docstring.
        reference: the calibrated body reference goals are expressed in.
        hand_model: 21 hand landmarks per frame; None: no hand landmarks.
    """

    def __init__(self, base: Sequence[BodyFrame], seed: int, *, fps: float = 30.0,
                 reaction_time_s: tuple[float, float] = (0.35, 0.07),
                 movement_time_per_unit_s: float = 0.8,
                 noise: float = 0.03, jitter: float = 0.004, curvature: float = 0.05,
                 rest_delay_s: float = 1.5,
                 compensation_probability: float = 0.15, lean_bu: float = 0.3, far_fraction: float = 0.5,
                 skill: float = 1.0, reference: BodyReference | None = None,
                 hand_model: HandModel | None = None) -> None:
        frames = [f for f in base if f.pose is not None]
        if not frames:
            raise ValueError("the virtual patient's base recording has no frame with a body in it")
        if not 15.0 <= fps <= 60.0:
            raise ValueError(f"virtual patient fps must be within 15-60, got {fps}")
        if not 0.0 < skill <= 1.0:
            raise ValueError(f"skill must be within (0, 1], got {skill}")
        if not 0.0 <= compensation_probability <= 1.0:
            raise ValueError(f"compensation_probability must be within 0-1, got {compensation_probability}")
        self.base = frames
        self.width, self.height = frames[0].width, frames[0].height
        self.fps = float(fps)
        self.reaction_time_s = reaction_time_s
        self.movement_time_per_unit_s = movement_time_per_unit_s
        self.noise = noise
        self.jitter = jitter
        self.curvature = curvature
        self.rest_delay_s = rest_delay_s
        self.compensation_probability = compensation_probability
        self.lean_bu = lean_bu
        self.far_fraction = far_fraction
        self.skill = skill
        self.hand_model = hand_model
        self._rng = np.random.default_rng(seed)
        self._poses = np.stack([np.asarray(f.pose, dtype=np.float64) for f in frames])
        worlds = [f.pose_world for f in frames]
        self._worlds = np.stack([np.asarray(w, dtype=np.float64) for w in worlds]) \
            if all(w is not None for w in worlds) else None
        t0 = frames[0].t
        self._times = np.array([f.t - t0 for f in frames])
        self.reference = reference if reference is not None else self._median_reference()
        sides: tuple[Side, ...] = ("left", "right")
        self._arms = {side: self._make_arm(side) for side in sides}
        self._lean = MinJerk(0.0, 1.0, (0.0, 0.0), (0.0, 0.0))
        self._t = 0.0
        self._index = 0
        self._next_due: float | None = None
        self.base_source = "given"  # or the bundled recording / "synthetic" (see `for_demo`)
        self.leans = 0  # how many times it leaned (for tests and benchmarks)
        self.planned: list[tuple[Side, Goal, MinJerk]] = []  # every movement: the ground truth for metrics
        self.movements = 0

    @classmethod
    def for_demo(cls, seed: int, **kwargs: Any) -> VirtualPatient:
        """Over the bundled seated recording (`vision.replay.load_demo_recording`);
        on an installation without it, over `synthetic_seated_body()`.
        `base_source` says which was used."""
        from vision.replay import ReplayError, demo_recording_path, load_demo_recording

        try:
            frames = list(load_demo_recording())
            source = str(demo_recording_path())
        except (ReplayError, ModuleNotFoundError, FileNotFoundError):  # asset not installed
            frames, source = synthetic_seated_body(seconds=6.0), "synthetic"
        vp = cls(frames, seed, **kwargs)
        vp.base_source = source
        return vp

    # ---------------------------------------------------------------- set-up
    def _median_reference(self) -> BodyReference:
        refs = [reference_from_pose(p, self.width, self.height) for p in self._poses]
        ox = float(np.median([r.origin_px[0] for r in refs]))
        oy = float(np.median([r.origin_px[1] for r in refs]))
        unit = float(np.median([r.unit_px for r in refs]))
        return BodyReference((ox, oy), unit, self.width, self.height)

    def _segment_bu(self, a: int, b: int, default: float) -> float:
        px = self._poses[:, :, :2] * np.array([self.width, self.height])
        seg = np.hypot(*(px[:, a] - px[:, b]).T)
        sw = np.hypot(*(px[:, LEFT_SHOULDER] - px[:, RIGHT_SHOULDER]).T)
        vis = np.minimum(self._poses[:, a, 3], self._poses[:, b, 3])
        ok = (vis > 0.5) & (sw > 0)
        if not np.any(ok):
            return default
        ratio = float(np.percentile(seg[ok] / sw[ok], 90))
        return ratio if 0.4 <= ratio <= 1.6 else default

    def _make_arm(self, side: Side) -> _Arm:
        s, e, w = _ARM[side][:3]
        upper = self._segment_bu(s, e, DEFAULT_UPPER_ARM_BU)
        fore = self._segment_bu(e, w, DEFAULT_FOREARM_BU) + HAND_CENTRE_BU
        sx = 0.5 if side == "right" else -0.5
        out = 0.15 if side == "right" else -0.15
        rest = (sx + out, -0.8 * (upper + fore))  # hand on the lap, elbow bent a little
        # Elbows point down and outward (image: +y down; the right arm is on image left).
        pref = np.array([-0.3 if side == "right" else 0.3, 1.0])
        return _Arm(side, upper, fore, rest, MinJerk(0.0, 1.0, rest, rest), Rest(), pref)

    # ----------------------------------------------------------------- goals
    def arm_reach_bu(self, side: Side) -> float:
        """Shoulder to hand centre with the arm straight, body units."""
        return self._arms[side].reach_bu

    def envelope(self, fraction: float = 1.0) -> dict[str, dict[str, float]]:
        """The reach envelope a calibration of this patient would find (all directions)."""
        return {side: {d: fraction * self.skill * arm.reach_bu for d in DIRECTIONS}
                for side, arm in self._arms.items()}

    def look(self, goal: Goal, t: float | None = None) -> None:
        """See `goal` at time `t` (default: the last frame's time) and start acting on it."""
        t = self._t if t is None else t
        if isinstance(goal, Rest):
            for arm in self._arms.values():
                if not isinstance(arm.goal, Rest):
                    self._move(arm, Rest(), arm.rest, t)
            self._lean_to((0.0, 0.0), t, self._lean.duration)
            return
        if not isinstance(goal, (ReachGoal, HandGoal)):
            raise TypeError(f"unknown goal {goal!r}")
        if isinstance(goal, ReachGoal) and goal.sit_up and self._lean.end != (0.0, 0.0):
            self._sit_up(t)
        arm = self._arms[goal.side]
        x, y = self._goal_point(goal)
        if type(arm.goal) is type(goal) and getattr(arm.goal, "kind", None) == getattr(goal, "kind", None):
            gx, gy = self._goal_point(arm.goal)  # type: ignore[arg-type]
            if math.hypot(gx - x, gy - y) < SAME_GOAL_BU:
                arm.goal = goal
                return
        other = self._arms["left" if goal.side == "right" else "right"]
        if not isinstance(other.goal, Rest):
            self._move(other, Rest(), other.rest, t)
        plan = self._move(arm, goal, (x, y), t)
        sx = 0.5 if goal.side == "right" else -0.5
        far = math.hypot(x - sx, y) > self.far_fraction * self.skill * arm.reach_bu
        lean_roll = self._rng.random()
        if isinstance(goal, ReachGoal) and far and lean_roll < self.compensation_probability:
            n = math.hypot(x, y) or 1.0
            self.leans += 1
            self._lean_to((self.lean_bu * x / n, self.lean_bu * y / n), plan.t0, plan.duration)
        else:
            self._lean_to((0.0, 0.0), plan.t0, plan.duration)

    def _sit_up(self, t: float) -> None:
        """Heard the cue: after a reaction time, bring the trunk back upright."""
        mean, sd = self.reaction_time_s
        rt = float(np.clip(self._rng.normal(mean, sd), 0.1, mean + 4 * sd))
        self._lean_to((0.0, 0.0), t + rt, 2.0 * MIN_MOVEMENT_S)

    def _goal_point(self, goal: ReachGoal | HandGoal) -> tuple[float, float]:
        if isinstance(goal, HandGoal) and (goal.x is None or goal.y is None):
            sx = 0.5 if goal.side == "right" else -0.5
            return (sx if goal.x is None else goal.x, -0.5 if goal.y is None else goal.y)
        return (float(goal.x), float(goal.y))  # type: ignore[arg-type]

    def _move(self, arm: _Arm, goal: Goal, end: tuple[float, float], t: float) -> MinJerk:
        mean, sd = self.reaction_time_s
        rt = float(np.clip(self._rng.normal(mean, sd), 0.1, mean + 4 * sd))
        scatter = self._rng.normal(0.0, self.noise, 2) if self.noise > 0 else np.zeros(2)
        t0 = t + rt
        if isinstance(goal, Rest):
            scatter = np.zeros(2)
            t0 = t + max(rt, self.rest_delay_s)  # the arm stays up a while in case another target comes
        start = arm.plan.position(t0)
        endp = (end[0] + float(scatter[0]), end[1] + float(scatter[1]))
        dist = math.hypot(endp[0] - start[0], endp[1] - start[1])
        duration = max(MIN_MOVEMENT_S, self.movement_time_per_unit_s * dist) / self.skill
        bow = float(self._rng.normal(0.0, self.curvature)) if self.curvature > 0 and not isinstance(goal, Rest) else 0.0
        arm.plan = MinJerk(t0, duration, start, endp, bow)
        depth = min(goal.forward, self.skill * arm.reach_bu) if isinstance(goal, ReachGoal) else 0.0
        arm.fwd = MinJerk(t0, duration, (arm.fwd.position(t0)[0],), (max(0.0, depth),))
        arm.goal = goal
        self.movements += 1
        self.planned.append((arm.side, goal, arm.plan))
        return arm.plan

    def _lean_to(self, offset: tuple[float, float], t0: float, duration: float) -> None:
        now = self._lean.position(t0)
        if math.hypot(now[0] - offset[0], now[1] - offset[1]) < 1e-9 and self._lean.end == offset:
            return
        self._lean = MinJerk(t0, max(duration, MIN_MOVEMENT_S), now, offset)

    @property
    def t(self) -> float:
        """Session time of the last frame made (where `look` defaults to)."""
        return self._t

    def hand_target(self, side: Side, t: float) -> tuple[float, float]:
        """Where the hand centre is planned to be at `t` (body units, no jitter)."""
        return self._arms[side].plan.position(t)  # type: ignore[return-value]

    def lean_at(self, t: float) -> tuple[float, float]:
        return self._lean.position(t)  # type: ignore[return-value]

    # ---------------------------------------------------------------- frames
    def _base_pose(self, t: float) -> tuple[np.ndarray, np.ndarray | None]:
        span = float(self._times[-1])
        if span <= 0 or len(self._times) == 1:
            return self._poses[0].copy(), None if self._worlds is None else self._worlds[0].copy()
        phase = t % (2.0 * span)
        if phase > span:
            phase = 2.0 * span - phase  # ping-pong: the body never jumps
        k = int(np.clip(np.searchsorted(self._times, phase, side="right") - 1, 0, len(self._times) - 2))
        t_a, t_b = self._times[k], self._times[k + 1]
        w = 0.0 if t_b <= t_a else (phase - t_a) / (t_b - t_a)
        pose = (1 - w) * self._poses[k] + w * self._poses[k + 1]
        world = None if self._worlds is None else (1 - w) * self._worlds[k] + w * self._worlds[k + 1]
        return pose, world

    def frame(self, t: float) -> BodyFrame:
        """The tracked frame a camera would give at session time `t` seconds."""
        self._t = t
        size = np.array([self.width, self.height], dtype=np.float64)
        pose, world = self._base_pose(t)
        unit = self.reference.unit_px
        m_per_px = None
        sw_m = None
        if world is not None:
            sw_m = shoulder_width_m(world)
            sw_px = float(np.hypot(*((pose[LEFT_SHOULDER, :2] - pose[RIGHT_SHOULDER, :2]) * size)))
            m_per_px = sw_m / sw_px if sw_m and sw_px > 0 else None
        lx, ly = self._lean.position(t)
        shift_px = np.array([-lx * unit, -ly * unit])
        pose[UPPER_BODY, 0] += shift_px[0] / self.width
        pose[UPPER_BODY, 1] += shift_px[1] / self.height
        if world is not None and m_per_px is not None:
            world[UPPER_BODY, 0] += shift_px[0] * m_per_px
            world[UPPER_BODY, 1] += shift_px[1] * m_per_px
        hands: list[Hand] = []
        for side, arm in self._arms.items():
            s_i, e_i, w_i, idx_i, pk_i, th_i = _ARM[side]
            hx, hy = arm.plan.position(t)
            if self.jitter > 0:
                j = self._rng.normal(0.0, self.jitter, 2)
                hx, hy = hx + float(j[0]), hy + float(j[1])
            goal_px = np.array(to_image(self.reference, hx, hy)) * size
            shoulder_px = pose[s_i, :2] * size
            l1 = arm.upper_bu * unit
            l2 = arm.fore_bu * unit
            max_reach = self.skill * (l1 + l2)
            d = goal_px - shoulder_px
            dist = float(np.hypot(*d))
            if dist > max_reach:
                goal_px = shoulder_px + d / dist * max_reach
            elbow, centre = two_link_ik(shoulder_px, goal_px, l1, l2, arm.elbow_pref)
            fwd = centre - elbow
            fwd /= float(np.hypot(*fwd)) or 1.0
            across = np.array([-fwd[1], fwd[0]])
            wrist = centre - HAND_CENTRE_BU * unit * fwd
            tip = wrist + HAND_REACH_BU * unit * fwd
            index_px = tip + HAND_SPREAD_BU * unit * across * (1 if side == "right" else -1)
            pinky_px = tip - HAND_SPREAD_BU * unit * across * (1 if side == "right" else -1)
            thumb_px = wrist + 0.5 * HAND_REACH_BU * unit * fwd + 1.5 * HAND_SPREAD_BU * unit * across * (
                1 if side == "right" else -1)
            ahead = arm.fwd.position(t)[0] * (sw_m or 0.0)  # forward reach, metres (-z)
            for i, p in ((e_i, elbow), (w_i, wrist), (idx_i, index_px), (pk_i, pinky_px), (th_i, thumb_px)):
                pose[i, 0:2] = p / size
                pose[i, 3] = ARM_VISIBILITY
                if world is not None and m_per_px is not None:
                    world[i, 0:2] = world[s_i, 0:2] + (p - shoulder_px) * m_per_px
                    world[i, 2] = world[s_i, 2] - (0.5 * ahead if i == e_i else ahead)
            if self.hand_model is not None:
                ctx = HandContext(t, arm.goal, side, (float(wrist[0]), float(wrist[1])),
                                  (float(fwd[0]), float(fwd[1])), unit, self.width, self.height)
                lm = np.asarray(self.hand_model(ctx), dtype=np.float32)
                if lm.shape != (21, 3):
                    raise ValueError(f"hand model returned shape {lm.shape}, expected (21, 3)")
                hands.append(Hand(lm, "Right" if side == "right" else "Left", 0.95))
        t_ns = round(t * 1e9)
        out = BodyFrame(
            index=self._index, t_ns=t_ns, width=self.width, height=self.height,
            pose=pose.astype(np.float32), pose_world=None if world is None else world.astype(np.float32),
            hands=tuple(hands), hands_tracked=self.hand_model is not None, t_inferred_ns=t_ns,
        )
        self._index += 1
        return out

    def poll_frame(self, t: float, watching: object = None) -> BodyFrame | None:
        """A camera's behaviour for a game loop: a new frame when one is due at `fps`.

        `watching` is what the patient looks at (an exercise, a calibration
        procedure, a scene holding one; see `goal_for`). Returns None between
        frames, like a camera mailbox with nothing new.
        """
        if self._next_due is not None and t < self._next_due - 1e-9:
            return None
        self._next_due = (t if self._next_due is None else max(self._next_due, t - 1.0 / self.fps)) + 1.0 / self.fps
        self.look(goal_for(watching), t)
        return self.frame(t)

    def frames(self, t0: float, t1: float, goal_fn: Callable[[float], Goal] | None = None) -> Iterator[BodyFrame]:
        """Frames at `fps` from t0 (inclusive) to t1 (exclusive); `goal_fn(t)` is looked at first."""
        n = math.floor((t1 - t0) * self.fps + 1e-9)
        for k in range(n):
            t = t0 + k / self.fps
            if goal_fn is not None:
                self.look(goal_fn(t), t)
            yield self.frame(t)


# ------------------------------------------------- headless driving helpers
class Procedure(Protocol):
    """What `calibrate` drives: vision's CalibrationProcedure, or anything like it."""

    @property
    def done(self) -> bool: ...

    def step(self, frame: BodyFrame) -> object: ...


class Runner(Protocol):
    """What `play` drives: exercises.session.SessionRunner, or anything like it."""

    @property
    def done(self) -> bool: ...

    @property
    def exercise(self) -> object: ...

    def step(self, intents: Intents, dt: float) -> list[Event]: ...


def calibrate(patient: VirtualPatient, procedure: Procedure, *, t0: float = 0.0, dt: float = 1.0 / 60.0,
              max_s: float = 300.0) -> float:
    """Let the patient go through a calibration procedure (vision's
    CalibrationProcedure or anything with `step(frame)`, `done`, `phase`).
    Returns the session time when it finished; take `procedure.result()`."""
    t = t0
    while not procedure.done:
        if t - t0 > max_s:
            raise RuntimeError(f"calibration did not finish within {max_s} s")
        frame = patient.poll_frame(t, procedure)
        if frame is not None:
            procedure.step(frame)
        t += dt
    return t


def play(runner: Runner, patient: VirtualPatient, build: Callable[[BodyFrame], Intents], *,
         t0: float = 0.0, dt: float = 1.0 / 60.0, max_s: float = 3600.0) -> list[Event]:
    """Play a session headless: the patient's frames at its fps, `build` (e.g.
    `IntentsBuilder(calibration).build`) turning them into Intents, the runner
    stepped at the fixed `dt` with the newest. Returns every event."""
    events: list[Event] = []
    intents = None
    t = t0
    while not runner.done and t - t0 < max_s:
        t += dt
        frame = patient.poll_frame(t, runner.exercise if getattr(runner, "state", "") != "resting" else None)
        if frame is not None:
            intents = build(frame)
        if intents is not None:
            events += runner.step(intents, dt)
    return events


# ------------------------------------------------------ a synthetic base body
def synthetic_seated_body(seconds: float = 4.0, fps: float = 30.0, *, width: int = 640, height: int = 480,
                          shoulder_width: float = 0.2, sway: float = 0.002, t0: float = 0.0) -> list[BodyFrame]:
    """A frontal seated body with slow breathing sway: a base when no recording is at hand.

    The real demo body is `vision.replay.load_demo_recording()`; this one is
    for tests and for a machine without the bundled asset.
    """
    cx, sy = 0.5, 0.45
    sw = shoulder_width  # normalized x units
    ar = width / height
    h = sw * ar  # one shoulder width in normalized y units
    base = np.zeros((33, 4))
    base[:, 3] = 0.9
    pts = {
        0: (cx, sy - 0.75 * h), 1: (cx - 0.03, sy - 0.82 * h), 2: (cx - 0.04, sy - 0.82 * h),
        3: (cx - 0.05, sy - 0.82 * h), 4: (cx + 0.03, sy - 0.82 * h), 5: (cx + 0.04, sy - 0.82 * h),
        6: (cx + 0.05, sy - 0.82 * h), 7: (cx - 0.08, sy - 0.78 * h), 8: (cx + 0.08, sy - 0.78 * h),
        9: (cx - 0.02, sy - 0.62 * h), 10: (cx + 0.02, sy - 0.62 * h),
        LEFT_SHOULDER: (cx + sw / 2, sy), RIGHT_SHOULDER: (cx - sw / 2, sy),
        LEFT_ELBOW: (cx + sw / 2 + 0.02, sy + 0.8 * h), RIGHT_ELBOW: (cx - sw / 2 - 0.02, sy + 0.8 * h),
        LEFT_WRIST: (cx + sw / 2 - 0.02, sy + 1.45 * h), RIGHT_WRIST: (cx - sw / 2 + 0.02, sy + 1.45 * h),
        23: (cx + 0.35 * sw, sy + 1.9 * h), 24: (cx - 0.35 * sw, sy + 1.9 * h),
    }
    for i in (17, 19, 21):
        pts[i] = (pts[LEFT_WRIST][0], pts[LEFT_WRIST][1] + 0.2 * h)
    for i in (18, 20, 22):
        pts[i] = (pts[RIGHT_WRIST][0], pts[RIGHT_WRIST][1] + 0.2 * h)
    for i in range(25, 33):
        pts[i] = (cx + (0.3 if i % 2 else -0.3) * sw, sy + 2.8 * h)
        base[i, 3] = 0.2
    for i, (x, y) in pts.items():
        base[i, 0:2] = (x, y)
    # World landmarks: metres, hip-centred, y down; 0.38 m shoulders.
    m = 0.38 / (sw * width)
    hip_px = np.array([cx * width, (sy + 1.9 * h) * height])
    world = np.zeros((33, 3))
    world[:, 0:2] = (base[:, 0:2] * np.array([width, height]) - hip_px) * m
    out = []
    n = max(1, round(seconds * fps))
    for k in range(n):
        t = k / fps
        pose = base.copy()
        pose[:23, 1] += sway * math.sin(2 * math.pi * 0.25 * t)  # breathing
        pose[:23, 0] += 0.5 * sway * math.sin(2 * math.pi * 0.1 * t)
        w = world.copy()
        w[:23, 0:2] += (pose[:23, 0:2] - base[:23, 0:2]) * np.array([width, height]) * m
        t_ns = round((t0 + t) * 1e9)
        out.append(BodyFrame(index=k, t_ns=t_ns, width=width, height=height,
                             pose=pose.astype(np.float32), pose_world=w.astype(np.float32)))
    return out

