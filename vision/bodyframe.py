"""The one type that crosses every boundary: a tracked camera frame.

A `BodyFrame` is what a source (camera, video, replay, virtual patient)
yields after tracking. It carries its capture timestamp (monotonic ns) so
latency can be measured and replays are exact. Arrays are never mutated
after construction; treat them as read-only.

Coordinates:
  * `pose[:, 0:2]` and hand landmarks are MediaPipe *normalized image*
    coordinates of the UNMIRRORED camera image (x right, y down, 0..1).
  * `pose[:, 2]` is MediaPipe's relative depth, `pose[:, 3]` visibility 0..1.
  * `pose_world` is MediaPipe's metric world landmarks (metres, hip origin).
  * `Hand.handedness` is the person's ANATOMICAL hand ("Left" = the
    patient's own left hand), already corrected for MediaPipe's selfie
    assumption by the tracker.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np

Side = Literal["left", "right"]
Handedness = Literal["Left", "Right"]

N_POSE = 33
N_HAND = 21

# MediaPipe pose landmark indices used across the code base.
NOSE = 0
LEFT_SHOULDER, RIGHT_SHOULDER = 11, 12
LEFT_ELBOW, RIGHT_ELBOW = 13, 14
LEFT_WRIST, RIGHT_WRIST = 15, 16
LEFT_PINKY, RIGHT_PINKY = 17, 18
LEFT_INDEX, RIGHT_INDEX = 19, 20
LEFT_THUMB, RIGHT_THUMB = 21, 22
LEFT_HIP, RIGHT_HIP = 23, 24

# MediaPipe hand landmark indices.
HAND_WRIST = 0
THUMB_TIP = 4
INDEX_MCP = 5
INDEX_TIP = 8
MIDDLE_TIP = 12
RING_TIP = 16
PINKY_TIP = 20

# Left/right pairs of pose landmarks; used by the mirror transform.
POSE_LR_PAIRS: tuple[tuple[int, int], ...] = (
    (1, 4), (2, 5), (3, 6), (7, 8), (9, 10), (11, 12), (13, 14), (15, 16),
    (17, 18), (19, 20), (21, 22), (23, 24), (25, 26), (27, 28), (29, 30), (31, 32),
)


@dataclass(frozen=True, slots=True)
class Hand:
    """One tracked hand: 21 landmarks in normalized image coordinates."""

    landmarks: np.ndarray  # (21, 3) float32: x, y (normalized image), z (relative)
    handedness: Handedness  # anatomical: the patient's own Left or Right hand
    score: float
    world: np.ndarray | None = None  # (21, 3) float32 metres, when the tracker gives it


@dataclass(frozen=True, slots=True)
class BodyFrame:
    """A tracked frame. `pose is None` means no body was found."""

    index: int
    t_ns: int  # capture time, monotonic ns (time.monotonic_ns() or the replay's clock)
    width: int  # source image size in pixels (after any aspect-ratio correction)
    height: int
    pose: np.ndarray | None = None  # (33, 4) float32: x, y, z, visibility
    pose_world: np.ndarray | None = None  # (33, 3) float32 metres
    hands: tuple[Hand, ...] = ()
    hands_tracked: bool = False  # was hand tracking run on this frame at all
    t_inferred_ns: int = 0  # when tracking finished (0 if unknown)
    image: np.ndarray | None = field(default=None, compare=False, repr=False)
    # ^ optional BGR uint8 camera image for display only; never stored.

    @property
    def t(self) -> float:
        """Capture time in seconds."""
        return self.t_ns / 1e9

    @property
    def pose_present(self) -> bool:
        return self.pose is not None

    def hand(self, handedness: Handedness) -> Hand | None:
        """The patient's anatomical left or right hand, if tracked."""
        best: Hand | None = None
        for h in self.hands:
            if h.handedness == handedness and (best is None or h.score > best.score):
                best = h
        return best
