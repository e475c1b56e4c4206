"""The reaching game's rules: targets in the patient's own reach envelope.

Role: pure logic (no pygame, no clock, no disk). The game steps it with the
newest `Intents` at a constant `dt` and draws its public state; telemetry
stores the events it returns. Every difficulty value comes from the frozen
`ReachingDose` (and `SessionDose` for seated mode and pace); the only
in-session change is `set_difficulty`, called by the progression
engineer's staircase, which applies to the NEXT target.

Rules (see docs/exercises.md for the rationale):
  * A target for `direction` on `side` sits at
    shoulder(side) + reach_fraction * envelope[side][direction] * direction_vector,
    with the shoulders at (+-0.5, 0) body units (docs/CONTRACTS.md). Directions
    come from a shuffle bag drawn from the seeded numpy Generator passed in,
    so a seed gives the same session. Seated sessions only use
    `SEATED_DIRECTIONS`. `side="both"` alternates right, left, right...
  * The hand touches a target when the hand circle (HAND_RADIUS) overlaps it
    (for "knock", overlaps the target's home: the body itself wobbles away).
    Holding for `hold_s` is a hit; leaving the target resets the hold. A
    target not completed within `target_timeout_s` is a timeout and a miss.
  * Trunk compensation: shoulder-midpoint displacement above the calibrated
    baseline + 2 SD (at least 5 cm, converted with the calibrated shoulder
    width) or trunk lean beyond 2 SD of the calibrated lean (the intents are
    already relative to its mean; at least LEAN_FLOOR_DEG)
    freezes the hold and emits COMPENSATION with a cue, once per episode.
  * Movement onset: the first new hand sample after the target appears whose
    velocity TOWARD the target, over the last ONSET_WINDOW_S, exceeds
    `onset_speed` (so a hand still returning from the last target is not a
    start; a live estimate: telemetry recomputes onsets from the stored path).
  * Pace: `SessionDose.pace` divides `target_timeout_s` and `inter_target_s`
    (pace 0.5 = twice as long to reach and twice as long between targets);
    hold time and target placement are untouched. This is the one place pace
    reaches the reaching game.

Time: event timestamps are `Intents.t` (the session clock, capture time);
durations (hold, timeout, pauses) accumulate the `dt` of the steps actually
taken, so a game that is not stepped (paused, resting) loses no time.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pymunk

from exercises import world
from exercises.base import CalibrationInput
from exercises.doses import ReachingDose, SessionDose
from exercises.events import (
    COMPENSATION,
    HOLD_COMPLETE,
    MISS,
    MOVEMENT_ONSET,
    REACH_COMPENSATION_END,
    REACH_HOLD_BROKEN,
    REPETITION,
    TARGET_SHOWN,
    TIMEOUT,
    TOUCH,
    Event,
)
from exercises.scenes.layout import clear_of_face
from vision.directions import DIRECTIONS, SEATED_DIRECTIONS, direction_vector
from vision.intents import Intents

Side = Literal["left", "right"]
TargetState = Literal["waiting", "holding", "popped", "missed"]

# Reaching-specific event kinds.

COMPENSATION_CUE = "Keep your back against the chair"
SHOULDER_X = 0.5  # each shoulder sits at (+-0.5, 0) body units
DEFAULT_REACH = 1.5  # body units; used only when no calibration is given (keyboard play)
DEFAULT_SHOULDER_WIDTH_M = 0.38
COMPENSATION_FLOOR_M = 0.05  # CLINICAL.md: baseline + 2 SD, floor about 5 cm
LEAN_FLOOR_DEG = 8.0  # CLINICAL.md: lean beyond 5-10 degrees
COMPENSATION_EXIT = 0.8  # hysteresis: leave the episode below 80 % of the threshold
ONSET_SPEED = 0.4  # body units / s (about 15 cm/s): movement onset after a target appears
ONSET_WINDOW_S = 0.1  # speed for onset is measured over this window, so tracking jitter is not a start
PATH_MAX_HZ = 60.0  # per-trial path samples are decimated to at most this rate
LINGER_S = 0.5  # a popped or missed target stays drawable this long
POINTS_PER_HIT = 100


@dataclass(frozen=True, slots=True)
class ReachSetup:
    """What reaching needs from a calibration, in body units and degrees."""

    envelope: Mapping[str, Mapping[str, float]]  # side -> direction -> reach (body units)
    trunk_mean: float = 0.0  # shoulder-midpoint displacement at rest, body units
    trunk_sd: float = 0.0
    lean_mean_deg: float = 0.0  # kept for the record; the builder subtracts it already
    lean_sd_deg: float = 0.0
    shoulder_width_m: float = DEFAULT_SHOULDER_WIDTH_M

    def reach(self, side: str, direction: str) -> float:
        try:
            return float(self.envelope[side][direction])
        except KeyError:
            raise ValueError(f"calibration has no reach for the {side} arm, direction {direction!r}") from None

    @property
    def trunk_threshold(self) -> float:
        floor = COMPENSATION_FLOOR_M / (self.shoulder_width_m or DEFAULT_SHOULDER_WIDTH_M)
        return max(self.trunk_mean + 2.0 * self.trunk_sd, floor)

    @property
    def lean_threshold_deg(self) -> float:
        """`Intents.trunk_lean_deg` is already relative to the neutral mean: 2 SD, floored."""
        return max(2.0 * self.lean_sd_deg, LEAN_FLOOR_DEG)


def default_envelope(reach: float = DEFAULT_REACH) -> dict[str, dict[str, float]]:
    return {side: {d: reach for d in DIRECTIONS} for side in ("left", "right")}


def _get(obj: Any, *names: str, default: Any = None) -> Any:
    for name in names:
        if isinstance(obj, Mapping) and name in obj:
            return obj[name]
        if not isinstance(obj, Mapping) and hasattr(obj, name):
            value = getattr(obj, name)
            return value() if callable(value) else value
    return default


def reach_setup(calibration: CalibrationInput) -> ReachSetup:
    """Read a `vision.calibration.Calibration`, a stored calibration mapping,
    or a plain `{side: {direction: reach}}` envelope. None gives a default
    envelope (keyboard/mouse play with no camera)."""
    if calibration is None:
        return ReachSetup(default_envelope())
    if isinstance(calibration, ReachSetup):
        return calibration
    if isinstance(calibration, Mapping) and ("left" in calibration or "right" in calibration):
        return ReachSetup(_complete(calibration))
    envelope = _get(calibration, "envelope", "reach_envelope")
    if envelope is None:
        raise ValueError("calibration has no reach envelope")
    width_m = _get(calibration, "shoulder_width_m", default=None)
    return ReachSetup(
        envelope=_complete(envelope),
        trunk_mean=float(_get(calibration, "trunk_mean", "trunk_baseline", "trunk_mean_bu", default=0.0) or 0.0),
        trunk_sd=float(_get(calibration, "trunk_sd", "trunk_sd_bu", default=0.0) or 0.0),
        lean_mean_deg=float(_get(calibration, "lean_mean_deg", "trunk_lean_mean_deg", default=0.0) or 0.0),
        lean_sd_deg=float(_get(calibration, "lean_sd_deg", "trunk_lean_sd_deg", default=0.0) or 0.0),
        shoulder_width_m=float(width_m) if width_m else DEFAULT_SHOULDER_WIDTH_M,
    )


def _complete(envelope: Mapping[str, Any]) -> dict[str, dict[str, float]]:
    """Copy an envelope; a side calibrated alone serves for the other (mirrored names)."""
    out: dict[str, dict[str, float]] = {}
    for side in ("left", "right"):
        src = envelope.get(side) or envelope.get("left" if side == "right" else "right")
        if src is None:
            continue
        out[side] = {str(k): float(v) for k, v in dict(src).items()}
    return out


def target_position(setup: ReachSetup, side: str, direction: str, reach_fraction: float) -> tuple[float, float]:
    """The CONTRACTS.md target formula, in body units."""
    vx, vy = direction_vector(direction, side)  # type: ignore[arg-type]
    r = reach_fraction * setup.reach(side, direction)
    sx = SHOULDER_X if side == "right" else -SHOULDER_X
    return (sx + r * vx, r * vy)


@dataclass(frozen=True, slots=True)
class TargetView:
    """A target as the game draws it."""

    index: int
    side: Side
    direction: str
    x: float
    y: float
    radius: float
    state: TargetState
    hold_progress: float  # 0..1
    depth: float | None = None  # forward reaching: body units in front, beyond rest (else None)


@dataclass(slots=True)
class _Trial:
    index: int
    side: Side
    direction: str
    home: tuple[float, float]
    radius: float
    reach_fraction: float
    body: world.TargetBody
    shown_t: float
    age_s: float = 0.0
    onset_t: float | None = None
    touch_t: float | None = None
    touching: bool = False
    hold_done_s: float = 0.0
    compensations: int = 0
    state: TargetState = "waiting"
    end_t: float | None = None
    linger_s: float = 0.0
    path: list[list[float]] = field(default_factory=list)
    trunk: list[list[float]] = field(default_factory=list)

    movement_time_s: float | None = None  # telemetry.metrics.movement_time_s, set at the end

    @property
    def time_to_touch_s(self) -> float | None:
        """Live onset (the game's speed rule) to first touch: what the game sees while
        playing; NOT the movement time (docs/telemetry.md "Movement time")."""
        if self.onset_t is None or self.touch_t is None or self.touch_t < self.onset_t:
            return None
        return self.touch_t - self.onset_t


def _movement_time(trial: _Trial) -> float | None:
    """The one movement time (telemetry.metrics.movement_time_s: 2 % of peak speed,
    onset to offset) of a trial's hand path; the report and exports derive the same
    number from the same path."""
    from telemetry.metrics import movement_time_s

    if len(trial.path) < 4:
        return None
    p = np.asarray(trial.path, dtype=float)
    return movement_time_s(p[:, 0], p[:, 1:3], np.asarray(trial.home, dtype=float), trial.shown_t)


@dataclass(slots=True)
class _HandTrack:
    body: world.HandBody
    pos: tuple[float, float] | None = None
    sample_t: float | None = None
    speed: float = 0.0  # over the last ONSET_WINDOW_S, body units / s
    velocity: tuple[float, float] = (0.0, 0.0)  # the same window, as a vector
    recent: deque[tuple[float, float, float]] = field(default_factory=deque)  # (t, x, y) samples

    def forget(self) -> None:
        self.pos = None
        self.sample_t = None
        self.speed = 0.0
        self.velocity = (0.0, 0.0)
        self.recent.clear()

    def add_sample(self, t: float, x: float, y: float) -> None:
        self.recent.append((t, x, y))
        while len(self.recent) > 2 and self.recent[1][0] <= t - ONSET_WINDOW_S + 1e-9:
            self.recent.popleft()
        t0, x0, y0 = self.recent[0]
        span = t - t0
        self.velocity = ((x - x0) / span, (y - y0) / span) if span > 0 else (0.0, 0.0)
        self.speed = math.hypot(*self.velocity)
        self.sample_t = t

    def speed_toward(self, gx: float, gy: float) -> float:
        """Windowed velocity component toward (gx, gy), body units / s."""
        if self.pos is None:
            return 0.0
        dx, dy = gx - self.pos[0], gy - self.pos[1]
        n = math.hypot(dx, dy)
        if n < 1e-9:
            return 0.0
        return (self.velocity[0] * dx + self.velocity[1] * dy) / n


class ReachingExercise:
    """Reach, touch and hold targets placed in the calibrated envelope."""

    name = "reaching"

    def __init__(self, dose: ReachingDose, calibration: CalibrationInput, rng: np.random.Generator, *,
                 session_dose: SessionDose | None = None, onset_speed: float = ONSET_SPEED) -> None:
        session_dose = session_dose if session_dose is not None else SessionDose()
        if session_dose.pace <= 0:
            raise ValueError(f"session pace must be > 0, got {session_dose.pace}")
        if dose.repetitions < 1:
            raise ValueError(f"reaching repetitions must be >= 1, got {dose.repetitions}")
        for key in ("reach_fraction", "target_radius", "target_timeout_s"):
            if not getattr(dose, key) > 0:
                raise ValueError(f"reaching {key} must be > 0, got {getattr(dose, key)}")
        for key in ("hold_s", "inter_target_s"):
            if not getattr(dose, key) >= 0:
                raise ValueError(f"reaching {key} must be >= 0, got {getattr(dose, key)}")
        if dose.variant not in ("pop", "knock", "carry"):
            raise ValueError(f"unknown reaching variant {dose.variant!r}; expected pop, knock or carry")
        for d in dose.directions:
            direction_vector(d, "right")  # names an unknown direction
        allowed = tuple(d for d in dose.directions if d in SEATED_DIRECTIONS) if session_dose.seated \
            else tuple(dose.directions)
        if not allowed:
            raise ValueError(f"no reaching direction left for a seated session in {list(dose.directions)}; "
                             f"seated directions are {', '.join(SEATED_DIRECTIONS)}")
        self.dose = dose
        self.session_dose = session_dose
        self.setup = reach_setup(calibration)
        self.directions: tuple[str, ...] = allowed
        self.sides: tuple[Side, ...] = ("right", "left") if dose.side == "both" else (dose.side,)
        for side in self.sides:
            for d in allowed:
                self.setup.reach(side, d)  # fail now, not mid-session
        self.hold_s = float(dose.hold_s)
        self.timeout_s = dose.target_timeout_s / session_dose.pace
        self.inter_target_s = dose.inter_target_s / session_dose.pace
        self.reach_fraction = float(dose.reach_fraction)
        self.target_radius = float(dose.target_radius)
        self.onset_speed = onset_speed
        self._rng = rng
        self._bag: list[str] = []
        self.space: pymunk.Space = world.make_space()
        self._hands: dict[Side, _HandTrack] = {
            side: _HandTrack(world.add_hand(self.space, -9.0 if side == "left" else 9.0, -9.0))
            for side in ("left", "right")
        }
        self._trial: _Trial | None = None
        self._lingering: list[_Trial] = []
        self._gap_left = self.inter_target_s
        self._results: list[_Trial] = []
        self.t = 0.0  # newest Intents.t seen
        self.score = 0
        self.compensating = False
        self.compensations = 0
        self.cue: str | None = None

    # ------------------------------------------------------------------ state
    @property
    def done(self) -> bool:
        return len(self._results) >= self.dose.repetitions

    @property
    def targets(self) -> tuple[TargetView, ...]:
        trials = [*self._lingering, *([self._trial] if self._trial is not None else [])]
        return tuple(self._view(tr) for tr in trials)

    @property
    def hands(self) -> dict[Side, tuple[float, float] | None]:
        return {side: track.pos for side, track in self._hands.items()}

    @property
    def active_side(self) -> Side:
        """The arm the current (or next) target is for."""
        if self._trial is not None:
            return self._trial.side
        return self.sides[len(self._results) % len(self.sides)]

    @property
    def hits(self) -> int:
        return sum(1 for tr in self._results if tr.state == "popped")

    @property
    def misses(self) -> int:
        return sum(1 for tr in self._results if tr.state == "missed")

    def _view(self, tr: _Trial) -> TargetView:
        x, y = tr.body.position
        progress = 1.0 if tr.state == "popped" else min(1.0, tr.hold_done_s / self.hold_s) if self.hold_s > 0 else 0.0
        return TargetView(tr.index, tr.side, tr.direction, x, y, tr.radius, tr.state, progress)

    def set_difficulty(self, reach_fraction: float | None = None, target_radius: float | None = None) -> None:
        """Change the level for the NEXT target (the current one keeps its own)."""
        if reach_fraction is not None:
            self.reach_fraction = float(reach_fraction)
        if target_radius is not None:
            self.target_radius = float(target_radius)

    # ------------------------------------------------------------------- step
    def step(self, intents: Intents, dt: float) -> list[Event]:
        if dt <= 0:
            raise ValueError(f"dt must be > 0, got {dt}")
        if self.done:  # nothing more happens, but a knocked target finishes its flight
            self.space.step(dt)
            self._age_lingering(dt)
            return []
        events: list[Event] = []
        self.t = intents.t
        new_sample = self._track_hands(intents, dt)
        trial = self._trial
        if trial is not None and self.dose.variant == "carry":
            self._carry(trial, dt)
        self.space.step(dt)
        for track in self._hands.values():
            if track.pos is not None:
                p = track.body.body.position
                track.pos = (float(p.x), float(p.y))
        self._age_lingering(dt)
        if trial is None:
            self._gap_left -= dt
            if self._gap_left <= 1e-9 and self._ready_for_next(dt):
                events.append(self._spawn(intents.t))
            return events
        trial.age_s += dt
        self._record(trial, intents, new_sample)
        events.extend(self._check_compensation(trial, intents))
        events.extend(self._advance(trial, intents, dt, new_sample))
        return events

    def _ready_for_next(self, dt: float) -> bool:
        """Whether the next target may appear once the pause between targets is over (a
        mode that needs the hand back first says no; exercises/reaching_forward.py)."""
        return True

    def _track_hands(self, intents: Intents, dt: float) -> dict[Side, bool]:
        """Drive the kinematic hands; returns side -> whether a new sample arrived."""
        new: dict[Side, bool] = {}
        for side, track in self._hands.items():
            hand = intents.hand(side)
            new[side] = False
            if hand is None:
                track.body.hold_still()
                track.forget()
                continue
            if track.sample_t is not None and intents.t < track.sample_t:
                track.forget()  # the clock went backwards (a replay restarted): start the track afresh
            if track.pos is None:
                track.body.place(hand.x, hand.y)
            else:
                track.body.drive(hand.x, hand.y, dt)
            if track.sample_t is None or intents.t > track.sample_t:
                track.add_sample(intents.t, hand.x, hand.y)
                new[side] = True
            track.pos = (hand.x, hand.y)
        return new

    def _carry(self, trial: _Trial, dt: float) -> None:
        """A touched "carry" target travels with the hand."""
        hand = self._hands[trial.side].pos
        body = trial.body.body
        if trial.touching and hand is not None and trial.state == "holding":
            body.velocity = ((hand[0] - body.position.x) / dt, (hand[1] - body.position.y) / dt)
        else:
            body.velocity = (0.0, 0.0)

    def _spawn(self, t: float) -> Event:
        index = len(self._results)
        side = self.sides[index % len(self.sides)]
        if not self._bag:
            self._bag = [self.directions[i] for i in self._rng.permutation(len(self.directions))]
        direction = self._bag.pop(0)
        x, y = self._place(index, side, direction)
        body = world.add_target(self.space, x, y, self.target_radius, self.dose.variant)
        self._trial = _Trial(index, side, direction, (x, y), self.target_radius, self.reach_fraction, body, t)
        self.compensating = False
        self.cue = None
        hand = self._hands[side].pos
        self._record(self._trial, None, {side: hand is not None})
        return Event(t, TARGET_SHOWN, {
            "index": index, "side": side, "direction": direction, "x": x, "y": y,
            "radius": self.target_radius, "reach_fraction": self.reach_fraction,
            "hold_s": self.hold_s, "timeout_s": self.timeout_s, "variant": self.dose.variant,
        })

    def _place(self, index: int, side: Side, direction: str) -> tuple[float, float]:
        """Where trial `index`'s target goes (the forward mode overrides it): the formula,
        turned about the shoulder clear of the face (exercises/scenes/layout.py)."""
        x, y = target_position(self.setup, side, direction, self.reach_fraction)
        return clear_of_face(x, y, self.target_radius, side)

    def _touching(self, trial: _Trial, track: _HandTrack) -> bool:
        """The hand circle overlaps the target (the forward mode adds depth)."""
        if track.pos is None:
            return False
        # A knocked target wobbles on its tether: the hold is judged at its home,
        # so the same dose means the same task in every variant.
        tx, ty = trial.home if self.dose.variant == "knock" else trial.body.position
        return math.hypot(track.pos[0] - tx, track.pos[1] - ty) <= trial.radius + world.HAND_RADIUS

    def _record(self, trial: _Trial, intents: Intents | None, new_sample: Mapping[Side, bool]) -> None:
        track = self._hands[trial.side]
        if not new_sample.get(trial.side) or track.pos is None:
            return
        t = track.sample_t if track.sample_t is not None else trial.shown_t
        if trial.path and t < trial.path[-1][0] + 1.0 / PATH_MAX_HZ - 1e-6:
            return
        trial.path.append([t, track.pos[0], track.pos[1]])
        if intents is not None:
            trial.trunk.append([t, intents.trunk_dx, intents.trunk_dy, intents.trunk_lean_deg])

    def _check_compensation(self, trial: _Trial, intents: Intents) -> list[Event]:
        disp = math.hypot(intents.trunk_dx, intents.trunk_dy)
        lean = abs(intents.trunk_lean_deg)
        d_thr, l_thr = self.setup.trunk_threshold, self.setup.lean_threshold_deg
        if not self.compensating and (disp > d_thr or lean > l_thr):
            self.compensating = True
            self.cue = COMPENSATION_CUE
            trial.compensations += 1
            self.compensations += 1
            return [Event(intents.t, COMPENSATION, {
                "index": trial.index, "cue": COMPENSATION_CUE,
                "trunk_displacement": disp, "trunk_lean_deg": intents.trunk_lean_deg,
                "displacement_threshold": d_thr, "lean_threshold_deg": l_thr,
            })]
        if self.compensating and disp < COMPENSATION_EXIT * d_thr and lean < COMPENSATION_EXIT * l_thr:
            self.compensating = False
            self.cue = None
            return [Event(intents.t, REACH_COMPENSATION_END, {"index": trial.index})]
        return []

    def _advance(self, trial: _Trial, intents: Intents, dt: float, new_sample: Mapping[Side, bool]) -> list[Event]:
        events: list[Event] = []
        t = intents.t
        track = self._hands[trial.side]
        if trial.onset_t is None and trial.touch_t is None and new_sample.get(trial.side):
            toward = track.speed_toward(*trial.body.position)
            if toward > self.onset_speed:
                trial.onset_t = t
                events.append(Event(t, MOVEMENT_ONSET, {"index": trial.index, "speed": track.speed,
                                                        "speed_toward": toward}))
        touching = self._touching(trial, track)
        if touching and not trial.touching:
            if trial.touch_t is None:
                trial.touch_t = t
            trial.state = "holding"
            events.append(Event(t, TOUCH, {"index": trial.index}))
        elif not touching and trial.touching:
            if trial.hold_done_s > 0:
                events.append(Event(t, REACH_HOLD_BROKEN, {"index": trial.index, "held_s": trial.hold_done_s}))
            trial.hold_done_s = 0.0
            trial.state = "waiting"
        trial.touching = touching
        if touching and not self.compensating:
            trial.hold_done_s += dt
        if touching and trial.hold_done_s >= self.hold_s - 1e-9:
            events.extend(self._finish(trial, t, hit=True))
        elif trial.age_s >= self.timeout_s - 1e-9 and (not touching or trial.age_s >= self.timeout_s + self.hold_s):
            events.append(Event(t, TIMEOUT, {"index": trial.index, "timeout_s": self.timeout_s}))
            events.extend(self._finish(trial, t, hit=False))
        return events

    def _finish(self, trial: _Trial, t: float, *, hit: bool) -> list[Event]:
        trial.end_t = t
        trial.movement_time_s = _movement_time(trial)
        trial.state = "popped" if hit else "missed"
        trial.touching = False
        self._trial = None
        self._results.append(trial)
        self._lingering.append(trial)
        self._gap_left = self.inter_target_s
        self.compensating = False
        self.cue = None
        events: list[Event] = []
        if hit:
            self.score += POINTS_PER_HIT
            if self.dose.variant == "knock":
                trial.body.release(self.space)
                hand = self._hands[trial.side].pos or trial.home
                bx, by = trial.body.position
                dx, dy = bx - hand[0], by - hand[1]
                n = math.hypot(dx, dy) or 1.0
                trial.body.body.apply_impulse_at_local_point((3.0 * dx / n, 3.0 * dy / n))
            events.append(Event(t, HOLD_COMPLETE, {"index": trial.index, "hold_s": self.hold_s}))
        else:
            events.append(Event(t, MISS, {"index": trial.index, "reason": "timeout"}))
        rt = None if trial.onset_t is None else trial.onset_t - trial.shown_t
        events.append(Event(t, REPETITION, {
            "index": trial.index, "side": trial.side, "direction": trial.direction,
            "target": [trial.home[0], trial.home[1]], "radius": trial.radius,
            "reach_fraction": trial.reach_fraction, "hold_s": self.hold_s,
            "shown_t": trial.shown_t, "onset_t": trial.onset_t, "touch_t": trial.touch_t, "end_t": t,
            "hit": hit, "outcome": "hit" if hit else "timeout",
            "reaction_time_s": rt, "movement_time_s": trial.movement_time_s,
            "time_to_touch_s": trial.time_to_touch_s,
            "compensations": trial.compensations,
            "path": trial.path, "trunk": trial.trunk,
        }))
        return events

    def _age_lingering(self, dt: float) -> None:
        keep: list[_Trial] = []
        for tr in self._lingering:
            tr.linger_s += dt
            if tr.linger_s >= LINGER_S:
                tr.body.remove(self.space)
            else:
                keep.append(tr)
        self._lingering = keep

    # ---------------------------------------------------------------- summary
    def summary(self) -> dict[str, Any]:
        mts = [tr.movement_time_s for tr in self._results if tr.state == "popped" and tr.movement_time_s is not None]
        rts = [tr.onset_t - tr.shown_t for tr in self._results if tr.onset_t is not None]
        n = len(self._results)
        return {
            "exercise": self.name,
            "targets": n,
            "hits": self.hits,
            "misses": self.misses,
            "timeouts": self.misses,
            "mean_movement_time_s": float(np.mean(mts)) if mts else None,
            "mean_reaction_time_s": float(np.mean(rts)) if rts else None,
            "compensations": self.compensations,
            "success_rate": self.hits / n if n else 0.0,
            "score": self.score,
            "reach_fraction": self.reach_fraction,
            "target_radius": self.target_radius,
        }
