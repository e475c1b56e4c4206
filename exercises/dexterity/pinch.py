"""Pinch, carry and place: pymunk objects moved into a box with a thumb-index pinch.

Role: the rules and the physics of the pinch game. Everything is in body
units (shoulder widths, +y up, +x the patient's right) and seconds.

World (`PinchWorld`): gravity, a table at TABLE_Y, objects (circles of the
dose's `object_radius`, `object_mass` and `friction`) waiting on the table
on the side in play, and an open box further out on that side. The hand is
a KINEMATIC body driven to the tracked hand position each step.

Grab: when the pinch closes (hysteresis on `HandIntent.pinch`, thresholds
relative to the patient's open aperture) with the hand within
`object_radius + GRAB_MARGIN` of a free object, a zero-length DampedSpring
joins the object to the hand body. The object is DYNAMIC, so it follows
the hand with a lag and a sag that grow with its mass: that is the "weight
feel". Release: when the pinch opens. Released over the box's opening (its
centre within the box's inner walls, below RELEASE_CEILING above the box),
the object counts as moved ("pinch_place", and a REPETITION with its carry
time); anywhere else it is a drop ("pinch_drop") and falls back to be
picked up again. At most MAX_ON_TABLE objects wait at a time.

This is a Box-and-Block-LIKE count: a game metric, not the clinical test
(CLINICAL.md section 2). Summary keys: objects_moved, drops, carry_time_s
(total seconds carrying), mean_carry_s, objects_per_minute, grabs, time_s.
The space only steps with the constant `dt` of `step`; time (and the
world) stops while the hand is not visible.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pymunk

from exercises.base import CalibrationInput
from exercises.dexterity.aperture import RelativeHysteresis
from exercises.dexterity.common import HandWatch, Side, sides_for
from exercises.doses import PinchDose, SessionDose
from exercises.events import PINCH_DROP, PINCH_GRAB, PINCH_PLACE, REPETITION, Event
from exercises.virtual_patient import HandGoal
from vision.intents import Intents

GRAB = PINCH_GRAB
PLACE = PINCH_PLACE
DROP = PINCH_DROP

GRAVITY = 25.0  # body units / s^2: 9.81 m/s^2 over a ~0.39 m shoulder width
TABLE_Y = -1.0  # body units below the shoulder line: about the lower chest of a seated patient
SPAWN_X0 = 0.25  # |x| of the first waiting spot on the side in play
SPAWN_GAP = 0.08  # between waiting objects
BOX_GAP = 0.15  # between the last waiting spot and the box
BOX_WALL_H = 0.35
RELEASE_CEILING = 1.2  # a release this far above the box top still falls in
GRAB_MARGIN = 0.15
HAND_RADIUS = 0.08
MAX_ON_TABLE = 2
CARRY_STIFFNESS = 400.0  # spring to the hand: a 1-unit mass follows within ~0.1 s
CARRY_DAMPING = 28.0  # about 0.7 of critical for a 1-unit mass; heavier objects swing more
SPACE_DAMPING = 0.6  # fraction of velocity kept per second (air, table)
COLLISION_SLOP = 0.005  # body units; pymunk's default (0.1) assumes pixels and lets objects sink

CAT_WORLD = 0b001
CAT_OBJECT = 0b010
CAT_HAND = 0b100


@dataclass(slots=True)
class PinchObject:
    """One object: its body and shape, and its state in the game."""

    index: int
    body: pymunk.Body
    shape: pymunk.Circle
    state: str = "waiting"  # waiting | carried | placed
    grabbed_at: float | None = None
    carry_s: list[float] = field(default_factory=list)

    @property
    def position(self) -> tuple[float, float]:
        p = self.body.position
        return (float(p.x), float(p.y))

    @property
    def radius(self) -> float:
        return float(self.shape.radius)


@dataclass(frozen=True, slots=True)
class Box:
    """The target box: inner walls x0 < x1, bottom y0 (the table), top y1."""

    x0: float
    x1: float
    y0: float
    y1: float

    def accepts(self, x: float, y: float) -> bool:
        return self.x0 < x < self.x1 and self.y0 <= y <= self.y1 + RELEASE_CEILING


class PinchWorld:
    """The pymunk space of the pinch game for one side (+1 right, -1 left)."""

    def __init__(self, dose: PinchDose, sign: float) -> None:
        self.dose = dose
        self.sign = sign
        self.space = pymunk.Space()
        self.space.gravity = (0.0, -GRAVITY)
        self.space.damping = SPACE_DAMPING
        self.space.collision_slop = COLLISION_SLOP
        r = dose.object_radius
        self.spawn_x = tuple(SPAWN_X0 + r + k * (2 * r + SPAWN_GAP) for k in range(MAX_ON_TABLE))
        inner = max(0.5, 3.0 * r)
        cx = sign * (self.spawn_x[-1] + r + BOX_GAP + inner / 2)
        self.box = Box(cx - inner / 2, cx + inner / 2, TABLE_Y, TABLE_Y + BOX_WALL_H)
        far = sign * (abs(cx) + inner / 2 + 0.4)
        near = -sign * 0.3
        world_filter = pymunk.ShapeFilter(categories=CAT_WORLD, mask=CAT_OBJECT)
        static = self.space.static_body
        segments = [
            pymunk.Segment(static, (near, TABLE_Y), (far, TABLE_Y), 0.02),  # table
            pymunk.Segment(static, (self.box.x0, TABLE_Y), (self.box.x0, self.box.y1), 0.03),  # box walls
            pymunk.Segment(static, (self.box.x1, TABLE_Y), (self.box.x1, self.box.y1), 0.03),
            pymunk.Segment(static, (near, TABLE_Y), (near, TABLE_Y + 2.0), 0.02),  # ends of the table
            pymunk.Segment(static, (far, TABLE_Y), (far, TABLE_Y + 2.0), 0.02),  # (invisible bounds)
        ]
        for seg in segments:
            seg.friction = dose.friction
            seg.elasticity = 0.1
            seg.filter = world_filter
        self.space.add(*segments)
        self.segments = segments
        self.visible_segments = segments[:3]  # the table and the box; the ends only keep objects in play
        self.hand = pymunk.Body(body_type=pymunk.Body.KINEMATIC)
        self.hand.position = (sign * 0.5, TABLE_Y + 0.8)
        hand_shape = pymunk.Circle(self.hand, HAND_RADIUS)
        hand_shape.filter = pymunk.ShapeFilter(categories=CAT_HAND, mask=0)  # touches nothing: it pinches
        self.space.add(self.hand, hand_shape)
        self.spring: pymunk.DampedSpring | None = None
        self._hand_seen = False

    def add_object(self, index: int, slot: int) -> PinchObject:
        r = self.dose.object_radius
        m = self.dose.object_mass
        body = pymunk.Body(m, pymunk.moment_for_circle(m, 0.0, r))
        body.position = (self.sign * self.spawn_x[slot % len(self.spawn_x)], TABLE_Y + r + 0.01)
        shape = pymunk.Circle(body, r)
        shape.friction = self.dose.friction
        shape.elasticity = 0.1
        shape.filter = pymunk.ShapeFilter(categories=CAT_OBJECT, mask=CAT_WORLD | CAT_OBJECT)
        self.space.add(body, shape)
        return PinchObject(index, body, shape)

    def drive_hand(self, x: float, y: float, dt: float) -> None:
        if not self._hand_seen:
            self.hand.position = (x, y)
            self.hand.velocity = (0.0, 0.0)
            self._hand_seen = True
            return
        px, py = self.hand.position
        self.hand.velocity = ((x - px) / dt, (y - py) / dt)

    def attach(self, obj: PinchObject) -> None:
        self.detach()
        self.spring = pymunk.DampedSpring(self.hand, obj.body, (0, 0), (0, 0), 0.0,
                                          CARRY_STIFFNESS, CARRY_DAMPING)
        self.space.add(self.spring)

    def detach(self) -> None:
        if self.spring is not None:
            self.space.remove(self.spring)
            self.spring = None

    def step(self, dt: float) -> None:
        self.space.step(dt)


class PinchExercise:
    """Pinch objects, carry them and place them in the box."""

    name = "pinch"

    def __init__(self, dose: PinchDose, calibration: CalibrationInput = None, rng: np.random.Generator | None = None, *,
                 session_dose: SessionDose | None = None) -> None:
        session_dose = session_dose if session_dose is not None else SessionDose()
        if dose.objects < 1:
            raise ValueError(f"pinch objects must be >= 1, got {dose.objects}")
        for key in ("object_radius", "object_mass", "time_limit_s"):
            if not getattr(dose, key) > 0:
                raise ValueError(f"pinch {key} must be > 0, got {getattr(dose, key)}")
        if dose.friction < 0:
            raise ValueError(f"pinch friction must be >= 0, got {dose.friction}")
        if session_dose.pace <= 0:
            raise ValueError(f"session pace must be > 0, got {session_dose.pace}")
        self.dose = dose
        self.sides = sides_for(dose.side)
        self.time_limit_s = dose.time_limit_s / session_dose.pace
        self.elapsed = 0.0
        self.t = 0.0
        self.watch = HandWatch("pinch")
        self.detector = RelativeHysteresis()
        self.aperture: float | None = None
        self.hand_pos: tuple[float, float] | None = None
        self.objects: list[PinchObject] = []
        self.carried: PinchObject | None = None
        self.moved = 0
        self.drops = 0
        self.grabs = 0
        self.carry_times: list[float] = []
        self._spawned = 0
        self._side_index = 0
        self.world = PinchWorld(dose, 1.0 if self.active_side == "right" else -1.0)
        self._refill()

    # ---------------------------------------------------------------- state
    @property
    def active_side(self) -> Side:
        return self.sides[self._side_index % len(self.sides)]

    @property
    def done(self) -> bool:
        return self.moved >= self.dose.objects or self.elapsed >= self.time_limit_s - 1e-9

    @property
    def cue(self) -> str | None:
        return self.watch.cue

    @property
    def box(self) -> Box:
        return self.world.box

    @property
    def space(self) -> pymunk.Space:
        return self.world.space

    @property
    def pinch_closed(self) -> bool:
        return self.detector.state == "closed"

    def _free(self) -> list[PinchObject]:
        return [o for o in self.objects if o.state == "waiting"]

    def _nearest_free(self, x: float, y: float) -> tuple[PinchObject | None, float]:
        best, best_d = None, math.inf
        for o in self._free():
            ox, oy = o.position
            d = math.hypot(ox - x, oy - y)
            if d < best_d:
                best, best_d = o, d
        return best, best_d

    def player_goal(self) -> HandGoal:
        """What a player does now: reach a free object and pinch, carry it over the box, let go."""
        side = self.active_side
        hx, hy = self.hand_pos if self.hand_pos is not None else (math.inf, math.inf)
        if self.carried is not None:
            gx = 0.5 * (self.box.x0 + self.box.x1)
            gy = self.box.y1 + 0.45
            over = self.box.x0 < hx < self.box.x1 and hy < self.box.y1 + 0.8
            return HandGoal("pinch", side, gx, gy, params=(("closed", not over),))
        target, _ = self._nearest_free(hx if math.isfinite(hx) else 0.0, hy if math.isfinite(hy) else 0.0)
        if target is None:
            return HandGoal("pinch", side, params=(("closed", False),))
        ox, oy = target.position
        near = math.hypot(ox - hx, oy - hy) < 0.6 * (target.radius + GRAB_MARGIN)
        return HandGoal("pinch", side, ox, oy, params=(("closed", near),))

    # ----------------------------------------------------------------- step
    def _refill(self) -> None:
        spots = self.world.spawn_x
        taken = {k for o in self._free() for k, x in enumerate(spots) if abs(abs(o.position[0]) - x) < 1e-6}
        while len(self._free()) < MAX_ON_TABLE and self._spawned < self.dose.objects:
            slot = next((k for k in range(len(spots)) if k not in taken), len(self._free()))
            taken.add(slot)
            self.objects.append(self.world.add_object(self._spawned, slot))
            self._spawned += 1

    def step(self, intents: Intents, dt: float) -> list[Event]:
        out: list[Event] = []
        self.t = intents.t
        if self.done:
            return out
        hand = self.watch.read(intents, self.active_side, dt, out)
        if hand is None or hand.pinch is None:
            self.aperture = None
            return out
        self.elapsed += dt
        self.hand_pos = (float(hand.x), float(hand.y))
        self.aperture = float(hand.pinch)
        self.world.drive_hand(hand.x, hand.y, dt)
        change = self.detector.update(self.elapsed, self.aperture)
        if change == "closed" and self.carried is None:
            obj, d = self._nearest_free(hand.x, hand.y)
            if obj is not None and d <= obj.radius + GRAB_MARGIN:
                self._grab(obj, intents.t, out)
        elif change == "opened" and self.carried is not None:
            self._release(intents.t, out)
        self.world.step(dt)
        return out

    def _grab(self, obj: PinchObject, t: float, out: list[Event]) -> None:
        obj.state = "carried"
        obj.grabbed_at = self.elapsed
        self.carried = obj
        self.grabs += 1
        self.world.attach(obj)
        x, y = obj.position
        out.append(Event(t, GRAB, {"object": obj.index, "side": self.active_side, "x": round(x, 4), "y": round(y, 4)}))

    def _release(self, t: float, out: list[Event]) -> None:
        obj = self.carried
        assert obj is not None
        self.world.detach()
        self.carried = None
        carry = self.elapsed - (obj.grabbed_at if obj.grabbed_at is not None else self.elapsed)
        obj.carry_s.append(carry)
        self.carry_times.append(carry)
        x, y = obj.position
        data = {"object": obj.index, "side": self.active_side, "carry_s": round(carry, 4),
                "x": round(x, 4), "y": round(y, 4)}
        if self.box.accepts(x, y):
            obj.state = "placed"
            self.moved += 1
            out.append(Event(t, PLACE, data))
            out.append(Event(t, REPETITION, {"exercise": self.name, "repetition": self.moved, **data}))
            if len(self.sides) > 1:
                self._switch_side()
            self._refill()
        else:
            obj.state = "waiting"
            self.drops += 1
            out.append(Event(t, DROP, data))

    def _switch_side(self) -> None:
        """'both': after each placed object the other hand plays, in a fresh world for that side."""
        self._side_index += 1
        waiting = len(self._free())
        self.world = PinchWorld(self.dose, 1.0 if self.active_side == "right" else -1.0)
        self._spawned -= waiting
        self.objects = [o for o in self.objects if o.state == "placed"]
        self.detector = RelativeHysteresis()

    # -------------------------------------------------------------- summary
    def summary(self) -> dict[str, Any]:
        minutes = self.elapsed / 60.0
        return {
            "objects_moved": self.moved,
            "drops": self.drops,
            "grabs": self.grabs,
            "carry_time_s": float(sum(self.carry_times)),
            "mean_carry_s": float(np.mean(self.carry_times)) if self.carry_times else None,
            "objects_per_minute": self.moved / minutes if minutes > 0 else None,
            "time_s": self.elapsed,
            "hand_lost_s": self.watch.lost_s,
            "metric_note": "game metric (Box-and-Block-like), not the clinical test",
        }
