"""Head-tracked ("fish-tank") perspective and side-by-side stereo: the pure math.

Why: on an ordinary screen, a scene drawn for where the patient's head really
is shows motion parallax, and a per-eye version of it is stereo for phone VR
viewers and 3D displays. No OpenGL is needed (it must run headless here): the
screen is treated as a window into the scene.

Frame (metres): origin at the screen's centre, x to the viewer's right, y up,
z out of the screen toward the viewer. The eye is at E = (ex, ey, ez), ez > 0
its distance from the screen. A point P projects where the line from E
through P meets the screen plane z = 0 (an off-axis projection, the correct
one for a head-tracked window):

    t = ez / (ez - pz);   screen = E.xy + t (P.xy - E.xy)

Consequences the tests check: a point ON the screen never moves; a point
behind it (pz < 0) moves with the head by (1 - t) of the head's motion; one
in front (pz > 0) moves against it. For two eyes IPD apart, the horizontal
disparity (right-eye x minus left-eye x) of a point is IPD * (-pz) / (ez - pz):
zero on the screen, positive (uncrossed) behind it, negative in front.

Comfort (docs/vr.md): the head position is smoothed and clamped
(`HeadTracker`), only translation is used (no roll: the horizon stays fixed),
nothing moves the viewpoint but the patient's own head.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from vision.filters import OneEuroFilter

IPD_M = 0.063  # default interpupillary distance (the plan may set another)
VIEW_DISTANCE_M = 0.6  # a seated patient's eyes from the screen, when not measured
MAX_HEAD_OFFSET_M = 0.25  # comfort: the viewpoint never leaves this box around the centre
MIN_EYE_DISTANCE_M = 0.2


@dataclass(frozen=True, slots=True)
class Screen:
    """The physical screen: its size in metres and in pixels."""

    width_m: float
    height_m: float
    width_px: int
    height_px: int

    def to_px(self, xy_m: np.ndarray) -> np.ndarray:
        """Screen-plane metres (origin centre, y up) -> pixels (origin top-left, y down)."""
        xy = np.asarray(xy_m, float)
        u = (xy[..., 0] / self.width_m + 0.5) * self.width_px
        v = (0.5 - xy[..., 1] / self.height_m) * self.height_px
        return np.stack([u, v], axis=-1)


def project(points: np.ndarray, eye: np.ndarray) -> np.ndarray:
    """(N, 3) scene points -> (N, 2) screen-plane metres seen from `eye`.
    Points at or behind the eye's plane (pz >= ez) come back NaN (not drawable)."""
    p = np.atleast_2d(np.asarray(points, float))
    e = np.asarray(eye, float)
    if e[2] <= 0:
        raise ValueError("the eye must be in front of the screen (ez > 0)")
    den = e[2] - p[:, 2]
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(den > 1e-9, e[2] / den, np.nan)
    return e[:2] + t[:, None] * (p[:, :2] - e[:2])


def eyes(head: np.ndarray, ipd: float = IPD_M) -> tuple[np.ndarray, np.ndarray]:
    """Left and right eye positions for a head (the eyes' midpoint); no roll, so the
    eyes stay level whatever the head does (fixed horizon)."""
    h = np.asarray(head, float)
    half = np.array([ipd / 2.0, 0.0, 0.0])
    return h - half, h + half


def disparity(points: np.ndarray, head: np.ndarray, ipd: float = IPD_M) -> np.ndarray:
    """Horizontal screen disparity (metres, right eye minus left eye) of each point."""
    left, right = eyes(head, ipd)
    return project(points, right)[:, 0] - project(points, left)[:, 0]


class HeadTracker:
    """Head (eye midpoint) position in the screen frame from the pose, smoothed and
    clamped for comfort.

    The camera sits at the screen's centre looking at the patient, so the
    patient's move to THEIR right appears to the camera's image LEFT in an
    unmirrored frame: screen x = -(u - 0.5) * metres per image width. Distance
    from the eyes' pixel separation with a typical IPD (pinhole: ez = f * IPD /
    separation), `focal_px` the camera's focal length in pixels."""

    def __init__(self, focal_px: float, image_width_px: int, *, ipd: float = IPD_M,
                 min_cutoff: float = 0.5, beta: float = 0.3) -> None:
        self.focal_px = float(focal_px)
        self.image_width_px = int(image_width_px)
        self.ipd = ipd
        self._filter = OneEuroFilter(min_cutoff, beta)
        self.head = np.array([0.0, 0.0, VIEW_DISTANCE_M])

    def update(self, t: float, left_eye_uv: tuple[float, float] | None,
               right_eye_uv: tuple[float, float] | None, aspect: float) -> np.ndarray:
        """`*_eye_uv`: normalised image coordinates of the eyes (None: keep the last
        head, never jump); `aspect` = image height / width."""
        if left_eye_uv is None or right_eye_uv is None:
            return self.head
        lu, lv = left_eye_uv
        ru, rv = right_eye_uv
        sep_px = math.hypot((lu - ru) * self.image_width_px,
                            (lv - rv) * self.image_width_px * aspect)
        if sep_px < 1.0:
            return self.head
        z = max(self.focal_px * self.ipd / sep_px, MIN_EYE_DISTANCE_M)
        m_per_px = z / self.focal_px
        u, v = (lu + ru) / 2.0, (lv + rv) / 2.0
        x = -(u - 0.5) * self.image_width_px * m_per_px
        y = -(v - 0.5) * self.image_width_px * aspect * m_per_px
        raw = np.array([np.clip(x, -MAX_HEAD_OFFSET_M, MAX_HEAD_OFFSET_M),
                        np.clip(y, -MAX_HEAD_OFFSET_M, MAX_HEAD_OFFSET_M), z])
        self.head = np.asarray(self._filter(t, raw).value, float)
        return self.head
