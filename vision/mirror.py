"""Mirror therapy: show the unaffected limb's movement as the affected limb's.

Role: the one place that reflects a tracked frame about the BODY midline
(the shoulder midpoint's x; CLINICAL.md section 5), never the image centre:
a patient sitting off-centre still sees their own body split down the
middle. Two things are reflected, consistently:

  * the landmarks (`mirror_landmarks`): x' = 2 x_m - x, left/right pose
    landmarks swapped, hands reflected with their ANATOMICAL label swapped
    (a reflected left hand is drawn, tracked and played as a right hand).
    The game applies `MirrorTransform.apply` to every BodyFrame before the
    IntentsBuilder, so the exercises are unchanged: the affected hand's
    intent simply follows the unaffected hand.
  * the camera image (`mirror_image`, pure numpy/cv2, no pygame): in
    "split" the unaffected half, reflected about x_m, is composited over
    the affected half with a soft seam (a feathered alpha FEATHER_FRACTION
    of a shoulder width wide, centred on the midline); in "swap" the whole
    image is reflected about x_m.

Modes: "off", "split" (the affected side replaced by the mirrored
unaffected side), "swap" (everything reflected). Mirroring can worsen pain
in some patients (CRPS), so `MirrorTransform.enabled` is an instant
"unmirror" switch that leaves frames untouched; the game flips it from the
M key and an on-screen button and records each change as a MIRROR_MODE
event (this module imports nothing from exercises or the game).

Image coordinates: frames carry the UNMIRRORED camera image, so the
patient's right side is on the image's LEFT (x < x_m). Pixel i's centre is
at i + 0.5, so its reflection about x_m (pixels) is source pixel 2 x_m - 1 - i.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

import cv2
import numpy as np

from vision.body_model import (
    mirror_axis_x,
    mirror_hand,
    mirror_pose,
    mirror_world,
    shoulder_width_px,
)
from vision.bodyframe import (
    LEFT_HIP,
    LEFT_SHOULDER,
    POSE_LR_PAIRS,
    RIGHT_HIP,
    RIGHT_SHOULDER,
    BodyFrame,
)

MirrorMode = Literal["off", "split", "swap"]
Side = Literal["left", "right"]
MODES: tuple[MirrorMode, ...] = ("off", "split", "swap")

FEATHER_FRACTION = 0.04  # seam width as a fraction of the shoulder width
MIN_FEATHER_PX = 2.0
SHOULDER_VISIBILITY = 0.5  # below this the hips give the midline


def midline_x(pose: np.ndarray) -> float:
    """Normalised x of the body midline: the shoulders' midpoint (the hips' if the
    shoulders are not both visible and the hips are)."""
    p = np.asarray(pose)
    if p.shape[1] >= 4:
        sv = min(float(p[LEFT_SHOULDER, 3]), float(p[RIGHT_SHOULDER, 3]))
        hv = min(float(p[LEFT_HIP, 3]), float(p[RIGHT_HIP, 3]))
        if sv < SHOULDER_VISIBILITY <= hv:
            return 0.5 * (float(p[LEFT_HIP, 0]) + float(p[RIGHT_HIP, 0]))
    return mirror_axis_x(p)


def _check(mode: str, affected_side: str) -> None:
    if mode not in MODES:
        raise ValueError(f"unknown mirror mode {mode!r}; expected one of {', '.join(MODES)}")
    if affected_side not in ("left", "right"):
        raise ValueError(f"affected side must be left or right, got {affected_side!r}")


def _affected_indices(affected_side: Side) -> np.ndarray:
    """Pose indices of the affected side (MediaPipe: odd = left, even = right, in the LR pairs)."""
    return np.array([b if affected_side == "right" else a for a, b in POSE_LR_PAIRS])


def mirror_landmarks(frame: BodyFrame, mode: MirrorMode, affected_side: Side,
                     axis_x: float | None = None) -> BodyFrame:
    """The frame's landmarks as the mirror view shows them (image untouched).

    Without a pose there is no midline and the frame comes back unchanged.
    """
    _check(mode, affected_side)
    if mode == "off" or frame.pose is None:
        return frame
    ax = midline_x(frame.pose) if axis_x is None else axis_x
    reflected = mirror_pose(frame.pose, ax)
    world = frame.pose_world
    reflected_world = mirror_world(world) if world is not None else None
    affected_label = "Right" if affected_side == "right" else "Left"
    if mode == "swap":
        hands = tuple(mirror_hand(h, ax) for h in frame.hands)
        return replace(frame, pose=reflected, pose_world=reflected_world, hands=hands)
    idx = _affected_indices(affected_side)
    pose = np.array(frame.pose, copy=True)
    pose[idx] = reflected[idx]
    new_world = None
    if world is not None and reflected_world is not None:
        new_world = np.array(world, copy=True)
        new_world[idx] = reflected_world[idx]
    kept = tuple(h for h in frame.hands if h.handedness != affected_label)
    copied = tuple(mirror_hand(h, ax) for h in kept)  # the unaffected hand, as the affected one
    return replace(frame, pose=pose, pose_world=new_world, hands=kept + copied)


def feather_px_for(frame: BodyFrame, fraction: float = FEATHER_FRACTION) -> float:
    if frame.pose is None:
        return MIN_FEATHER_PX
    return max(MIN_FEATHER_PX, fraction * shoulder_width_px(frame.pose, frame.width, frame.height))


def reflect_image(image: np.ndarray, axis_px: float) -> np.ndarray:
    """The whole image reflected about the vertical line x = axis_px (black where nothing maps)."""
    h, w = image.shape[:2]
    m = np.array([[-1.0, 0.0, 2.0 * axis_px - 1.0], [0.0, 1.0, 0.0]], dtype=np.float64)
    return cv2.warpAffine(image, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                          borderValue=(0, 0, 0, 0))


def seam_alpha(width: int, axis_px: float, feather_px: float, affected_side: Side) -> np.ndarray:
    """(width,) float32 weight of the reflected image per column: 1 on the affected side,
    0 on the unaffected side, a smoothstep across `feather_px` centred on the midline."""
    centres = np.arange(width, dtype=np.float64) + 0.5
    s = np.clip((centres - axis_px) / max(feather_px, 1e-6) + 0.5, 0.0, 1.0)
    s = s * s * (3.0 - 2.0 * s)  # 0 left of the seam, 1 right of it
    # The patient's right is on the image's left (unmirrored camera image).
    return (1.0 - s if affected_side == "right" else s).astype(np.float32)


def mirror_image(image: np.ndarray, axis_px: float, mode: MirrorMode, affected_side: Side,
                 feather_px: float = MIN_FEATHER_PX) -> np.ndarray:
    """The camera image (BGR or grey uint8, unmirrored) as the mirror view shows it.

    "split": the unaffected half reflected over the affected half, feathered
    at the seam; "swap": the whole image reflected about the body midline.
    Only the columns across the seam are blended; the rest are copies.
    """
    _check(mode, affected_side)
    if mode == "off":
        return image
    reflected = reflect_image(image, axis_px)
    if mode == "swap":
        return reflected
    w = image.shape[1]
    alpha = seam_alpha(w, axis_px, feather_px, affected_side)
    out = image.copy()
    full = alpha >= 1.0
    out[:, full] = reflected[:, full]
    band = np.nonzero((alpha > 0.0) & (alpha < 1.0))[0]
    if band.size:
        a = alpha[band].reshape(1, -1, *([1] * (image.ndim - 2)))
        lo, hi = int(band[0]), int(band[-1]) + 1
        mixed = image[:, lo:hi].astype(np.float32) * (1.0 - a) + reflected[:, lo:hi].astype(np.float32) * a
        out[:, lo:hi] = np.clip(mixed + 0.5, 0, 255).astype(image.dtype)
    return out


@dataclass
class MirrorTransform:
    """Applied by the game to each BodyFrame before the IntentsBuilder.

    `enabled` False is the instant unmirror: frames pass through unchanged.
    `effective_mode` is what is shown now (what MIRROR_MODE events record).
    """

    mode: MirrorMode = "split"
    affected_side: Side = "right"
    enabled: bool = True
    feather_fraction: float = FEATHER_FRACTION
    mirror_video: bool = True

    def __post_init__(self) -> None:
        _check(self.mode, self.affected_side)

    @property
    def effective_mode(self) -> MirrorMode:
        return self.mode if self.enabled else "off"

    def toggle(self) -> MirrorMode:
        """The M key / on-screen button: mirror off at once, or back on."""
        self.enabled = not self.enabled
        return self.effective_mode

    def set_mode(self, mode: MirrorMode) -> MirrorMode:
        _check(mode, self.affected_side)
        self.mode = mode
        return self.effective_mode

    def apply(self, frame: BodyFrame) -> BodyFrame:
        mode = self.effective_mode
        if mode == "off" or frame.pose is None:
            return frame
        ax = midline_x(frame.pose)
        out = mirror_landmarks(frame, mode, self.affected_side, ax)
        if self.mirror_video and frame.image is not None:
            fw = feather_px_for(frame, self.feather_fraction)
            img = mirror_image(frame.image, ax * frame.image.shape[1], mode, self.affected_side, fw)
            out = replace(out, image=img)
        return out
