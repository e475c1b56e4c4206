"""Body-centred coordinates, joint angles and the body-midline mirror.

Role: the one place where image landmarks become the numbers game logic
uses. Everything is pure (numpy in, floats/arrays out) and works in PIXELS
before any normalisation, so non-square frames (portrait phones, corrected
anamorphic video) give correct angles.

Contract (docs/CONTRACTS.md "Body units"):
    px = x_norm * width, py = y_norm * height
    bx = -(px - origin_px[0]) / unit_px    (+x = the patient's RIGHT)
    by = -(py - origin_px[1]) / unit_px    (+y = up)
`to_image` is the exact inverse. A `BodyReference` comes from calibration
(neutral shoulder midpoint, neutral shoulder width) or, without one, from the
current frame's own shoulders (`reference_from_pose`).

Angles follow /work/shared/design/CLINICAL.md section 1:
angle(a, b) = atan2(|a x b|, a . b); elbow flexion = 180 - angle(S-E, W-E);
shoulder abduction = angle(E-S, H-S) in the image (frontal) plane; shoulder
flexion = the same in the sagittal plane of the WORLD landmarks, which a
single frontal camera only estimates (reported with `estimated=True`).

Mirror (CLINICAL.md section 5): reflect about the BODY midline (mean x of the
shoulders), not the image centre, and swap left/right landmark pairs and hand
labels. Applying it twice gives back the input (up to float rounding).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np

from vision.bodyframe import (
    LEFT_ELBOW,
    LEFT_HIP,
    LEFT_SHOULDER,
    LEFT_WRIST,
    POSE_LR_PAIRS,
    RIGHT_ELBOW,
    RIGHT_HIP,
    RIGHT_SHOULDER,
    RIGHT_WRIST,
    BodyFrame,
    Hand,
)

Side = Literal["left", "right"]

_SHOULDER = {"left": LEFT_SHOULDER, "right": RIGHT_SHOULDER}
_ELBOW = {"left": LEFT_ELBOW, "right": RIGHT_ELBOW}
_WRIST = {"left": LEFT_WRIST, "right": RIGHT_WRIST}
_HIP = {"left": LEFT_HIP, "right": RIGHT_HIP}

# Index permutation that swaps every left/right pose landmark pair.
POSE_MIRROR_PERM: np.ndarray = np.arange(33)
for _a, _b in POSE_LR_PAIRS:
    POSE_MIRROR_PERM[_a], POSE_MIRROR_PERM[_b] = _b, _a


@dataclass(frozen=True, slots=True)
class BodyReference:
    """Origin (shoulder midpoint, pixels) and unit (shoulder width, pixels) of body units."""

    origin_px: tuple[float, float]
    unit_px: float
    width: int
    height: int

    def __post_init__(self) -> None:
        if not (self.unit_px > 0 and math.isfinite(self.unit_px)):
            raise ValueError(f"BodyReference.unit_px must be a positive number, got {self.unit_px!r}")
        if self.width <= 0 or self.height <= 0:
            raise ValueError(f"BodyReference image size must be positive, got {self.width}x{self.height}")

    def to_dict(self) -> dict[str, float | int | list[float]]:
        return {"origin_px": [float(self.origin_px[0]), float(self.origin_px[1])],
                "unit_px": float(self.unit_px), "width": int(self.width), "height": int(self.height)}

    @classmethod
    def from_dict(cls, d: dict) -> BodyReference:
        ox, oy = d["origin_px"]
        return cls((float(ox), float(oy)), float(d["unit_px"]), int(d["width"]), int(d["height"]))


def landmark_px(pose: np.ndarray, index: int, width: int, height: int) -> np.ndarray:
    """(x, y) of one pose landmark in pixels (float64)."""
    return np.array([float(pose[index, 0]) * width, float(pose[index, 1]) * height])


def shoulder_midpoint_px(pose: np.ndarray, width: int, height: int) -> np.ndarray:
    return 0.5 * (landmark_px(pose, LEFT_SHOULDER, width, height)
                  + landmark_px(pose, RIGHT_SHOULDER, width, height))


def shoulder_width_px(pose: np.ndarray, width: int, height: int) -> float:
    d = landmark_px(pose, LEFT_SHOULDER, width, height) - landmark_px(pose, RIGHT_SHOULDER, width, height)
    return float(np.hypot(d[0], d[1]))


def shoulder_width_m(pose_world: np.ndarray | None) -> float | None:
    """Shoulder width in metres from world landmarks, or None without them."""
    if pose_world is None:
        return None
    w = float(np.linalg.norm(pose_world[LEFT_SHOULDER, :3] - pose_world[RIGHT_SHOULDER, :3]))
    return w if w > 0 and math.isfinite(w) else None


def reference_from_pose(pose: np.ndarray, width: int, height: int) -> BodyReference:
    """The frame's own shoulders as the body-unit reference."""
    mid = shoulder_midpoint_px(pose, width, height)
    unit = shoulder_width_px(pose, width, height)
    if not unit > 0:
        raise ValueError("shoulders coincide: cannot make a body reference from this pose")
    return BodyReference((float(mid[0]), float(mid[1])), unit, int(width), int(height))


def to_body(ref: BodyReference, x_norm: float, y_norm: float) -> tuple[float, float]:
    """Normalized image coordinates -> body units (+x patient's right, +y up)."""
    px = x_norm * ref.width
    py = y_norm * ref.height
    return (-(px - ref.origin_px[0]) / ref.unit_px, -(py - ref.origin_px[1]) / ref.unit_px)


def to_image(ref: BodyReference, bx: float, by: float) -> tuple[float, float]:
    """Body units -> normalized image coordinates (inverse of `to_body`)."""
    px = ref.origin_px[0] - bx * ref.unit_px
    py = ref.origin_px[1] - by * ref.unit_px
    return (px / ref.width, py / ref.height)


def points_to_body(ref: BodyReference, xy_norm: np.ndarray) -> np.ndarray:
    """Vectorised `to_body` for an (N, >=2) array of normalized points -> (N, 2)."""
    xy = np.asarray(xy_norm, dtype=np.float64)[..., :2]
    px = xy[..., 0] * ref.width
    py = xy[..., 1] * ref.height
    return np.stack([-(px - ref.origin_px[0]) / ref.unit_px, -(py - ref.origin_px[1]) / ref.unit_px], axis=-1)


# ----------------------------------------------------------------- angles

def angle_between(a: np.ndarray, b: np.ndarray) -> float:
    """Angle between two 2-D or 3-D vectors in degrees: atan2(|a x b|, a . b)."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape[-1] == 2:
        cross = abs(float(a[0] * b[1] - a[1] * b[0]))
    else:
        cross = float(np.linalg.norm(np.cross(a, b)))
    return math.degrees(math.atan2(cross, float(np.dot(a, b))))


def elbow_flexion_deg(pose: np.ndarray, side: Side, width: int, height: int) -> float:
    """Elbow flexion in the image plane: 0 = straight arm, 180 - angle(S-E, W-E)."""
    s = landmark_px(pose, _SHOULDER[side], width, height)
    e = landmark_px(pose, _ELBOW[side], width, height)
    w = landmark_px(pose, _WRIST[side], width, height)
    return 180.0 - angle_between(s - e, w - e)


def shoulder_abduction_deg(pose: np.ndarray, side: Side, width: int, height: int) -> float:
    """Shoulder abduction in the frontal (image) plane: angle(E-S, H-S); 0 = arm at the side."""
    s = landmark_px(pose, _SHOULDER[side], width, height)
    e = landmark_px(pose, _ELBOW[side], width, height)
    h = landmark_px(pose, _HIP[side], width, height)
    return angle_between(e - s, h - s)


@dataclass(frozen=True, slots=True)
class EstimatedAngle:
    """An angle a single frontal camera can only estimate (depth is guessed by the model)."""

    degrees: float
    estimated: bool = True


def shoulder_flexion_deg(pose_world: np.ndarray, side: Side) -> EstimatedAngle:
    """Shoulder flexion in the sagittal plane (world y-z), labelled estimated.

    MediaPipe world landmarks: x to the person's left in the image sense
    (camera x), y down, z toward the camera negative. The sagittal plane drops x.
    """
    s = np.asarray(pose_world[_SHOULDER[side], :3], dtype=np.float64)
    e = np.asarray(pose_world[_ELBOW[side], :3], dtype=np.float64)
    h = np.asarray(pose_world[_HIP[side], :3], dtype=np.float64)
    a = (e - s)[1:3]
    b = (h - s)[1:3]
    return EstimatedAngle(angle_between(a, b))


def trunk_lean_deg(pose: np.ndarray, width: int, height: int) -> float:
    """Signed lean of the hip-mid -> shoulder-mid line from vertical, image plane.

    Positive = shoulders displaced toward the patient's RIGHT (image -x).
    """
    sm = shoulder_midpoint_px(pose, width, height)
    hm = 0.5 * (landmark_px(pose, LEFT_HIP, width, height) + landmark_px(pose, RIGHT_HIP, width, height))
    v = sm - hm  # up is -y in the image
    return math.degrees(math.atan2(-v[0], -v[1]))


def shoulder_rotation_deg(pose: np.ndarray, width: int, height: int) -> float:
    """Signed tilt of the shoulder line from horizontal, image plane.

    Positive = the patient's right shoulder higher than the left.
    """
    ls = landmark_px(pose, LEFT_SHOULDER, width, height)
    rs = landmark_px(pose, RIGHT_SHOULDER, width, height)
    v = ls - rs  # right shoulder (small x) -> left shoulder (larger x) in an unmirrored frontal image
    return math.degrees(math.atan2(v[1], v[0]))


# ----------------------------------------------------------------- mirror

def mirror_axis_x(pose: np.ndarray) -> float:
    """Normalized x of the body midline: the mean x of the shoulders."""
    return 0.5 * (float(pose[LEFT_SHOULDER, 0]) + float(pose[RIGHT_SHOULDER, 0]))


def mirror_pose(pose: np.ndarray, axis_x: float | None = None) -> np.ndarray:
    """Reflect (33, >=2) normalized landmarks about the body midline and swap L/R."""
    ax = mirror_axis_x(pose) if axis_x is None else axis_x
    out = np.array(pose, dtype=np.float64)[POSE_MIRROR_PERM]
    out[:, 0] = 2.0 * ax - out[:, 0]
    return out.astype(np.asarray(pose).dtype, copy=False)


def mirror_world(pose_world: np.ndarray) -> np.ndarray:
    """Reflect world landmarks about the body's sagittal plane and swap L/R."""
    ax = 0.5 * (float(pose_world[LEFT_SHOULDER, 0]) + float(pose_world[RIGHT_SHOULDER, 0]))
    out = np.array(pose_world, dtype=np.float64)[POSE_MIRROR_PERM]
    out[:, 0] = 2.0 * ax - out[:, 0]
    return out.astype(np.asarray(pose_world).dtype, copy=False)


def mirror_hand(hand: Hand, axis_x: float) -> Hand:
    lm = np.array(hand.landmarks, dtype=np.float64)
    lm[:, 0] = 2.0 * axis_x - lm[:, 0]
    world = None
    if hand.world is not None:
        world = np.array(hand.world, dtype=np.float64)
        world[:, 0] = -world[:, 0]  # hand world coordinates are centred on the hand
        world = world.astype(hand.world.dtype, copy=False)
    return Hand(lm.astype(hand.landmarks.dtype, copy=False),
                "Left" if hand.handedness == "Right" else "Right", hand.score, world)


def mirror_frame(frame: BodyFrame) -> BodyFrame:
    """The frame as if the patient's other side did the movement.

    Without a pose there is no midline; the frame comes back unchanged.
    """
    if frame.pose is None:
        return frame
    ax = mirror_axis_x(frame.pose)
    pose = mirror_pose(frame.pose, ax)
    world = mirror_world(frame.pose_world) if frame.pose_world is not None else None
    hands = tuple(mirror_hand(h, ax) for h in frame.hands)
    return replace(frame, pose=pose, pose_world=world, hands=hands, image=None)
