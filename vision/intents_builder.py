"""Tracked frames -> `Intents`: what every game reads from the camera.

Role: the single bridge from landmarks to game input. Per frame it
  * places each hand centre (mean of the pose wrist, index and pinky
    landmarks) in body units of the calibrated reference, One-Euro filtered
    in time (seconds from capture stamps);
  * with hand landmarks (`hands=True`), adds `pinch` = |thumb tip 4 - index
    tip 8| / |wrist 0 - index MCP 5| and `grasp` = mean |fingertip 8/12/16/20 -
    wrist| / |wrist - index MCP| (CLINICAL.md section 2), measured in pixels
    so non-square frames stay right; these ratios are left unfiltered (the
    games apply hysteresis and their own low-pass);
  * reports the trunk relative to the calibrated neutral posture
    (`trunk_dx/dy` in body units, lean and shoulder-line rotation in degrees
    minus their neutral means);
  * judges tracking: `body_visible`, `tracking_quality` (mean visibility of
    the landmarks in use / (1 + jitter / JITTER_SCALE); jitter is how much
    the raw hand's constant-velocity prediction error exceeds its own
    frame-to-frame step, in units of the body's current size in the image,
    so fast smooth reaches and sweeps are not penalised and a calibration
    taken side-on does not inflate it) and one `cue` when the player must
    act, judged on what THIS game needs (`_judge`):
      - hand games (`hands=True`): too_dark, step_back (wrist in use past
        the top or a side), arm_not_visible (wrist, or an elbow inside the
        picture, visibility < 0.5, CLINICAL.md section 7), hand_not_visible
        (hand landmarks missing, or the wrist below the picture). Shoulders
        and hips may be out of view;
      - body games: too_dark, move_into_frame (shoulders), step_back,
        move_into_frame (hips), arm_not_visible, hand_not_visible.
Without a calibration the frame's own shoulders are the reference
(docs/CONTRACTS.md), so trunk displacement is then always zero.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from vision.body_model import (
    BodyReference,
    reference_from_pose,
    shoulder_midpoint_px,
    shoulder_rotation_deg,
    shoulder_width_px,
    to_body,
    trunk_lean_deg,
)
from vision.bodyframe import (
    HAND_WRIST,
    INDEX_MCP,
    INDEX_TIP,
    LEFT_ELBOW,
    LEFT_HIP,
    LEFT_SHOULDER,
    LEFT_WRIST,
    MIDDLE_TIP,
    PINKY_TIP,
    RIGHT_ELBOW,
    RIGHT_HIP,
    RIGHT_SHOULDER,
    RIGHT_WRIST,
    RING_TIP,
    THUMB_TIP,
    BodyFrame,
    Hand,
)
from vision.calibration import HAND_POINTS, Calibration, Side, hand_centre_norm
from vision.filters import OneEuroFilter
from vision.forward import ForwardTracker
from vision.intents import Cue, HandIntent, Intents

VISIBILITY_MIN = 0.5  # CLINICAL.md section 7: pause below this
STEP_BACK_SHOULDER_FRACTION = 0.40  # shoulders wider than this share of the image: too close
DARK_LUMA = 35.0  # mean luminance (0-255) below which the image is too dark to track
# Hips may sit this far (fraction of the image height) below the bottom edge. A seated patient
# framed waist-up, the usual home set-up, has MediaPipe's (extrapolated) hips at about 1.1-1.2
# (sagor_elbow_flexion.mp4); only a chest-up framing, where trunk lean is guesswork, is refused.
HIP_MARGIN = 0.35
JITTER_SCALE = 0.05  # jitter (body scales, see _update_jitter) that halves the quality
# Shoulder width is at least this share of the shoulder-to-hip length in an adult facing the
# camera (biacromial about 0.4 m over a trunk of about 0.5 m): a lower bound, so the torso
# only sets the scale when the shoulders are foreshortened (the person turned sideways).
SHOULDER_PER_TORSO = 0.6
JITTER_TAU_S = 0.25  # time constant of the jitter average
# With no measured calibration (a recording played with `Calibration.default`), the
# neutral shoulder position is learnt as the person sits: a slow average with this time
# constant. A lean of a reach (1-3 s) still shows as trunk displacement; a new posture
# (walking in and sitting down, shifting on the chair) becomes the neutral within
# about 2-3 time constants, so targets and the compensation guard follow the body.
NEUTRAL_ADAPT_S = 6.0

_ELBOW = {"left": LEFT_ELBOW, "right": RIGHT_ELBOW}
_WRIST = {"left": LEFT_WRIST, "right": RIGHT_WRIST}
_HAND_LABEL = {"left": "Left", "right": "Right"}


def hand_ratio(hand: Hand, width: int, height: int) -> tuple[float | None, float | None]:
    """(pinch, grasp) of one hand, normalised by |wrist - index MCP| in pixels."""
    lm = np.asarray(hand.landmarks, dtype=np.float64)[:, :2] * (width, height)
    scale = float(np.linalg.norm(lm[HAND_WRIST] - lm[INDEX_MCP]))
    if not scale > 1e-6:
        return None, None
    pinch = float(np.linalg.norm(lm[THUMB_TIP] - lm[INDEX_TIP])) / scale
    tips = lm[[INDEX_TIP, MIDDLE_TIP, RING_TIP, PINKY_TIP]]
    grasp = float(np.linalg.norm(tips - lm[HAND_WRIST], axis=1).mean()) / scale
    return pinch, grasp


def mean_luminance(image: np.ndarray) -> float:
    """Approximate mean luma (0-255) of a BGR or grey uint8 image, on a sparse grid."""
    step = max(1, min(image.shape[0], image.shape[1]) // 64)
    sub = np.asarray(image[::step, ::step], dtype=np.float32)
    if sub.ndim == 3 and sub.shape[2] >= 3:
        return float((0.114 * sub[..., 0] + 0.587 * sub[..., 1] + 0.299 * sub[..., 2]).mean())
    return float(sub.mean())


def body_scale_px(pose: np.ndarray, width: int, height: int) -> float:
    """The body's size in this image (pixels), not shrunk by turning sideways.

    The shoulder width foreshortens as the person turns (a side-on dancer's
    is under half its frontal value); the shoulder-to-hip length does not.
    So: max(shoulder width, SHOULDER_PER_TORSO * shoulder-to-hip length).
    Jitter is measured in this unit rather than the calibration's, which may
    have been taken from a turned or distant first frame.
    """
    px = np.asarray(pose, dtype=np.float64)[:, :2] * (width, height)
    sw = float(np.linalg.norm(px[LEFT_SHOULDER] - px[RIGHT_SHOULDER]))
    torso = float(np.linalg.norm(0.5 * (px[LEFT_SHOULDER] + px[RIGHT_SHOULDER])
                                 - 0.5 * (px[LEFT_HIP] + px[RIGHT_HIP])))
    return max(sw, SHOULDER_PER_TORSO * torso, 1e-6)


def _scaled_reference(ref: BodyReference, width: int, height: int) -> BodyReference:
    """The same reference for a frame of another size (the camera resolution changed)."""
    if (ref.width, ref.height) == (width, height):
        return ref
    sx, sy = width / ref.width, height / ref.height
    return BodyReference((ref.origin_px[0] * sx, ref.origin_px[1] * sy), ref.unit_px * sx, width, height)


class IntentsBuilder:
    """Stateful (filters) builder: call `build` once per new frame, in time order."""

    def __init__(self, calibration: Calibration | None = None, hands: bool = False, *,
                 arms: Sequence[Side] = ("left", "right"), min_cutoff: float = 1.0,
                 beta: float = 1.0, d_cutoff: float = 1.0) -> None:
        self.calibration = calibration
        self.hands = hands
        self.arms = tuple(arms)
        self._params = (min_cutoff, beta, d_cutoff)
        self._hand_filters = {s: OneEuroFilter(*self._params) for s in ("left", "right")}
        self._trunk_filter = OneEuroFilter(*self._params)
        self._forward = ForwardTracker()
        self._last_t: float | None = None
        self._history: dict[str, list[tuple[float, np.ndarray]]] = {"left": [], "right": []}
        self._jitter: dict[str, tuple[float, float]] = {"left": (0.0, 0.0), "right": (0.0, 0.0)}
        self._neutral: tuple[float, float, float] | None = None  # (t, x, y) of the learnt origin

    def _learnt_origin(self, ref: BodyReference, pose: np.ndarray, t: float, w: int, h: int) -> BodyReference:
        """`ref` with its origin at the learnt neutral shoulder midpoint (unmeasured calibrations)."""
        mid = shoulder_midpoint_px(pose, w, h)
        if self._neutral is None:
            x, y = ref.origin_px
        else:
            t0, x, y = self._neutral
            a = 1.0 - math.exp(-max(0.0, t - t0) / NEUTRAL_ADAPT_S)
            x, y = x + a * (float(mid[0]) - x), y + a * (float(mid[1]) - y)
        self._neutral = (t, x, y)
        return BodyReference((x, y), ref.unit_px, ref.width, ref.height)

    def reset(self) -> None:
        for f in self._hand_filters.values():
            f.reset()
        self._trunk_filter.reset()
        self._forward.reset()
        self._last_t = None
        self._history = {"left": [], "right": []}
        self._jitter = {"left": (0.0, 0.0), "right": (0.0, 0.0)}

    def _update_jitter(self, side: str, t: float, raw: np.ndarray) -> float:
        """How much the raw hand jumps about beyond its own motion (body scales, see below).

        Two averages over JITTER_TAU_S: the distance of the raw hand from its
        constant-velocity prediction, and its step since the last frame (the
        error of predicting "it stays put"). Their difference is the jitter:
        smooth movement, however fast, is predicted far better than by
        standing still (difference <= 0), tracking noise on a still hand is
        not (for white noise the first is sqrt(3) times the second). So fast
        reaches and dance-like sweeps at 20 fps are not "poor tracking",
        where the prediction error alone was (filter lag would be too).
        """
        hist = self._history[side]
        if len(hist) == 2:
            (t0, x0), (t1, x1) = hist
            dt0, dt1 = t1 - t0, t - t1
            pred = x1 + (x1 - x0) * (dt1 / dt0) if dt0 > 0 else x1
            resid = float(np.linalg.norm(raw - pred))
            step = float(np.linalg.norm(raw - x1))
            a = 1.0 - math.exp(-dt1 / JITTER_TAU_S) if dt1 > 0 else 1.0
            r, s = self._jitter[side]
            self._jitter[side] = (r + a * (resid - r), s + a * (step - s))
        hist.append((t, raw))
        if len(hist) > 2:
            hist.pop(0)
        r, s = self._jitter[side]
        return max(0.0, r - s)

    def _judge(self, frame: BodyFrame, dark: bool) -> tuple[Cue | None, bool, list[float]]:
        """(cue, body_visible, visibilities in use) for the parts THIS game needs.

        A hand game (`hands=True`) needs the hand in play and its arm: its
        wrist in the picture and seen, its elbow seen if it is in the
        picture, its hand landmarks found. Shoulders, hips and the other
        arm may be out of the picture (a webcam framing head and shoulders,
        hand beside the face, is the usual finger-tapping set-up). A body
        game (reaching) needs the arms in use seen and
        both shoulders in the picture and seen, not so close that they fill
        the image, and the hips no further than HIP_MARGIN below it (trunk
        lean, read by the compensation guard, needs them).
        """
        pose = frame.pose
        assert pose is not None
        arm_vis = [float(pose[i, 3]) for s in self.arms for i in (_ELBOW[s], _WRIST[s])]
        arm_hidden = any(v < VISIBILITY_MIN for v in arm_vis)
        wrists_out = any(pose[_WRIST[s], 1] < 0.0 or not 0.0 <= pose[_WRIST[s], 0] <= 1.0 for s in self.arms)
        wrists_below = any(pose[_WRIST[s], 1] > 1.0 for s in self.arms)
        hand_missing = self.hands and any(frame.hands_tracked and frame.hand(_HAND_LABEL[s]) is None  # type: ignore[arg-type]
                                          for s in self.arms)
        cue: Cue | None = None
        if self.hands:
            # An elbow below or beside the picture (close framing) is not needed to play with
            # the hand; MediaPipe's visibility for it is a guess. One in the picture must be seen.
            arm_vis = [float(pose[i, 3]) for s in self.arms for i in (_ELBOW[s], _WRIST[s])
                       if i == _WRIST[s] or (0.0 <= pose[i, 0] <= 1.0 and 0.0 <= pose[i, 1] <= 1.0)]
            arm_hidden = any(v < VISIBILITY_MIN for v in arm_vis)
            if dark:
                cue = "too_dark"
            elif wrists_out:
                cue = "step_back"  # the hand is past the top or a side of the picture
            elif arm_hidden:
                cue = "arm_not_visible"
            elif hand_missing or wrists_below:
                cue = "hand_not_visible"
            return cue, not (wrists_out or wrists_below or arm_hidden), arm_vis
        w, h = frame.width, frame.height
        shoulders_in = all(0.0 <= pose[i, 0] <= 1.0 and 0.0 <= pose[i, 1] <= 1.0
                           for i in (LEFT_SHOULDER, RIGHT_SHOULDER))
        hips_in = all(0.0 <= pose[i, 0] <= 1.0 and pose[i, 1] <= 1.0 + HIP_MARGIN
                      for i in (LEFT_HIP, RIGHT_HIP))
        shoulders_seen = all(pose[i, 3] >= VISIBILITY_MIN for i in (LEFT_SHOULDER, RIGHT_SHOULDER))
        too_close = shoulder_width_px(pose, w, h) > STEP_BACK_SHOULDER_FRACTION * w
        if dark:
            cue = "too_dark"
        elif not (shoulders_in and shoulders_seen):
            cue = "move_into_frame"
        elif too_close or wrists_out:
            cue = "step_back"  # too close also pushes the hips out of view: say the useful thing
        elif not hips_in:
            cue = "move_into_frame"
        elif arm_hidden:
            cue = "arm_not_visible"
        elif hand_missing:
            cue = "hand_not_visible"
        used = [float(pose[i, 3]) for i in (LEFT_SHOULDER, RIGHT_SHOULDER)] + arm_vis
        return cue, shoulders_in and hips_in and shoulders_seen, used

    def build(self, frame: BodyFrame, t0_ns: int = 0) -> Intents:
        t = (frame.t_ns - t0_ns) / 1e9
        dark = frame.image is not None and mean_luminance(frame.image) < DARK_LUMA
        pose = frame.pose
        if pose is None:
            self.reset()
            return Intents(t=t, body_visible=False, tracking_quality=0.0,
                           cue="too_dark" if dark else "move_into_frame")
        if self._last_t is not None and t <= self._last_t:
            # The same (or an older) frame again: filters must not see time stand still.
            self.reset()
        self._last_t = t
        w, h = frame.width, frame.height
        ref: BodyReference | None
        if self.calibration is not None:
            ref = _scaled_reference(self.calibration.reference, w, h)
            if not self.calibration.measured and shoulder_width_px(pose, w, h) > 0:
                ref = self._learnt_origin(ref, pose, t, w, h)
            lean0 = self.calibration.lean_mean_deg
            rot0 = self.calibration.rotation_mean_deg
        else:
            ref = reference_from_pose(pose, w, h) if shoulder_width_px(pose, w, h) > 0 else None
            lean0 = rot0 = 0.0
        if ref is None:
            self.reset()
            return Intents(t=t, body_visible=False, tracking_quality=0.0, cue="move_into_frame")

        # trunk
        mid = shoulder_midpoint_px(pose, w, h)
        raw_trunk = np.array(to_body(ref, mid[0] / w, mid[1] / h))
        trunk = np.asarray(self._trunk_filter(t, raw_trunk).value)

        # hands
        forward = self._forward.update(t, frame.pose_world, pose[:, 3])
        scale = body_scale_px(pose, w, h)
        jitters: list[float] = []
        intents_by_side: dict[str, HandIntent] = {}
        for side in ("left", "right"):
            raw = np.array(to_body(ref, *hand_centre_norm(pose, side)))  # type: ignore[arg-type]
            smooth = np.asarray(self._hand_filters[side](t, raw).value)
            vis = float(np.mean(pose[list(HAND_POINTS[side]), 3]))  # type: ignore[index]
            pinch = grasp = None
            if self.hands:
                hand = frame.hand(_HAND_LABEL[side])  # type: ignore[arg-type]
                if hand is not None:
                    pinch, grasp = hand_ratio(hand, w, h)
            jitter = self._update_jitter(side, t, np.asarray(hand_centre_norm(pose, side)) * (w, h) / scale)
            if side in self.arms:
                jitters.append(jitter)
            intents_by_side[side] = HandIntent(float(smooth[0]), float(smooth[1]), vis, pinch, grasp,
                                               forward[side])  # type: ignore[index]

        # visibility and cues: only what this game needs (see `_judge`)
        cue, body_visible, used = self._judge(frame, dark)
        jitter = max(jitters) if jitters else 0.0
        quality = float(np.mean(used)) / (1.0 + jitter / JITTER_SCALE)

        lean = trunk_lean_deg(pose, w, h) - lean0
        rot = shoulder_rotation_deg(pose, w, h) - rot0
        return Intents(
            t=t, left=intents_by_side["left"], right=intents_by_side["right"],
            trunk_dx=float(trunk[0]), trunk_dy=float(trunk[1]),
            trunk_lean_deg=float(lean) if math.isfinite(lean) else 0.0,
            shoulder_rotation_deg=float(rot) if math.isfinite(rot) else 0.0,
            body_visible=body_visible, tracking_quality=max(0.0, min(1.0, quality)), cue=cue)
