"""Layout that respects the person: nothing the game shows sits over the face (pure).

A target over the face makes the patient reach at their own face and hides it from
them in the camera picture. In body units (origin at the shoulder midpoint, one unit a
shoulder width, +y up) the head of any seated adult sits in a fixed box above the
shoulders, whatever the camera: HEAD_BOX. A target whose disc would touch it is turned
about its shoulder just clear of the box: the same reach distance (still the calibrated
fraction of the envelope), a slightly different direction. Screen-space boxes (the
face from the tracked head landmarks in a camera run) use `Box` and `push_clear` too.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Box:
    """An axis-aligned box: x0 <= x1, y0 <= y1 (in whatever units its user works in)."""

    x0: float
    y0: float
    x1: float
    y1: float

    def overlaps(self, other: Box) -> bool:
        return self.x0 < other.x1 and other.x0 < self.x1 and self.y0 < other.y1 and other.y0 < self.y1

    def grown(self, d: float) -> Box:
        return Box(self.x0 - d, self.y0 - d, self.x1 + d, self.y1 + d)


# The face, body units (one unit: the distance between the shoulder landmarks): the
# face landmarks of the bundled seated recording span x -0.22..0.18 and y 0.28..0.50
# (mouth to eyes); with the chin, forehead, a head turned or leaning a little and a
# margin: +-0.33 wide, 0.08..1.05 high. A small target straight above a shoulder stays
# clear; a large one is turned outward by a few degrees.
HEAD_BOX = Box(-0.33, 0.08, 0.33, 1.05)


def clear_of_face(x: float, y: float, radius: float, side: str, head: Box = HEAD_BOX,
                  shoulder_x: float = 0.5) -> tuple[float, float]:
    """A target at (x, y) with `radius`, turned about its arm's shoulder (at the same reach
    distance: still on the calibrated envelope) by the smallest angle that takes its disc
    clear of the head box; unchanged when it is already clear. The turn keeps the target on
    its side of the shoulder (an "in" target stays in, an "out" target out) and, for a
    target at or above shoulder height, no more than 20 degrees below it (never a "down"
    reach for a seated patient). With no such place it is left where it was."""
    if not Box(x - radius, y - radius, x + radius, y + radius).overlaps(head):
        return (x, y)
    sx = shoulder_x if side == "right" else -shoulder_x
    dist = math.hypot(x - sx, y)
    a0 = math.atan2(y, x - sx)
    inward = 0.0 if abs(x - sx) < 1e-6 else math.copysign(1.0, x - sx)
    lowest_y = -dist * math.sin(math.radians(20.0)) if y >= 0 else -math.inf
    for k in range(1, 181):  # one degree at a time, both ways
        for sign in (1, -1):
            a = a0 + sign * math.radians(k)
            px, py = sx + dist * math.cos(a), dist * math.sin(a)
            if py < lowest_y or (inward and (px - sx) * inward <= 0):
                continue
            if not Box(px - radius, py - radius, px + radius, py + radius).overlaps(head):
                return (px, py)
    return (x, y)


def bounding_box(points: Iterable[tuple[float, float]], pad: float = 0.0) -> Box | None:
    """The box around `points`, grown by `pad` (None: no points)."""
    pts = list(points)
    if not pts:
        return None
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    return Box(min(xs) - pad, min(ys) - pad, max(xs) + pad, max(ys) + pad)


def push_clear(rect: Box, avoid: Box, bounds: Box) -> Box:
    """`rect` moved the least distance (down, or to either side) so it does not overlap
    `avoid`, staying inside `bounds` when it can; unchanged when it does not overlap."""
    if not rect.overlaps(avoid):
        return rect
    w, h = rect.x1 - rect.x0, rect.y1 - rect.y0
    options = [
        Box(avoid.x1, rect.y0, avoid.x1 + w, rect.y1),  # to the right
        Box(avoid.x0 - w, rect.y0, avoid.x0, rect.y1),  # to the left
        Box(rect.x0, avoid.y1, rect.x1, avoid.y1 + h),  # below (screen y grows down)
    ]
    inside = [b for b in options if b.x0 >= bounds.x0 and b.x1 <= bounds.x1 and b.y0 >= bounds.y0
              and b.y1 <= bounds.y1]
    pool = inside or options
    return min(pool, key=lambda b: abs(b.x0 - rect.x0) + abs(b.y0 - rect.y0))
