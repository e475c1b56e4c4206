"""IntentsBuilder on constructed frames: body units, trunk, pinch/grasp, cues."""

from __future__ import annotations

import numpy as np
import pytest

from vision.body_model import BodyReference, to_image
from vision.bodyframe import (
    LEFT_ELBOW,
    LEFT_HIP,
    LEFT_SHOULDER,
    LEFT_WRIST,
    RIGHT_ELBOW,
    RIGHT_HIP,
    RIGHT_SHOULDER,
    RIGHT_WRIST,
    BodyFrame,
    Hand,
)
from vision.calibration import HAND_POINTS, Calibration
from vision.intents_builder import IntentsBuilder, hand_ratio

W, H = 640, 480
REF = BodyReference((320.0, 200.0), 100.0, W, H)


def _frame(i: int, trunk: tuple[float, float] = (0.0, 0.0), right_hand: tuple[float, float] = (1.0, 0.5),
           vis: float = 0.9, hands: tuple[Hand, ...] = (), hands_tracked: bool = False,
           image: np.ndarray | None = None, scale: float = 1.0) -> BodyFrame:
    pose = np.zeros((33, 4), np.float32)
    pose[:, 3] = vis
    ref = BodyReference(REF.origin_px, REF.unit_px * scale, W, H)

    def put(idx: int, bx: float, by: float) -> None:
        pose[idx, 0:2] = to_image(ref, bx, by)

    tx, ty = trunk
    put(RIGHT_SHOULDER, 0.5 + tx, ty)
    put(LEFT_SHOULDER, -0.5 + tx, ty)
    put(RIGHT_HIP, 0.4, -1.8)
    put(LEFT_HIP, -0.4, -1.8)
    put(RIGHT_ELBOW, 0.8, -0.3)
    put(LEFT_ELBOW, -0.6, -0.9)
    for idx in HAND_POINTS["right"]:
        put(idx, *right_hand)
    for idx in HAND_POINTS["left"]:
        put(idx, -0.6, -1.5)
    return BodyFrame(i, int(i * 1e9 / 30), W, H, pose=pose, hands=hands, hands_tracked=hands_tracked,
                     image=image)


def _cal() -> Calibration:
    return Calibration(REF, {"right": {"out": 1.5}}, lean_mean_deg=0.0)


def test_hand_positions_are_in_calibrated_body_units() -> None:
    b = IntentsBuilder(_cal())
    for i in range(30):  # a still hand: the filter converges to the true place
        it = b.build(_frame(i), t0_ns=0)
    assert it.t == pytest.approx(29 / 30)
    assert it.right is not None and it.left is not None
    assert (it.right.x, it.right.y) == pytest.approx((1.0, 0.5), abs=1e-4)
    assert (it.left.x, it.left.y) == pytest.approx((-0.6, -1.5), abs=1e-4)
    assert it.right.pinch is None
    assert it.trunk_dx == pytest.approx(0.0, abs=1e-6) and it.cue is None and it.body_visible
    assert it.tracking_quality == pytest.approx(0.9, abs=0.01)


def test_leaning_shows_as_trunk_displacement_and_lean() -> None:
    b = IntentsBuilder(_cal())
    for i in range(60):
        it = b.build(_frame(i, trunk=(0.3, 0.0)))
    assert it.trunk_dx == pytest.approx(0.3, abs=1e-3)
    # shoulders 0.3 bu to the patient's right over a 1.8 bu trunk: positive lean
    assert it.trunk_lean_deg == pytest.approx(np.degrees(np.arctan2(0.3, 1.8)), abs=0.1)


def test_without_calibration_the_frame_is_its_own_reference() -> None:
    b = IntentsBuilder(None)
    it = b.build(_frame(0, trunk=(0.3, 0.0)))
    assert it.trunk_dx == pytest.approx(0.0, abs=1e-6)
    assert it.right is not None and it.right.x == pytest.approx(0.7, abs=1e-4)


def test_pinch_and_grasp_from_hand_landmarks() -> None:
    lm = np.zeros((21, 3), np.float32)
    # wrist at (100,100) px, index MCP 50 px above; thumb tip and index tip 25 px apart
    px = {0: (100, 100), 5: (100, 50), 4: (90, 20), 8: (115, 20), 12: (100, 0), 16: (95, 10), 20: (85, 30)}
    for k, (x, y) in px.items():
        lm[k, 0], lm[k, 1] = x / W, y / H
    hand = Hand(lm, "Right", 0.9)
    pinch, grasp = hand_ratio(hand, W, H)
    assert pinch == pytest.approx(25 / 50, rel=1e-4)
    d = [np.hypot(15, 80), 100, np.hypot(5, 90), np.hypot(15, 70)]
    assert grasp == pytest.approx(np.mean(d) / 50, rel=1e-4)
    b = IntentsBuilder(_cal(), hands=True, arms=("right",))
    it = b.build(_frame(0, hands=(hand,), hands_tracked=True))
    assert it.right is not None and it.right.pinch == pytest.approx(0.5, rel=1e-4)
    assert it.left is not None and it.left.pinch is None
    assert it.cue is None
    it = b.build(_frame(1, hands=(), hands_tracked=True))
    assert it.cue == "hand_not_visible"


def test_cues() -> None:
    b = IntentsBuilder(_cal(), arms=("right",))
    assert b.build(BodyFrame(0, 0, W, H)).cue == "move_into_frame"
    dark = np.full((48, 64, 3), 10, np.uint8)
    assert b.build(_frame(1, image=dark)).cue == "too_dark"
    bright = np.full((48, 64, 3), 120, np.uint8)
    assert b.build(_frame(2, image=bright)).cue is None
    assert b.build(_frame(3, vis=0.3)).cue == "move_into_frame"  # shoulders not seen
    f = _frame(4)
    f.pose[RIGHT_WRIST, 3] = 0.2
    assert b.build(f).cue == "arm_not_visible"
    f = _frame(5)
    f.pose[LEFT_WRIST, 3] = 0.2  # the arm not in use does not matter
    assert b.build(f).cue is None
    assert b.build(_frame(6, scale=3.0)).cue == "step_back"  # shoulders 300 px of 640
    f = _frame(7)
    f.pose[LEFT_SHOULDER, 0] = 1.2
    assert b.build(f).cue == "move_into_frame"
    f = _frame(8)
    f.pose[[LEFT_HIP, RIGHT_HIP], 1] = 1.15  # waist-up framing of a seated patient: fine
    assert b.build(f).cue is None and b.build(f).body_visible
    f.pose[[LEFT_HIP, RIGHT_HIP], 1] = 1.5  # chest-up: trunk lean would be guesswork
    assert b.build(f).cue == "move_into_frame"


def test_repeated_frame_does_not_break_the_filter() -> None:
    b = IntentsBuilder(_cal())
    f = _frame(3)
    b.build(f)
    it = b.build(f)  # the mailbox handed the same frame twice
    assert it.right is not None and it.right.x == pytest.approx(1.0, abs=1e-4)


def test_quality_is_not_lowered_by_a_fast_smooth_reach_but_by_noise() -> None:
    b = IntentsBuilder(_cal(), arms=("right",))
    # a 1.5 body-unit reach in 0.5 s (minimum jerk), sampled at 30 fps
    qualities = []
    for i in range(60):
        s = min(1.0, max(0.0, (i - 10) / 15.0))
        frac = 10 * s**3 - 15 * s**4 + 6 * s**5
        it = b.build(_frame(i, right_hand=(0.5 + 1.5 * frac, 0.0)))
        qualities.append(it.tracking_quality)
    assert min(qualities) > 0.6
    b = IntentsBuilder(_cal(), arms=("right",))
    rng = np.random.default_rng(3)
    for i in range(60):
        it = b.build(_frame(i, right_hand=(1.0 + rng.normal(0, 0.08), 0.5 + rng.normal(0, 0.08))))
    assert it.tracking_quality < 0.4


def test_a_hand_game_asks_only_for_the_hand_in_play_and_its_arm() -> None:
    hand = Hand(np.full((21, 3), 0.5, np.float32), "Right", 0.9)
    b = IntentsBuilder(_cal(), hands=True, arms=("right",))
    f = _frame(0, scale=3.0, hands=(hand,), hands_tracked=True)  # shoulders 300 px of 640 wide
    f.pose[[LEFT_HIP, RIGHT_HIP], 1] = 2.0  # head-and-shoulders framing: hips far below
    f.pose[LEFT_SHOULDER, 0] = 1.1  # and one shoulder out of the picture
    f.pose[LEFT_WRIST, 3] = 0.1  # the resting arm unseen
    it = b.build(f)
    assert it.cue is None and it.body_visible
    assert IntentsBuilder(_cal(), hands=False, arms=("right",)).build(f).cue == "move_into_frame"
    g = _frame(1, hands=(hand,), hands_tracked=True)
    g.pose[RIGHT_WRIST, 1] = -0.05  # the hand in play past the top
    assert b.build(g).cue == "step_back"
    g = _frame(2, hands=(hand,), hands_tracked=True)
    g.pose[RIGHT_ELBOW, 3] = 0.2
    assert b.build(g).cue == "arm_not_visible"
    g = _frame(5, hands=(hand,), hands_tracked=True)
    g.pose[RIGHT_ELBOW, 1], g.pose[RIGHT_ELBOW, 3] = 1.3, 0.2  # below the picture: not needed
    assert b.build(g).cue is None
    g = _frame(6, hands=(hand,), hands_tracked=True)
    g.pose[RIGHT_WRIST, 1] = 1.1  # below the picture
    it = b.build(g)
    assert it.cue == "hand_not_visible" and not it.body_visible
    assert b.build(_frame(7, hands=(), hands_tracked=True)).cue == "hand_not_visible"


def test_jitter_is_measured_in_the_body_size_not_a_side_on_calibration_unit() -> None:
    # Calibrated while turned: a unit of 40 px for a body whose frontal shoulders are 100 px.
    side_on = Calibration(BodyReference(REF.origin_px, 40.0, W, H), {"right": {"out": 1.5}})
    q = {}
    for name, cal in (("frontal", _cal()), ("side_on", side_on)):
        b = IntentsBuilder(cal, arms=("right",))
        rng = np.random.default_rng(5)
        for i in range(60):  # the same 1.5 px of landmark noise on a still hand
            it = b.build(_frame(i, right_hand=(1.0 + rng.normal(0, 0.015), 0.5 + rng.normal(0, 0.015))))
        q[name] = it.tracking_quality
    assert q["side_on"] == pytest.approx(q["frontal"], abs=1e-9)
    assert q["frontal"] > 0.6


def _run(b: IntentsBuilder, start: int, seconds: float, trunk: tuple[float, float]) -> list:
    return [b.build(_frame(i, trunk=trunk), t0_ns=0) for i in range(start, start + round(seconds * 30))]


def test_unmeasured_calibration_learns_a_new_posture_but_still_sees_a_reach_lean() -> None:
    default = Calibration(REF, {"right": {"out": 1.5}}, lean_mean_deg=0.0, measured=False)
    b = IntentsBuilder(default)
    _run(b, 0, 2.0, (0.0, 0.0))
    settled = _run(b, 60, 25.0, (0.0, -0.6))  # sat down: shoulders 0.6 body units lower, for good
    assert settled[15].trunk_dy < -0.45  # half a second later it still looks like a lean
    assert abs(settled[-1].trunk_dy) < 0.05  # then it is the new neutral (about 4 time constants)
    lean = _run(b, 60 + 750, 1.5, (0.4, -0.6))  # a 1.5 s sideways lean to reach
    assert lean[-1].trunk_dx > 0.3  # still seen as trunk displacement (most of the true 0.4)
    assert abs(lean[-1].hand("right").x - 1.0) < 0.25 * 0.4 + 0.05  # hands follow the same origin


def test_measured_calibration_keeps_its_neutral() -> None:
    b = IntentsBuilder(_cal())
    _run(b, 0, 2.0, (0.0, 0.0))
    settled = _run(b, 60, 25.0, (0.0, -0.6))
    assert settled[-1].trunk_dy == pytest.approx(-0.6, abs=0.02)


def test_forward_reach_comes_from_the_world_landmarks() -> None:
    """The right wrist 0.36 m nearer the camera than its shoulder (0.36 m apart):
    one shoulder width forward; no world landmarks: no forward value."""
    import dataclasses

    world = np.zeros((33, 3), np.float32)
    world[LEFT_SHOULDER] = (-0.18, -0.5, 0.0)
    world[RIGHT_SHOULDER] = (0.18, -0.5, 0.0)
    world[RIGHT_WRIST] = (0.18, -0.3, -0.36)
    b = IntentsBuilder(_cal())
    it = None
    for i in range(10):
        it = b.build(dataclasses.replace(_frame(i), pose_world=world), t0_ns=0)
    assert it is not None and it.right is not None and it.left is not None
    assert it.right.forward == pytest.approx(1.0, abs=1e-3)
    assert it.left.forward == pytest.approx(0.0, abs=1e-3)
    plain = IntentsBuilder(_cal()).build(_frame(0), t0_ns=0)
    assert plain.right is not None and plain.right.forward is None
