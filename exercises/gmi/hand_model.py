"""Hand pictures for the laterality task, from real 21-landmark 3D hand poses.

Why in code: the task needs many rotations and both views of left and right
hands, and no third-party image may ship. A pose is MediaPipe Hands' world
landmarks measured on a real photo (assets/gmi/hand_poses.json, all stored as
RIGHT hands). `canonical` puts a pose in a hand frame (x toward the index side,
y along wrist -> middle knuckle, z out of the palm): that is a right hand seen
from the palm side. A dorsal view turns it 180 degrees about y; a left hand is
the right hand mirrored in x; then the picture is rotated in the image plane.
`outline` returns 2-D shapes (palm polygon, finger capsules, each with a depth
for shading) that any renderer fills.

Landmark indices: 0 wrist; thumb 1-4; index 5-8; middle 9-12; ring 13-16;
little 17-20.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np

Side = Literal["left", "right"]
View = Literal["dorsal", "palmar"]

FINGERS: tuple[tuple[int, ...], ...] = ((1, 2, 3, 4), (5, 6, 7, 8), (9, 10, 11, 12),
                                        (13, 14, 15, 16), (17, 18, 19, 20))
PALM: tuple[int, ...] = (0, 1, 5, 9, 13, 17)


class PoseError(ValueError):
    """A landmark set that is not a usable hand (wrong shape, degenerate, wrong chirality)."""


def canonical(landmarks: np.ndarray) -> np.ndarray:
    """A right hand's 21x3 landmarks in the hand frame, scaled so wrist -> middle knuckle = 1.

    Raises PoseError when the points are degenerate or are a LEFT hand: the
    thumb tip must lie on the index side (+x), which a mislabelled mirror image
    fails.
    """
    p = np.asarray(landmarks, dtype=float)
    if p.shape != (21, 3) or not np.all(np.isfinite(p)):
        raise PoseError(f"expected 21x3 finite landmarks, got shape {p.shape}")
    up = p[9] - p[0]
    length = float(np.linalg.norm(up))
    if length < 1e-6:
        raise PoseError("wrist and middle knuckle coincide")
    y = up / length
    across = p[5] - p[17]
    x = across - np.dot(across, y) * y
    if np.linalg.norm(x) < 1e-6:
        raise PoseError("index and little knuckles are in line with the wrist")
    x /= np.linalg.norm(x)
    z = np.cross(x, y)
    q = (p - p[0]) @ np.stack([x, y, z], axis=1) / length
    # x, y, z is right-handed; a right hand's palm faces +z, so the thumb's
    # first bone (1 -> 2) leaves the palm toward +z and the index side (+x).
    # A mirrored (left) hand has its thumb leaving toward -z.
    if q[2, 2] - q[1, 2] < -0.05 and q[4, 2] < 0:
        raise PoseError("this is a left hand (thumb on the back side): mirror it first")
    return q


@dataclass(frozen=True, slots=True)
class Picture:
    """One hand picture: 2-D points (x right, y up, hand height about 2) and depth per point."""

    points: np.ndarray  # 21x2
    depth: np.ndarray  # 21, +toward the viewer
    side: Side
    view: View
    angle_deg: float


def picture(canon: np.ndarray, side: Side, view: View, angle_deg: float) -> Picture:
    """The canonical right-hand pose shown as `side`, from `view`, turned `angle_deg`
    counter-clockwise in the picture (0 = fingers up)."""
    q = np.array(canon, dtype=float)
    if view == "dorsal":  # turn the hand around its long axis: back of the hand to the viewer
        q[:, 0] *= -1.0
        q[:, 2] *= -1.0
    if side == "left":  # a left hand is a mirrored right hand
        q[:, 0] *= -1.0
    q[:, :2] -= q[list(PALM), :2].mean(axis=0)
    a = math.radians(angle_deg)
    rot = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    return Picture(points=q[:, :2] @ rot.T, depth=q[:, 2].copy(), side=side, view=view,
                   angle_deg=angle_deg)


@dataclass(frozen=True, slots=True)
class Shape:
    """A filled part of the silhouette: a polygon, or a capsule (polyline + width)."""

    kind: Literal["polygon", "capsule"]
    points: np.ndarray  # Nx2 in picture units
    width: float  # capsule diameter (0 for a polygon)
    depth: float  # mean depth: deeper parts are drawn first and darker


def outline(pic: Picture) -> list[Shape]:
    """The silhouette as shapes, back to front (painter's order).

    Finger widths follow the hand's own size (a fraction of the knuckle span),
    so every pose draws in proportion.
    """
    pts, dep = pic.points, pic.depth
    span = float(np.linalg.norm(pts[5] - pts[17]))
    span = max(span, 0.35)  # a hand seen edge-on still has fingers of some width
    shapes = [Shape("polygon", pts[list(PALM)], 0.0, float(dep[list(PALM)].mean()))]
    widths = (0.34, 0.30, 0.31, 0.29, 0.25)
    for finger, w in zip(FINGERS, widths, strict=True):
        chain = [0 if finger[0] == 1 else finger[0], *finger] if finger[0] == 1 else list(finger)
        shapes.append(Shape("capsule", pts[chain], w * span, float(dep[list(finger)].mean())))
    return sorted(shapes, key=lambda s: s.depth)


def thumb_side_x(pic: Picture) -> float:
    """Signed x of the thumb tip relative to the middle knuckle, in the UNROTATED picture:
    a check of the geometry (right palmar and left dorsal: thumb right, > 0)."""
    a = -math.radians(pic.angle_deg)
    rot = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    p = pic.points @ rot.T
    return float(p[4, 0] - p[9, 0])
