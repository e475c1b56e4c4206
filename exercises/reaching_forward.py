"""Reaching, forward mode: targets in front of the body, hit by position AND depth.

Role: pure rules (no pygame, no clock, no disk), the reaching game with its
targets moved in front of the body: a spot on the table (below the shoulder)
or on the shelf (about shoulder height), in front of the arm's shoulder, at a
depth of `reach_fraction` x the patient's forward envelope (measured in
calibration: vision.calibration's forward phase). Everything else is the
reaching game's (exercises/reaching.py): the hold, the timeout, the trunk
compensation guard, the staircase (`set_difficulty` changes the depth of the
next target), the events, so telemetry derives the same trials and applies the
same quality gate.

Depth decides only as far as it can be trusted. benchmarks/depth.py measured
the single-camera wrist forward error at a median of 0.58 arm lengths
(`vision.forward.DEPTH_ERROR_ARM`, docs/benchmarks.md "Depth from one camera"),
so (exercises.forward_reach):
  * the forward reading is taken relative to the patient's own resting reading;
  * tolerance = 0.58 x the arm's length (its calibrated reach, body units);
  * a target at `depth` is touched when the hand is over its spot in the image
    plane (as precise as the 2-D game) AND the forward reading is at least
    max(0, depth - tolerance) beyond rest: a deep target asks for a clearly
    forward reading, a shallow one only that the hand does not read behind its
    rest. A depth-only hit is impossible, and a hand with no depth reading
    (world landmarks lost) never touches.
Each repetition is out and back: the next target appears once the hand reads back
toward rest (RETURN_FRACTION of the last depth; RETURN_WAIT_S at most), so its forward
range of motion and 3-D SPARC (telemetry/metrics3d.py) are of a whole reach; they go into
its `repetition` event, and the session's into `summary()`.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from exercises.base import CalibrationInput
from exercises.doses import ReachingDose, SessionDose
from exercises.events import REPETITION, TARGET_SHOWN, Event
from exercises.forward_reach import depth_tolerance
from exercises.reaching import (
    ONSET_SPEED,
    SHOULDER_X,
    ReachingExercise,
    ReachSetup,
    Side,
    TargetView,
    _HandTrack,
    _Trial,
)
from telemetry.metrics3d import forward_rom, sparc_3d
from vision.forward import DEPTH_ERROR_ARM
from vision.intents import Intents

# Where a forward target sits in the image plane: in front of the arm's shoulder,
# at these heights (body units, y up from the shoulder line).
FORWARD_SPOTS: dict[str, float] = {"table": -0.5, "shelf": 0.1}
# A forward reach is out AND back: the next target waits until the hand's forward reading
# is back within this share of the last target's depth (so each repetition starts from
# rest, its forward range is measured, and a hand parked forward cannot collect targets by
# small moves in the image plane). Depth is coarse (0.58 arm lengths), so after
# RETURN_WAIT_S the next target comes anyway: the game never stalls on a noisy reading [D].
RETURN_FRACTION = 0.5
RETURN_WAIT_S = 4.0
# Without a measured forward envelope: this fraction of the arm's length beyond rest.
DEFAULT_FORWARD_ENVELOPE_ARM = 0.8


@dataclass(frozen=True, slots=True)
class ForwardSetup:
    """Per side: the resting forward reading, the forward envelope beyond it and the
    arm's length (all body units); `measured`: the sides a calibration's forward phase
    measured (the others use the default share of the arm)."""

    rest: Mapping[str, float]
    envelope: Mapping[str, float]
    arm: Mapping[str, float]
    measured: tuple[str, ...]

    def tolerance(self, side: str) -> float:
        return depth_tolerance(self.arm[side])

    def threshold(self, side: str, depth: float) -> float:
        """The forward reading beyond rest that counts as reaching `depth`."""
        return max(0.0, depth - self.tolerance(side))


def _stored_forward(calibration: CalibrationInput) -> Mapping[str, Any]:
    if calibration is None:
        return {}
    value = calibration.get("forward") if isinstance(calibration, Mapping) \
        else getattr(calibration, "forward", None)
    return value if isinstance(value, Mapping) else {}


def forward_setup(calibration: CalibrationInput, setup: ReachSetup) -> ForwardSetup:
    """Rest and envelope from the calibration's forward phase (`forward`: side ->
    {"rest", "reach"}); the arm's length is its longest calibrated reach."""
    stored = _stored_forward(calibration)
    rest: dict[str, float] = {}
    env: dict[str, float] = {}
    arm: dict[str, float] = {}
    measured: list[str] = []
    for side in ("left", "right"):
        reaches = [v for v in setup.envelope.get(side, {}).values() if v > 0]
        arm[side] = max(reaches) if reaches else 1.5
        entry = stored.get(side) if isinstance(stored.get(side), Mapping) else None
        r = entry.get("rest") if entry else None
        e = entry.get("reach") if entry else None
        if isinstance(r, (int, float)) and isinstance(e, (int, float)) and e > 0 \
                and math.isfinite(r) and math.isfinite(e):
            rest[side], env[side] = float(r), float(e)
            measured.append(side)
        else:
            rest[side], env[side] = 0.0, DEFAULT_FORWARD_ENVELOPE_ARM * arm[side]
    return ForwardSetup(rest, env, arm, tuple(measured))


class ForwardReachingExercise(ReachingExercise):
    """The reaching game with targets in front of the body (see the module docstring)."""

    name = "reaching"
    mode = "forward"

    def __init__(self, dose: ReachingDose, calibration: CalibrationInput, rng: np.random.Generator, *,
                 session_dose: SessionDose | None = None, onset_speed: float = ONSET_SPEED) -> None:
        super().__init__(dose, calibration, rng, session_dose=session_dose, onset_speed=onset_speed)
        self.forward = forward_setup(calibration, self.setup)
        self.directions = tuple(FORWARD_SPOTS)
        self._bag = []
        self._forward_now: dict[Side, float | None] = {"left": None, "right": None}
        self._depth: dict[int, float] = {}
        self._samples: dict[int, list[list[float]]] = {}  # index -> [t, x, y, forward beyond rest]
        self._session_forward: list[float] = []
        self._sparc: list[float] = []
        self._last: tuple[Side, float] | None = None  # (side, depth) of the last target
        self._waiting_back_s = 0.0

    # ------------------------------------------------------------------ hooks
    def depth_of(self, side: Side, forward: float | None) -> float | None:
        """A forward reading as body units beyond the side's rest (what targets ask for)."""
        return None if forward is None else forward - self.forward.rest[side]

    def _place(self, index: int, side: Side, direction: str) -> tuple[float, float]:
        self._depth[index] = self.reach_fraction * self.forward.envelope[side]
        x = SHOULDER_X if side == "right" else -SHOULDER_X
        return (x, FORWARD_SPOTS[direction])

    def _ready_for_next(self, dt: float) -> bool:
        """The hand back toward rest after the last forward target (RETURN_FRACTION of its
        depth), or RETURN_WAIT_S spent waiting for it."""
        if self._last is None:
            return True
        side, depth = self._last
        beyond = self.depth_of(side, self._forward_now[side])
        self._waiting_back_s += dt
        if (beyond is not None and beyond <= RETURN_FRACTION * depth) \
                or self._waiting_back_s >= RETURN_WAIT_S:
            self._last, self._waiting_back_s = None, 0.0
            return True
        return False

    def _spawn(self, t: float) -> Event:
        ev = super()._spawn(t)
        trial = self._trial
        assert trial is not None
        return Event(ev.t, TARGET_SHOWN, {**ev.data, **self._depth_data(trial)})

    def _depth_data(self, trial: _Trial) -> dict[str, Any]:
        depth = self._depth[trial.index]
        return {"mode": "forward", "depth": round(depth, 4),
                "depth_tolerance": round(self.forward.tolerance(trial.side), 4),
                "depth_threshold": round(self.forward.threshold(trial.side, depth), 4),
                "depth_error_arm": DEPTH_ERROR_ARM,
                "forward_measured": trial.side in self.forward.measured}

    def _track_hands(self, intents: Intents, dt: float) -> dict[Side, bool]:
        new = super()._track_hands(intents, dt)
        for side in ("left", "right"):
            hand = intents.hand(side)  # type: ignore[arg-type]
            self._forward_now[side] = None if hand is None else hand.forward  # type: ignore[index]
        return new

    def _record(self, trial: _Trial, intents: Intents | None, new_sample: Mapping[Side, bool]) -> None:
        before = len(trial.path)
        super()._record(trial, intents, new_sample)
        beyond = self.depth_of(trial.side, self._forward_now[trial.side])
        if len(trial.path) > before and beyond is not None and math.isfinite(beyond):
            t, x, y = trial.path[-1][:3]
            self._samples.setdefault(trial.index, []).append([t, x, y, beyond])
            self._session_forward.append(beyond)

    def _touching(self, trial: _Trial, track: _HandTrack) -> bool:
        beyond = self.depth_of(trial.side, self._forward_now[trial.side])
        if beyond is None or not super()._touching(trial, track):
            return False
        return beyond >= self.forward.threshold(trial.side, self._depth[trial.index])

    def _view(self, tr: _Trial) -> TargetView:
        return dataclasses.replace(super()._view(tr), depth=self._depth.get(tr.index))

    def _finish(self, trial: _Trial, t: float, *, hit: bool) -> list[Event]:
        events = super()._finish(trial, t, hit=hit)
        self._last, self._waiting_back_s = (trial.side, self._depth[trial.index]), 0.0
        samples = np.asarray(self._samples.pop(trial.index, []), dtype=float).reshape(-1, 4)
        rom = forward_rom(samples[:, 3]) if len(samples) else float("nan")
        smooth = sparc_3d(samples[:, 0], samples[:, 1:4]) if len(samples) else float("nan")
        if hit and math.isfinite(smooth):
            self._sparc.append(smooth)
        extra = {**self._depth_data(trial), "forward_rom": _num(rom), "sparc_3d": _num(smooth),
                 "forward_peak": _num(float(samples[:, 3].max()) if len(samples) else float("nan"))}
        return [Event(e.t, e.kind, {**e.data, **extra}) if e.kind == REPETITION else e
                for e in events]

    # ---------------------------------------------------------------- summary
    def summary(self) -> dict[str, Any]:
        out = super().summary()
        side = self.sides[0]
        out.update({
            "mode": "forward",
            "depth_error_arm": DEPTH_ERROR_ARM,
            "depth_tolerance": round(self.forward.tolerance(side), 4),
            "forward_measured": all(s in self.forward.measured for s in self.sides),
            "forward_rom": _num(forward_rom(np.asarray(self._session_forward, dtype=float))),
            "sparc_3d_mean": _num(float(np.mean(self._sparc)) if self._sparc else float("nan")),
        })
        return out


def _num(v: float) -> float | None:
    """JSON-safe: a number rounded to 4 places, or None when not measurable."""
    return round(float(v), 4) if math.isfinite(v) else None
