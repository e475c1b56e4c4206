"""Image -> `BodyFrame`: MediaPipe pose (and hands, only when asked).

Role: the only module that calls MediaPipe. Two implementations of one
`Tracker` Protocol (`process(image_bgr, t_ns, index) -> BodyFrame`):

* `MediaPipeTracker` (default, offline): legacy `mp.solutions.pose` with
  `model_complexity=1` (the only pose model shipped in the mediapipe 0.10.21
  wheel) in tracking (video) mode, plus `mp.solutions.hands` when
  `hands=True`. In video mode hands are found in a crop around the hand of
  each arm in `arms` (only the arm a hand game plays with: each arm costs a
  hand model run per frame), placed from the previous frame's pose, 1.2
  shoulder widths square, one single-hand model per arm, run concurrently
  with pose in threads (MediaPipe's `process()` releases the GIL): frame
  n's pose and hands at once, so a frame costs the slower of the two, not
  their sum, and no frame of latency is added. That is cheaper than the
  full-frame two-hand model (which re-runs palm detection every frame while
  fewer than two hands are in view), finds small, distant hands better, and
  gives handedness from the body itself. `same_frame_crops=True` places the
  crops from this frame's pose instead (pose, then hands: their sum),
  `hand_roi=False` (and still images, `static_image_mode=True`) use the
  full-frame model; benchmarks/tracking.py measures all of them.
* `TasksPoseTracker`: the Tasks API `PoseLandmarker` in VIDEO mode with a
  user-supplied `.task` model whose sha256 is checked against a hash given
  by the user or a sidecar file `<model>.sha256`.

Small or dark people (`person_search=True`, off by default; `neuroplay assess`
turns it on): when the full frame finds nobody, vision.person_search looks
for the person in square tiles and follows them in a crop, which MediaPipe's
downscaled full-frame detector misses (a person 90 px tall in a 480 px frame).

Which person: MediaPipe pose tracks ONE person. In tracking mode it detects
once, then follows that person's region from frame to frame and only
re-detects when tracking confidence drops, so with several people in view
the one first found (usually the largest, most central) stays selected until
lost. Hands are not tied to that person by MediaPipe; `BodyFrame.hand()` and
the intents builder pick by anatomical label.

Handedness: MediaPipe Hands labels hands as if the image were a mirrored
selfie. Our frames are UNMIRRORED camera images, so the label is swapped to
give the ANATOMICAL hand ("Right" = the patient's right hand).
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import cv2
import numpy as np

from vision.bodyframe import N_HAND, BodyFrame, Hand

if TYPE_CHECKING:
    from typing_extensions import Self  # typing.Self from Python 3.11


class TrackerError(Exception):
    """A tracker that cannot start (missing or mismatched model file); one-line message."""


class Tracker(Protocol):
    hands: bool

    def process(self, image_bgr: np.ndarray, t_ns: int, index: int) -> BodyFrame: ...

    def close(self) -> None: ...


def _landmarks_array(lms: Any, n: int, with_visibility: bool) -> np.ndarray:
    cols = 4 if with_visibility else 3
    out = np.empty((n, cols), np.float32)
    for i, lm in enumerate(lms):
        out[i, 0], out[i, 1], out[i, 2] = lm.x, lm.y, lm.z
        if with_visibility:
            out[i, 3] = lm.visibility
    return out


ANATOMICAL = {"Left": "Right", "Right": "Left"}


def hands_from_result(res: Any) -> tuple[Hand, ...]:  # an untyped mediapipe result
    """Hands from a `solutions.hands` result, labels swapped to anatomical."""
    if not res.multi_hand_landmarks:
        return ()
    out: list[Hand] = []
    worlds = res.multi_hand_world_landmarks or [None] * len(res.multi_hand_landmarks)
    for lms, cls, world in zip(res.multi_hand_landmarks, res.multi_handedness, worlds):
        c = cls.classification[0]
        w = _landmarks_array(world.landmark, N_HAND, False) if world is not None else None
        out.append(Hand(_landmarks_array(lms.landmark, N_HAND, False), ANATOMICAL[c.label],  # type: ignore[arg-type]
                        float(c.score), w))
    return tuple(out)


class MediaPipeTracker:
    """Legacy MediaPipe solutions, offline. One instance per video stream (it tracks)."""

    def __init__(self, *, hands: bool = False, static_image_mode: bool = False, max_hands: int = 2,
                 hand_complexity: int = 1, min_detection_confidence: float = 0.5,
                 min_tracking_confidence: float = 0.5, concurrent: bool = True,
                 hand_roi: bool = True, arms: Sequence[str] = ("left", "right"),
                 same_frame_crops: bool = False, person_search: bool = False) -> None:
        os.environ.setdefault("GLOG_minloglevel", "2")  # keep MediaPipe's C++ log off the patient's terminal
        import mediapipe as mp  # heavy import, only when a tracker is made

        self.hands = hands
        self.arms = tuple(a for a in ("left", "right") if a in arms)
        self._same_frame_crops = same_frame_crops

        def make_pose(static: bool) -> Any:
            return mp.solutions.pose.Pose(
                static_image_mode=static, model_complexity=1, smooth_landmarks=True,
                enable_segmentation=False, min_detection_confidence=min_detection_confidence,
                min_tracking_confidence=min_tracking_confidence)

        self._pose = make_pose(static_image_mode)
        self._search: Any = None
        if person_search and not static_image_mode:
            from vision.person_search import PersonSearch

            self._search = PersonSearch(make_pose, _run_pose, crop_square)
        self._hands = None
        self._pool: ThreadPoolExecutor | None = None
        self._roi_hands: dict[str, Any] = {}
        self._prev_pose: np.ndarray | None = None
        self._closed = False
        if hands and hand_roi and not static_image_mode:
            for side in self.arms:
                self._roi_hands[side] = mp.solutions.hands.Hands(
                    static_image_mode=False, max_num_hands=1, model_complexity=hand_complexity,
                    min_detection_confidence=min_detection_confidence,
                    min_tracking_confidence=min_tracking_confidence)
            if concurrent and not same_frame_crops:
                self._pool = ThreadPoolExecutor(max_workers=len(self.arms), thread_name_prefix="mp-hands")
        elif hands:
            self._hands = mp.solutions.hands.Hands(
                static_image_mode=static_image_mode, max_num_hands=max_hands,
                model_complexity=hand_complexity, min_detection_confidence=min_detection_confidence,
                min_tracking_confidence=min_tracking_confidence)
            if concurrent:
                self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mp-hands")

    def process(self, image_bgr: np.ndarray, t_ns: int, index: int) -> BodyFrame:
        if self._roi_hands:
            return self._process_roi(image_bgr, t_ns, index)
        h, w = image_bgr.shape[:2]
        rgb = cv2.cvtColor(image_bgr, cv2.COLOR_BGR2RGB)
        rgb.flags.writeable = False
        hands_fut: Future[Any] | None = None
        hands_res: Any = None
        if self._hands is not None and self._pool is not None:
            hands_fut = self._pool.submit(self._hands.process, rgb)
        elif self._hands is not None:
            hands_res = self._hands.process(rgb)
        pose, world = self._body(rgb, t_ns)
        if hands_fut is not None:
            hands_res = hands_fut.result()
        hands = hands_from_result(hands_res) if hands_res is not None else ()
        return BodyFrame(index=index, t_ns=t_ns, width=w, height=h, pose=pose, pose_world=world,
                         hands=hands, hands_tracked=self._hands is not None,
                         t_inferred_ns=time.monotonic_ns())

    def _process_roi(self, image_bgr: np.ndarray, t_ns: int, index: int) -> BodyFrame:
        """Pose on the frame and one hand model per arm on a crop around that arm's hand.

        The crops come from the PREVIOUS frame's pose (so all three models run at
        once); a crop is 1.2 shoulder widths square, generous enough for a frame
        of motion. Each crop's hand is that arm's: handedness comes from the
        body, not from the hand classifier, unless the classifier is confident
        the crop holds the other hand (hands close together), which is dropped.
        """
        h, w = image_bgr.shape[:2]
        rgb = cv2.cvtColor(image_bgr, cv2.COLOR_BGR2RGB)
        rgb.flags.writeable = False
        body: tuple[np.ndarray | None, np.ndarray | None] | None = None
        if self._prev_pose is None or self._same_frame_crops:  # pose first, then hands from it
            body = self._body(rgb, t_ns)
            self._prev_pose = body[0]
        crops = hand_crops(self._prev_pose, w, h) if self._prev_pose is not None else {}
        crops = {side: c for side, c in crops.items() if side in self._roi_hands}
        jobs: dict[str, Any] = {}
        for side, (x0, y0, size) in crops.items():
            patch = crop_square(rgb, x0, y0, size, ROI_SIDE_PX)
            if self._pool is not None:
                jobs[side] = self._pool.submit(self._roi_hands[side].process, patch)
            else:
                jobs[side] = self._roi_hands[side].process(patch)
        if body is None:
            body = self._body(rgb, t_ns)
        hands: list[Hand] = []
        for side, job in jobs.items():
            res = job.result() if isinstance(job, Future) else job
            if not res.multi_hand_landmarks:
                continue
            c = res.multi_handedness[0].classification[0]
            label = "Left" if side == "left" else "Right"
            if ANATOMICAL[c.label] != label and c.score > 0.8:
                continue
            x0, y0, size = crops[side]
            lm = _landmarks_array(res.multi_hand_landmarks[0].landmark, N_HAND, False)
            lm[:, 0] = (x0 + lm[:, 0] * size) / w
            lm[:, 1] = (y0 + lm[:, 1] * size) / h
            lm[:, 2] = lm[:, 2] * size / w
            world = None
            if res.multi_hand_world_landmarks:
                world = _landmarks_array(res.multi_hand_world_landmarks[0].landmark, N_HAND, False)
            hands.append(Hand(lm, label, float(c.score), world))  # type: ignore[arg-type]
        pose, world_pose = body
        self._prev_pose = pose
        return BodyFrame(index=index, t_ns=t_ns, width=w, height=h, pose=pose, pose_world=world_pose,
                         hands=tuple(hands), hands_tracked=True, t_inferred_ns=time.monotonic_ns())

    def _body(self, rgb: np.ndarray, t_ns: int) -> tuple[np.ndarray | None, np.ndarray | None]:
        """(pose, world) of the frame: the full-frame model, else (with `person_search`)
        the person found in a crop (vision.person_search)."""
        if self._search is None or self._search.roi is None:
            got = _run_pose(self._pose, rgb)
            if got is not None or self._search is None:
                return got if got is not None else (None, None)
        found = self._search.process(rgb, t_ns)
        return found if found is not None else (None, None)

    def close(self) -> None:
        """Release the models; safe to call twice."""
        if self._closed:
            return
        self._closed = True
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
        for m in (self._pose, self._hands, *self._roi_hands.values()):
            if m is not None:
                m.close()
        if self._search is not None:
            self._search.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _run_pose(model: Any, rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray | None] | None:
    """One pose model on one RGB image: (pose (33, 4), world (33, 3) or None), or None."""
    res = model.process(rgb)
    if res.pose_landmarks is None:
        return None
    world = None
    if res.pose_world_landmarks is not None:
        world = _landmarks_array(res.pose_world_landmarks.landmark, 33, False)
    return _landmarks_array(res.pose_landmarks.landmark, 33, True), world


ROI_SIDE_PX = 256  # hand crops are scaled down to at most this (the models read 192-224 px)
ROI_SHOULDER_WIDTHS = 1.2  # crop side in shoulder widths: a whole hand in any pose, plus motion
ROI_MIN_VISIBILITY = 0.3


def hand_crops(pose: np.ndarray, width: int, height: int) -> dict[str, tuple[int, int, int]]:
    """Square crops (x0, y0, side) in pixels around each visible hand of `pose`."""
    from vision.bodyframe import (
        LEFT_INDEX,
        LEFT_PINKY,
        LEFT_SHOULDER,
        LEFT_WRIST,
        RIGHT_INDEX,
        RIGHT_PINKY,
        RIGHT_SHOULDER,
        RIGHT_WRIST,
    )

    px = pose[:, :2].astype(np.float64) * (width, height)
    sw = float(np.linalg.norm(px[LEFT_SHOULDER] - px[RIGHT_SHOULDER]))
    side_px = round(min(max(ROI_SHOULDER_WIDTHS * sw, 48.0), max(width, height)))
    out: dict[str, tuple[int, int, int]] = {}
    for side, (wr, ix, pk) in (("left", (LEFT_WRIST, LEFT_INDEX, LEFT_PINKY)),
                               ("right", (RIGHT_WRIST, RIGHT_INDEX, RIGHT_PINKY))):
        if pose[wr, 3] < ROI_MIN_VISIBILITY:
            continue
        knuckles = 0.5 * (px[ix] + px[pk])
        centre = knuckles + 0.25 * (knuckles - px[wr])  # about the middle of the hand
        x0 = round(centre[0] - side_px / 2)
        y0 = round(centre[1] - side_px / 2)
        if x0 + side_px <= 0 or y0 + side_px <= 0 or x0 >= width or y0 >= height:
            continue
        out[side] = (x0, y0, side_px)
    return out


def crop_square(img: np.ndarray, x0: int, y0: int, size: int, max_side: int) -> np.ndarray:
    """img[y0:y0+size, x0:x0+size] with black padding outside the image, scaled to <= max_side."""
    h, w = img.shape[:2]
    xa, ya, xb, yb = max(x0, 0), max(y0, 0), min(x0 + size, w), min(y0 + size, h)
    if (xa, ya, xb, yb) == (x0, y0, x0 + size, y0 + size):
        patch = img[ya:yb, xa:xb]
    else:
        patch = np.zeros((size, size, img.shape[2]), img.dtype)
        patch[ya - y0:yb - y0, xa - x0:xb - x0] = img[ya:yb, xa:xb]
    if size > max_side:
        patch = cv2.resize(patch, (max_side, max_side), interpolation=cv2.INTER_AREA)
    else:
        patch = np.ascontiguousarray(patch)
    patch.flags.writeable = False
    return patch


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def verify_model(path: str | os.PathLike[str], sha256: str | None = None) -> Path:
    """Check a `.task` model file against the expected sha256 (argument or sidecar)."""
    p = Path(path)
    if not p.is_file():
        raise TrackerError(f"{p}: model file not found")
    expected = sha256
    sidecar = p.with_name(p.name + ".sha256")
    if expected is None and sidecar.is_file():
        text = sidecar.read_text(encoding="utf-8").split()
        expected = text[0] if text else None
    if not expected:
        raise TrackerError(f"{p}: no expected sha256 (pass one, or put it in {sidecar.name})")
    expected = expected.strip().lower()
    actual = file_sha256(p)
    if actual != expected:
        raise TrackerError(f"{p}: sha256 mismatch (expected {expected[:12]}..., file is {actual[:12]}...)")
    return p


class TasksPoseTracker:
    """Tasks API `PoseLandmarker` (VIDEO mode) on a user-supplied, hash-checked `.task` model."""

    hands = False

    def __init__(self, model_path: str | os.PathLike[str], *, sha256: str | None = None,
                 num_poses: int = 1) -> None:
        p = verify_model(model_path, sha256)
        from mediapipe.tasks.python import BaseOptions
        from mediapipe.tasks.python import vision as mpv

        opts = mpv.PoseLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(p)), running_mode=mpv.RunningMode.VIDEO,
            num_poses=num_poses)
        try:
            self._lm = mpv.PoseLandmarker.create_from_options(opts)
        except (RuntimeError, ValueError) as exc:
            raise TrackerError(f"{p}: not a usable pose landmarker model ({exc})") from exc
        self._last_ms = -1

    def process(self, image_bgr: np.ndarray, t_ns: int, index: int) -> BodyFrame:
        import mediapipe as mp

        h, w = image_bgr.shape[:2]
        rgb = cv2.cvtColor(image_bgr, cv2.COLOR_BGR2RGB)
        ms = max(t_ns // 1_000_000, self._last_ms + 1)  # VIDEO mode needs strictly increasing ms
        self._last_ms = ms
        res = self._lm.detect_for_video(mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb), int(ms))
        pose = world = None
        if res.pose_landmarks:
            lms = res.pose_landmarks[0]
            pose = np.array([[lm.x, lm.y, lm.z, lm.visibility or 0.0] for lm in lms], np.float32)
            if res.pose_world_landmarks:
                world = np.array([[lm.x, lm.y, lm.z] for lm in res.pose_world_landmarks[0]], np.float32)
        return BodyFrame(index=index, t_ns=t_ns, width=w, height=h, pose=pose, pose_world=world,
                         t_inferred_ns=time.monotonic_ns())

    def close(self) -> None:
        if self._lm is not None:
            self._lm.close()
            self._lm = None
