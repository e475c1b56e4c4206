"""The pymunk world of the reaching game: hands and targets as bodies.

Why a physics world for a reaching game: a touched target reacts the way a
real object would (pushed, knocked away, carried), which is the feedback
patients respond to, and the game's debug view can walk the space exactly
as pymunk's `debug_draw` does. Everything is in body units (shoulder
widths, +y up) and seconds; there is no gravity (targets float in front of
the patient) and a little damping so knocked targets come to rest.

Contract: the space is stepped only with the constant `dt` the game passes
to `Exercise.step`. Hands are KINEMATIC bodies whose velocity is set to
(new position - old position) / dt before the step, so pymunk moves them to
the tracked position exactly and resolves contacts with the right speed.
"""

from __future__ import annotations

from dataclasses import dataclass

import pymunk

HAND_RADIUS = 0.12  # body units: about a palm's half width
TARGET_MASS = 1.0
TETHER_STIFFNESS = 40.0  # N/BU-ish: a touched "knock" target yields, then springs back
TETHER_DAMPING = 6.0
SPACE_DAMPING = 0.4  # fraction of velocity kept per second

# Collision categories: hands collide with solid targets only.
CAT_HAND = 0b01
CAT_TARGET = 0b10


def make_space() -> pymunk.Space:
    """An empty, gravity-free, slightly damped space."""
    space = pymunk.Space()
    space.gravity = (0.0, 0.0)
    space.damping = SPACE_DAMPING
    return space


@dataclass(slots=True)
class HandBody:
    """One tracked hand as a kinematic circle."""

    body: pymunk.Body
    shape: pymunk.Circle

    def drive(self, x: float, y: float, dt: float) -> None:
        """Aim the body at (x, y) so that the next `space.step(dt)` lands it there."""
        px, py = self.body.position
        self.body.velocity = ((x - px) / dt, (y - py) / dt)

    def hold_still(self) -> None:
        self.body.velocity = (0.0, 0.0)

    def place(self, x: float, y: float) -> None:
        """Teleport (first sighting of the hand): no velocity, no impulse."""
        self.body.position = (x, y)
        self.body.velocity = (0.0, 0.0)


def add_hand(space: pymunk.Space, x: float = 0.0, y: float = 0.0) -> HandBody:
    body = pymunk.Body(body_type=pymunk.Body.KINEMATIC)
    body.position = (x, y)
    shape = pymunk.Circle(body, HAND_RADIUS)
    shape.filter = pymunk.ShapeFilter(categories=CAT_HAND, mask=CAT_TARGET)
    shape.friction = 0.6
    space.add(body, shape)
    return HandBody(body, shape)


@dataclass(slots=True)
class TargetBody:
    """A target: its body, shape and (for "knock") the spring to its home."""

    body: pymunk.Body
    shape: pymunk.Circle
    anchor: pymunk.Body | None = None
    tether: pymunk.DampedSpring | None = None

    @property
    def position(self) -> tuple[float, float]:
        p = self.body.position
        return (float(p.x), float(p.y))

    def release(self, space: pymunk.Space) -> None:
        """Cut the tether so the target can fly off."""
        if self.tether is not None and self.tether in space.constraints:
            space.remove(self.tether)
        self.tether = None

    def remove(self, space: pymunk.Space) -> None:
        self.release(space)
        for item in (self.shape, self.body, self.anchor):
            if item is not None and (item in space.shapes or item in space.bodies):
                space.remove(item)


def add_target(space: pymunk.Space, x: float, y: float, radius: float, variant: str) -> TargetBody:
    """A target for the dose's `variant`.

    * "pop": a kinematic sensor; it stays put and bursts when held.
    * "knock": a solid dynamic body tethered to its home by a damped spring:
      the hand pushes it, and on a completed hold it is knocked away.
    * "carry": a kinematic sensor that the reaching logic moves with the hand
      while it is touched.
    """
    if variant == "knock":
        body = pymunk.Body(TARGET_MASS, pymunk.moment_for_circle(TARGET_MASS, 0.0, radius))
        body.position = (x, y)
        shape = pymunk.Circle(body, radius)
        shape.filter = pymunk.ShapeFilter(categories=CAT_TARGET, mask=CAT_HAND)
        shape.elasticity = 0.3
        shape.friction = 0.6
        anchor = pymunk.Body(body_type=pymunk.Body.STATIC)
        anchor.position = (x, y)
        tether = pymunk.DampedSpring(anchor, body, (0, 0), (0, 0), 0.0, TETHER_STIFFNESS, TETHER_DAMPING)
        space.add(body, shape, anchor, tether)
        return TargetBody(body, shape, anchor, tether)
    if variant not in ("pop", "carry"):
        raise ValueError(f"unknown reaching variant {variant!r}; expected pop, knock or carry")
    body = pymunk.Body(body_type=pymunk.Body.KINEMATIC)
    body.position = (x, y)
    shape = pymunk.Circle(body, radius)
    shape.sensor = True
    shape.filter = pymunk.ShapeFilter(categories=CAT_TARGET, mask=CAT_HAND)
    space.add(body, shape)
    return TargetBody(body, shape)
