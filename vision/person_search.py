"""Finding a person MediaPipe's full-frame detector misses, and following them.

Role: an opt-in fallback of `MediaPipeTracker(person_search=True)` for
recordings where the person is small in the picture (a phone propped in the
corner of a room, a gym filmed from afar) or dark against a bright window.
MediaPipe pose shrinks the whole frame to its detector's small square input;
a person 90 px tall in a 480 px wide frame becomes about 40 px there and is
not found, although the landmark model, given a crop around them, tracks
them well (QUVA bar-lift clips: 0 of 404 frames found on the full frame,
most found on square crops).

How: when the full frame finds nobody, every SEARCH_EVERY_S seconds of
video the frame is searched in overlapping square tiles (the image's short
side, then TILE_SCALES of it, a third of a tile apart); a tile whose pose
shows both shoulders (visibility >= MIN_FOUND_VISIBILITY) gives a region of
interest around that person (ROI_MARGIN x their landmarks' box), which a
second pose model in tracking mode then follows frame by frame on that crop.
The region moves only when the person leaves its middle or changes size
(ROI_STICKY), so the model's own tracking inside it is not disturbed. When
the person is lost the full frame is tried again first.

Landmarks come back in full-frame normalized coordinates (z scaled like x,
as MediaPipe does); world landmarks are metric and hip-centred, so they need
no mapping. With several people in view, the first found is followed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from vision.bodyframe import LEFT_SHOULDER, RIGHT_SHOULDER

SEARCH_EVERY_S = 0.5
TILE_SCALES = (1.0, 0.6)  # tile side as a share of the image's short side
ROI_MARGIN = 1.6
ROI_MAX_SIDE_PX = 512  # crops are scaled down to this (the model reads 256 px)
MIN_FOUND_VISIBILITY = 0.5
ROI_STICKY = 0.15  # the region moves when the person's centre is off by this share of it
LANDMARK_VISIBILITY = 0.3  # landmarks that place the region


def tiles(width: int, height: int) -> list[tuple[int, int, int]]:
    """Overlapping square tiles (x0, y0, side) covering the image, largest first."""
    out: list[tuple[int, int, int]] = []
    short = min(width, height)
    for scale in TILE_SCALES:
        side = max(32, round(short * scale))
        step = max(1, side // 3)
        xs = sorted({*range(0, max(1, width - side + 1), step), max(0, width - side)})
        ys = sorted({*range(0, max(1, height - side + 1), step), max(0, height - side)})
        centre = (width / 2, height / 2)
        cells = [(x, y, side) for y in ys for x in xs]
        cells.sort(key=lambda c: (c[0] + c[2] / 2 - centre[0]) ** 2 + (c[1] + c[2] / 2 - centre[1]) ** 2)
        out.extend(cells)
    return out


def roi_around(pose: np.ndarray, width: int, height: int) -> tuple[int, int, int] | None:
    """A square region (x0, y0, side) in pixels around a pose's visible landmarks."""
    vis = pose[:, 3] >= LANDMARK_VISIBILITY
    if int(vis.sum()) < 4:
        return None
    px = pose[vis, :2].astype(np.float64) * (width, height)
    lo, hi = px.min(axis=0), px.max(axis=0)
    side = round(ROI_MARGIN * float(max(hi - lo)))
    if side < 16:
        return None
    cx, cy = 0.5 * (lo + hi)
    return round(cx - side / 2), round(cy - side / 2), side


def found(pose: np.ndarray | None) -> bool:
    return pose is not None and min(float(pose[LEFT_SHOULDER, 3]),
                                    float(pose[RIGHT_SHOULDER, 3])) >= MIN_FOUND_VISIBILITY


class PersonSearch:
    """Search tiles for a person, then follow them in a region of interest.

    `make_pose(static)` builds a MediaPipe pose model (static image mode for the
    search, tracking mode for following); `run(model, patch)` runs one on an RGB
    patch and returns (pose (33, 4) in patch coordinates, world (33, 3)) or None.
    """

    def __init__(self, make_pose: Callable[[bool], Any],
                 run: Callable[[Any, np.ndarray], tuple[np.ndarray, np.ndarray | None] | None],
                 crop: Callable[[np.ndarray, int, int, int, int], np.ndarray]) -> None:
        self._search = make_pose(True)
        self._follow = make_pose(False)
        self._run = run
        self._crop = crop
        self.roi: tuple[int, int, int] | None = None
        self._last_search_ns: int | None = None
        self.searches = 0
        self.followed = 0

    def _in_roi(self, model: Any, rgb: np.ndarray, roi: tuple[int, int, int]
                ) -> tuple[np.ndarray, np.ndarray | None] | None:
        h, w = rgb.shape[:2]
        x0, y0, side = roi
        got = self._run(model, self._crop(rgb, x0, y0, side, ROI_MAX_SIDE_PX))
        if got is None:
            return None
        pose, world = got
        pose = np.array(pose, dtype=np.float32)
        pose[:, 0] = (x0 + pose[:, 0] * side) / w
        pose[:, 1] = (y0 + pose[:, 1] * side) / h
        pose[:, 2] = pose[:, 2] * side / w
        return pose, world

    def _move(self, pose: np.ndarray, width: int, height: int) -> None:
        ideal = roi_around(pose, width, height)
        if ideal is None or self.roi is None:
            self.roi = ideal if ideal is not None else self.roi
            return
        x0, y0, side = self.roi
        ix, iy, iside = ideal
        off = np.hypot((ix + iside / 2) - (x0 + side / 2), (iy + iside / 2) - (y0 + side / 2))
        if off > ROI_STICKY * side or abs(iside - side) > 0.25 * side:
            self.roi = ideal

    def process(self, rgb: np.ndarray, t_ns: int) -> tuple[np.ndarray, np.ndarray | None] | None:
        """The person's pose on this frame (full-frame coordinates), or None."""
        h, w = rgb.shape[:2]
        if self.roi is not None:
            got = self._in_roi(self._follow, rgb, self.roi)
            if got is not None and found(got[0]):
                self.followed += 1
                self._move(got[0], w, h)
                return got
            self.roi = None
        if self._last_search_ns is not None and t_ns - self._last_search_ns < SEARCH_EVERY_S * 1e9:
            return None
        self._last_search_ns = t_ns
        self.searches += 1
        for tile in tiles(w, h):
            got = self._in_roi(self._search, rgb, tile)
            if got is None or not found(got[0]):
                continue
            self.roi = roi_around(got[0], w, h)
            if self.roi is None:
                continue
            followed = self._in_roi(self._follow, rgb, self.roi)
            return followed if followed is not None and found(followed[0]) else got
        return None

    def close(self) -> None:
        for m in (self._search, self._follow):
            m.close()
