"""The virtual patient's hands: a real template, and every dexterity game played end to end."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from exercises.dexterity import OpenCloseExercise, PinchExercise, TappingExercise
from exercises.doses import OpenCloseDose, PinchDose, SessionDose, TappingDose
from exercises.session import SessionRunner
from exercises.virtual_hands import OPEN_TEMPLATE, TEMPLATE_SOURCE, VirtualHands, hand_shape, place
from exercises.virtual_patient import HandContext, HandGoal, VirtualPatient, goal_for
from vision.bodyframe import Hand
from vision.intents_builder import IntentsBuilder, hand_ratio


def _ratios(lm: np.ndarray, w: int = 640, h: int = 480) -> tuple[float, float]:
    pinch, grasp = hand_ratio(Hand(lm, "Right", 1.0), w, h)
    assert pinch is not None and grasp is not None
    return pinch, grasp


def test_template_is_the_real_open_palm_the_tracker_finds(shared_data: Path) -> None:
    import cv2

    from vision.trackers import MediaPipeTracker

    img = cv2.imread(str(shared_data / TEMPLATE_SOURCE))
    assert img is not None
    with MediaPipeTracker(hands=True, static_image_mode=True) as tracker:
        frame = tracker.process(img, 0, 0)
    hand = frame.hand("Left")
    assert hand is not None  # the woman's own left hand (MediaPipe said "Right": selfie assumption)
    h, w = img.shape[:2]
    p = hand.landmarks.astype(np.float64) * (w, h, w)
    p -= p[0]
    unit = np.linalg.norm(p[5, :2])
    fwd = p[9, :2] / np.linalg.norm(p[9, :2])
    across = np.array([-fwd[1], fwd[0]])
    canon = np.stack([p[:, :2] @ fwd / unit, p[:, :2] @ across / unit, p[:, 2] / unit], axis=1)
    np.testing.assert_allclose(canon[:, :2], OPEN_TEMPLATE[:, :2], atol=0.03)
    # ... and placed back into that image it reproduces the tracked hand.
    forward = tuple(p[9, :2] / np.linalg.norm(p[9, :2]))
    wrist = tuple(hand.landmarks[0, :2] * (w, h))
    rebuilt = place(OPEN_TEMPLATE, "left", wrist, forward, unit, w, h)
    assert np.abs((rebuilt[:, :2] - hand.landmarks[:, :2]) * (w, h)).max() < 3.0  # pixels


def test_poses_have_the_apertures_of_real_hands() -> None:
    at = (320.0, 240.0)
    open_p, open_g = _ratios(place(hand_shape(), "right", at, (0, -1), 40, 640, 480))
    _fist_p, fist_g = _ratios(place(hand_shape(grasp=1.0), "right", at, (0, -1), 40, 640, 480))
    pinch_p, pinch_g = _ratios(place(hand_shape(pinch=1.0), "right", at, (0, -1), 40, 640, 480))
    assert open_p == pytest.approx(1.48, abs=0.01) and open_g == pytest.approx(1.94, abs=0.01)
    assert 0.55 < fist_g < 0.8  # the real fist in sagor_hand_open_close reads 0.62-0.7
    assert pinch_p < 0.1 and pinch_g > 1.6  # pinch: thumb on index, other fingers open


def test_right_hand_is_the_left_reflected_across_the_palm() -> None:
    lm_r = place(hand_shape(), "right", (320, 240), (0, -1), 40, 640, 480)
    lm_l = place(hand_shape(), "left", (320, 240), (0, -1), 40, 640, 480)
    np.testing.assert_allclose(lm_r[:, 0] - 0.5, -(lm_l[:, 0] - 0.5), atol=1e-6)
    np.testing.assert_allclose(lm_r[:, 1], lm_l[:, 1], atol=1e-6)


def test_virtual_hands_are_seeded_and_close_at_a_finite_speed() -> None:
    def run(seed: int) -> np.ndarray:
        vh = VirtualHands(seed)
        goal = HandGoal("tap", "right", params=(("tempo_hz", 2.0), ("beat0_t", 0.0)))
        return np.stack([vh(HandContext(t, goal, "right", (320, 240), (0, -1), 130, 640, 480))
                         for t in np.arange(0, 2, 1 / 30)])
    np.testing.assert_array_equal(run(3), run(3))
    assert not np.array_equal(run(3), run(4))
    vh = VirtualHands(0)
    grab = HandGoal("pinch", "right", 0.5, -0.5, params=(("closed", True),))
    apertures = [_ratios(vh(HandContext(t, grab, "right", (320, 240), (0, -1), 130, 640, 480)))[0]
                 for t in np.arange(0, 0.5, 1 / 30)]
    assert apertures[0] > 1.4 and apertures[-1] < 0.1
    assert all(b <= a + 1e-9 for a, b in itertools.pairwise(apertures))  # monotone, not a jump
    assert sum(a > 0.5 for a in apertures) >= 3


def _play(exercise, seconds: float, seed: int = 1, fps: float = 30.0):
    vp = VirtualPatient.for_demo(seed, fps=fps, hand_model=VirtualHands(seed))
    builder = IntentsBuilder(hands=True)
    runner = SessionRunner(exercise, SessionDose(rest_every_s=600), pre_pain=2)
    t, dt = 0.0, 1.0 / fps
    events = []
    while not runner.done and t < seconds:
        vp.look(goal_for(exercise), t)
        events += runner.step(builder.build(vp.frame(t)), dt)
        t += dt
    return runner, events


@pytest.mark.parametrize("fps", [30.0, 15.0])
def test_virtual_patient_taps_to_the_metronome(fps: float) -> None:
    ex = TappingExercise(TappingDose(tempo_hz=2.0, set_s=6.0, sets=1))
    runner, _ = _play(ex, 20.0, fps=fps)
    s = runner.summary()
    assert runner.done and s["session"]["end_reason"] == "completed"
    assert s["taps"] in (11, 12, 13)  # 2 Hz for 6 s (the first beat may come before the hand is up)
    assert s["tap_rate_hz"] == pytest.approx(2.0, abs=0.15)
    assert s["on_beat_fraction"] > 0.8


def test_virtual_patient_opens_and_closes() -> None:
    ex = OpenCloseExercise(OpenCloseDose(repetitions=4, hold_s=0.3))
    runner, _ = _play(ex, 30.0)
    s = runner.summary()
    assert s["repetitions"] == 4 and s["range"] > 1.0


def test_virtual_patient_pinches_carries_and_places() -> None:
    ex = PinchExercise(PinchDose(objects=3))
    runner, _events = _play(ex, 40.0)
    s = runner.summary()
    assert s["objects_moved"] == 3 and s["drops"] == 0
    assert 0.3 < s["mean_carry_s"] < 3.0
