"""Dexterity logic on real hands through the real MediaPipe hand tracker.

The clips are NONE STATED licence: used from ../shared/data only (the
`shared_data` fixture skips, saying why, when it is absent).

Ground truth by eye: frames of raiyan_finger_tapping_test4.mov rendered as a
contact sheet (every 2nd frame, hand crop) show the thumb and index touching
at 0.46-0.53, 0.86-0.99, 1.38-1.45, 1.84-1.91 and 2.31-2.37 s: 5 taps in the
clip's 2.8 s. sagor_hand_open_close.mp4's first 6 s show the fist closing
at about 0.6, 2.2, 3.9 and 5.7 s and the hand reopening at 1.4, 3.1 and 4.9 s:
3 full close-open repetitions.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from exercises.dexterity.aperture import grasp_aperture, pinch_aperture
from exercises.dexterity.openclose import OpenCloseExercise
from exercises.dexterity.tapping import TappingExercise
from exercises.doses import OpenCloseDose, TappingDose
from vision.bodyframe import BodyFrame
from vision.intents import HandIntent, Intents

STILLS = "stills/mediapipe_gesture_testdata"


def _stills(root: Path, gesture: str, n: int) -> list[Path]:
    return sorted((root / STILLS / gesture).glob("*.jpg"))[:n]


def _best_hand_apertures(frame: BodyFrame) -> tuple[float, float] | None:
    if not frame.hands:
        return None
    hand = max(frame.hands, key=lambda h: h.score)
    p = pinch_aperture(hand.landmarks, frame.width, frame.height)
    g = grasp_aperture(hand.landmarks, frame.width, frame.height)
    return None if p is None or g is None else (p, g)


def test_open_palms_have_a_larger_grasp_aperture_than_closed_fingers(shared_data: Path) -> None:
    import cv2

    from vision.trackers import MediaPipeTracker

    found: dict[str, list[float]] = {"four": [], "rock": []}
    with MediaPipeTracker(hands=True, static_image_mode=True) as tracker:
        for gesture, grasps in found.items():
            for k, path in enumerate(_stills(shared_data, gesture, 8)):
                img = cv2.imread(str(path))
                ap = _best_hand_apertures(tracker.process(img, k, k))
                if ap is not None:
                    grasps.append(ap[1])
    assert len(found["four"]) >= 6 and len(found["rock"]) >= 6
    # "four" = open palm (1.7-1.95); "rock" = middle and ring fingers curled into the palm.
    assert min(found["four"]) > max(found["rock"])
    assert np.median(found["four"]) == pytest.approx(1.85, abs=0.15)
    assert np.median(found["rock"]) < 1.35


def _track_video(path: Path, seconds: float) -> list[BodyFrame]:
    from vision.sources import VideoSource
    from vision.trackers import MediaPipeTracker

    frames = []
    with VideoSource(path, max_seconds=seconds, max_side=640) as src, MediaPipeTracker(hands=True) as tracker:
        k = 0
        while (got := src.read()) is not None:
            t_ns, img = got
            frames.append(tracker.process(img, t_ns, k))
            k += 1
    return frames


def _hand_intents(frame: BodyFrame, side: str) -> Intents:
    hand = frame.hand("Right" if side == "right" else "Left")
    if hand is None:
        return Intents(frame.t)
    p = pinch_aperture(hand.landmarks, frame.width, frame.height)
    g = grasp_aperture(hand.landmarks, frame.width, frame.height)
    hi = HandIntent(0.0, 0.0, 1.0, p, g)
    return Intents(frame.t, right=hi) if side == "right" else Intents(frame.t, left=hi)


@pytest.mark.slow
def test_taps_counted_on_a_real_tapping_clip_match_the_eye(shared_data: Path) -> None:
    frames = _track_video(shared_data / "videos/hand/raiyan_finger_tapping_test4.mov", 3.0)
    assert len(frames) >= 80
    assert sum(f.hand("Right") is not None for f in frames) >= 0.9 * len(frames)  # his right hand
    ex = TappingExercise(TappingDose(tempo_hz=2.0, set_s=60.0, sets=1))
    taps = []
    prev_t = frames[0].t
    for f in frames:
        taps += [e for e in ex.step(_hand_intents(f, "right"), max(f.t - prev_t, 1e-3)) if e.kind == "tap"]
        prev_t = f.t
    assert len(taps) == 5
    tap_times = [e.t - frames[0].t for e in taps]
    for seen, (lo, hi) in zip(tap_times, [(0.33, 0.53), (0.76, 0.99), (1.25, 1.45), (1.71, 1.91), (2.17, 2.37)]):
        assert lo <= seen <= hi  # detected on the way down to the touch the eye sees


@pytest.mark.slow
def test_open_close_repetitions_on_a_real_clip(shared_data: Path) -> None:
    frames = _track_video(shared_data / "videos/hand/sagor_hand_open_close.mp4", 6.0)
    assert sum(f.hand("Left") is not None for f in frames) >= 0.9 * len(frames)  # his left hand
    ex = OpenCloseExercise(OpenCloseDose(repetitions=10, min_range=0.6, hold_s=0.2, side="left"))
    prev_t = frames[0].t
    for f in frames:
        ex.step(_hand_intents(f, "left"), max(f.t - prev_t, 1e-3))
        prev_t = f.t
    s = ex.summary()
    assert s["repetitions"] == 3
    assert s["range"] == pytest.approx(1.15, abs=0.15)  # open ~1.8, fist ~0.65
    assert s["mean_cycle_s"] == pytest.approx(1.75, abs=0.25)
