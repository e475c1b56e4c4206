"""Forward reaching: targets in front of the body, hit by position AND depth.

Role: pure rules (no pygame, no clock, no disk) for the everyday reach forward
to a cup or a shelf, which the image plane alone cannot train. Inputs are the
hand's image-plane position in body units (`HandIntent.x, y`) and its forward
reach in body units (vision.forward: wrist in front of the shoulder, from the
world landmarks).

Depth is coarse, so depth never decides a hit at a target's precision:
benchmarks/depth.py measured the single-camera wrist depth error at a median
of 0.58 arm lengths (`vision.forward.DEPTH_ERROR_ARM`), and at rest the
reading is not 0 (arms hanging sideways read 0.2-0.6 shoulder widths "in
front" on real clips). Hence:
  * forward reach is taken RELATIVE to the patient's own resting reading
    (the median while at rest in calibration), as the benchmark measured it;
  * tolerance = DEPTH_ERROR_ARM x the patient's arm length in body units
    (their calibrated straight-arm reach); a forward target at `depth` is
    reached when the forward displacement is at least `depth - tolerance`;
  * a target is only offered when `depth - tolerance` is itself at least one
    tolerance above rest (depth >= 2 x tolerance), so a hand resting, read
    with a typical error, does not count as a reach; `forward_depths`
    returns none when the patient's forward envelope does not allow that,
    and the game keeps to image-plane targets.
The image-plane part (the hand over the target's spot in front of the
shoulder, within the target radius) is as precise as the 2-D game.

`ForwardEnvelope` (vision.forward, re-exported here) measures the per-patient forward
envelope in calibration
(the furthest comfortable forward reach beyond rest, robust to spikes).
`ForwardReachExercise` runs the trials and returns the shared event kinds.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from exercises.events import HOLD_COMPLETE, TARGET_SHOWN, TIMEOUT, TOUCH, Event
from vision.forward import DEPTH_ERROR_ARM, ForwardEnvelope

Side = Literal["left", "right"]
SHOULDER_X = 0.5  # shoulders at (+-0.5, 0) body units (docs/CONTRACTS.md)
FORWARD_DROP = 0.3  # a forward target's spot: slightly below shoulder height (a table, a shelf)

FORWARD_REACH_OFFERED = "forward_reach_offered"  # which depths (and why none) for this patient


def depth_tolerance(arm_length: float) -> float:
    """Depth tolerance in body units for an arm of `arm_length` body units."""
    if not (arm_length > 0 and math.isfinite(arm_length)):
        raise ValueError(f"arm length must be a positive number of body units, got {arm_length}")
    return DEPTH_ERROR_ARM * arm_length


def forward_depths(envelope: float | None, arm_length: float,
                   fractions: Sequence[float] = (0.8, 1.0)) -> tuple[float, ...]:
    """Target depths (body units beyond rest) the error allows for this patient: each
    `fraction x envelope` that is at least twice the depth tolerance."""
    if envelope is None or envelope <= 0:
        return ()
    tol = depth_tolerance(arm_length)
    return tuple(f * envelope for f in fractions if f * envelope >= 2.0 * tol)


@dataclass(frozen=True, slots=True)
class ForwardTarget:
    side: Side
    x: float  # image-plane spot, body units
    y: float
    depth: float  # forward reach asked for, body units
    radius: float  # image-plane radius, body units


def make_target(side: Side, depth: float, radius: float) -> ForwardTarget:
    x = SHOULDER_X if side == "right" else -SHOULDER_X
    return ForwardTarget(side, x, -FORWARD_DROP, depth, radius)


def touches(target: ForwardTarget, x: float, y: float, forward: float | None,
            tolerance: float, rest: float = 0.0) -> bool:
    """Over the spot (image plane, precise) and far enough forward beyond `rest`
    (depth, with tolerance)."""
    if forward is None:
        return False
    return math.hypot(x - target.x, y - target.y) <= target.radius and \
        forward - rest >= target.depth - tolerance


@dataclass
class ForwardReachExercise:
    """Trials of forward targets: hold on the target for `hold_s` is a hit,
    `timeout_s` without one is a timeout. Step with the newest sample at `dt`."""

    side: Side
    depths: tuple[float, ...]
    arm_length: float
    rest: float  # the resting forward reading (ForwardEnvelope.rest)
    radius: float = 0.35
    hold_s: float = 1.0
    timeout_s: float = 10.0
    trials: int = 6
    _i: int = 0
    _held: float = 0.0
    _age: float = 0.0
    _touching: bool = False
    _shown: bool = False
    hits: int = 0
    timeouts: int = 0

    def __post_init__(self) -> None:
        if not self.depths:
            raise ValueError("no forward depth is allowed for this patient (see forward_depths)")
        self.tolerance = depth_tolerance(self.arm_length)

    @property
    def done(self) -> bool:
        return self._i >= self.trials

    @property
    def target(self) -> ForwardTarget | None:
        if self.done:
            return None
        return make_target(self.side, self.depths[self._i % len(self.depths)], self.radius)

    def step(self, t: float, x: float, y: float, forward: float | None, dt: float) -> list[Event]:
        tgt = self.target
        if tgt is None:
            return []
        events: list[Event] = []
        data = {"side": tgt.side, "depth": round(tgt.depth, 3), "tolerance": round(self.tolerance, 3),
                "trial": self._i}
        if not self._shown:
            self._shown = True
            events.append(Event(t, TARGET_SHOWN, {**data, "x": tgt.x, "y": tgt.y}))
        self._age += dt
        now = touches(tgt, x, y, forward, self.tolerance, self.rest)
        if now and not self._touching:
            events.append(Event(t, TOUCH, {**data, "forward": round(float(forward or 0.0), 3)}))
        self._touching = now
        self._held = self._held + dt if now else 0.0
        if self._held >= self.hold_s:
            self.hits += 1
            events.append(Event(t, HOLD_COMPLETE, data))
            self._next()
        elif self._age >= self.timeout_s:
            self.timeouts += 1
            events.append(Event(t, TIMEOUT, data))
            self._next()
        return events

    def _next(self) -> None:
        self._i += 1
        self._held = self._age = 0.0
        self._touching = self._shown = False


__all__ = ["ForwardEnvelope", "ForwardReachExercise", "ForwardTarget", "depth_tolerance",
           "forward_depths", "make_target", "touches"]
