"""Mirror therapy transform: landmarks and video reflected about the body midline."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from vision.bodyframe import (
    LEFT_SHOULDER,
    LEFT_WRIST,
    NOSE,
    RIGHT_SHOULDER,
    RIGHT_WRIST,
    BodyFrame,
    Hand,
)
from vision.mirror import (
    MirrorTransform,
    midline_x,
    mirror_image,
    mirror_landmarks,
    reflect_image,
    seam_alpha,
)


def _frame(with_image: bool = False) -> BodyFrame:
    """An off-centre body: shoulders at x 0.30 (patient's right) and 0.50 (left), midline 0.40."""
    rng = np.random.default_rng(0)
    pose = np.zeros((33, 4), dtype=np.float32)
    pose[:, 0] = rng.uniform(0.2, 0.6, 33)
    pose[:, 1] = rng.uniform(0.2, 0.9, 33)
    pose[:, 2] = rng.uniform(-0.2, 0.2, 33)
    pose[:, 3] = 0.9
    pose[RIGHT_SHOULDER, :2] = (0.30, 0.5)
    pose[LEFT_SHOULDER, :2] = (0.50, 0.5)
    pose[LEFT_WRIST, :2] = (0.62, 0.30)  # left arm raised, out to the side
    pose[RIGHT_WRIST, :2] = (0.33, 0.85)  # right arm resting
    hand_l = np.tile(np.array([[0.62, 0.28, 0.0]], dtype=np.float32), (21, 1))
    hand_l[:, 0] += np.linspace(0, 0.05, 21)
    hand_r = np.tile(np.array([[0.33, 0.88, 0.0]], dtype=np.float32), (21, 1))
    image = None
    if with_image:
        image = rng.integers(0, 255, (120, 200, 3), dtype=np.uint8)
    return BodyFrame(0, 0, 200, 120, pose=pose, hands=(Hand(hand_l, "Left", 0.9), Hand(hand_r, "Right", 0.8)),
                     hands_tracked=True, image=image)


def test_midline_is_the_shoulder_midpoint_not_the_image_centre() -> None:
    assert midline_x(_frame().pose) == pytest.approx(0.40)


def test_swap_reflects_every_landmark_and_swaps_labels() -> None:
    f = _frame()
    m = mirror_landmarks(f, "swap", "right")
    assert m.pose[RIGHT_WRIST, 0] == pytest.approx(2 * 0.40 - 0.62)  # the left wrist, reflected
    assert m.pose[RIGHT_WRIST, 1] == pytest.approx(0.30)
    assert m.pose[NOSE, 0] == pytest.approx(0.8 - f.pose[NOSE, 0])
    assert m.pose[LEFT_SHOULDER, 0] == pytest.approx(0.50)  # shoulders swap onto each other
    right = m.hand("Right")
    assert right is not None
    np.testing.assert_allclose(right.landmarks[:, 0], 0.8 - f.hands[0].landmarks[:, 0], atol=1e-6)
    assert {h.handedness for h in m.hands} == {"Left", "Right"}
    # Mirroring twice is the identity.
    back = mirror_landmarks(m, "swap", "right", axis_x=0.40)
    np.testing.assert_allclose(back.pose, f.pose, atol=1e-6)


def test_split_replaces_only_the_affected_side_with_the_mirrored_other() -> None:
    f = _frame()
    m = mirror_landmarks(f, "split", "right")
    assert m.pose[RIGHT_WRIST, 0] == pytest.approx(0.18) and m.pose[RIGHT_WRIST, 1] == pytest.approx(0.30)
    np.testing.assert_array_equal(m.pose[LEFT_WRIST], f.pose[LEFT_WRIST])  # unaffected side untouched
    np.testing.assert_array_equal(m.pose[NOSE], f.pose[NOSE])
    labels = sorted(h.handedness for h in m.hands)
    assert labels == ["Left", "Right"]
    right = m.hand("Right")
    assert right is not None and right.landmarks[0, 1] == pytest.approx(0.28)  # raised, like the left
    left_affected = mirror_landmarks(f, "split", "left")
    assert left_affected.pose[LEFT_WRIST, 0] == pytest.approx(0.8 - 0.33)


def test_off_and_unmirror_leave_the_frame_alone() -> None:
    f = _frame(with_image=True)
    assert mirror_landmarks(f, "off", "right") is f
    mt = MirrorTransform("split", "right")
    assert mt.apply(f).pose[RIGHT_WRIST, 0] == pytest.approx(0.18)
    assert mt.toggle() == "off"
    assert mt.apply(f) is f
    assert mt.toggle() == "split"
    with pytest.raises(ValueError, match="mirror mode"):
        MirrorTransform("flip", "right")  # type: ignore[arg-type]


def test_reflected_image_maps_pixel_centres_about_the_axis() -> None:
    img = np.arange(10, dtype=np.uint8).reshape(1, 10).repeat(3, axis=0)
    out = reflect_image(img, 5.0)
    np.testing.assert_array_equal(out[0], img[0, ::-1])
    out = reflect_image(img, 4.0)  # pixel i <- pixel 7 - i
    np.testing.assert_array_equal(out[0, :8], img[0, 7::-1])
    assert (out[0, 8:] == 0).all()  # nothing maps there: black, never invented


def test_split_composite_equals_the_mirrored_source_away_from_the_seam() -> None:
    f = _frame(with_image=True)
    img = f.image
    axis = 0.40 * 200  # 80 px
    feather = 4.0
    out = mirror_image(img, axis, "split", "right", feather)
    # Affected (patient's right = image left) columns: source column 2*80 - 1 - i.
    for i in (10, 40, 77):
        np.testing.assert_array_equal(out[:, i], img[:, 159 - i])
    np.testing.assert_array_equal(out[:, 83:], img[:, 83:])  # unaffected side untouched
    a = seam_alpha(200, axis, feather, "right")
    assert a[70] == 1.0 and a[90] == 0.0 and 0 < a[79] < 1 and 0 < a[80] < 1
    assert np.all(np.diff(a) <= 0)  # a soft, monotone seam
    full = mirror_image(img, axis, "swap", "right")
    np.testing.assert_array_equal(full[:, 100], img[:, 59])
    left = mirror_image(img, axis, "split", "left", feather)
    np.testing.assert_array_equal(left[:, 100], img[:, 59])
    np.testing.assert_array_equal(left[:, :77], img[:, :77])


def test_transform_mirrors_image_and_landmarks_together() -> None:
    f = _frame(with_image=True)
    out = MirrorTransform("swap", "left").apply(f)
    assert out.image is not None and out.image.shape == f.image.shape
    np.testing.assert_array_equal(out.image[:, 100], f.image[:, 59])
    assert out.pose[LEFT_WRIST, 0] == pytest.approx(0.8 - 0.33)


STILL = "stills/mediapipe_gesture_testdata/four/249c5023-6106-447a-84ac-17eb4713731b.jpg"


def test_real_hand_reflected_is_tracked_as_the_other_hand_where_we_put_it(shared_data: Path) -> None:
    """A woman raising her LEFT hand: the swap view shows a RIGHT hand, and the real tracker agrees."""
    import cv2

    from vision.trackers import MediaPipeTracker

    img = cv2.imread(str(shared_data / STILL))
    with MediaPipeTracker(hands=True, static_image_mode=True) as tracker:
        frame = replace_image(tracker.process(img, 0, 0), img)
        assert frame.pose is not None and frame.hand("Left") is not None and frame.hand("Right") is None
        swapped = MirrorTransform("swap", "left").apply(frame)
        seen = tracker.process(swapped.image, 1, 1)
        split = MirrorTransform("split", "right").apply(frame)
        seen_split = tracker.process(split.image, 2, 2)
    ours = swapped.hand("Right")
    theirs = seen.hand("Right")
    assert ours is not None and theirs is not None and seen.hand("Left") is None
    h, w = img.shape[:2]
    err = np.abs((ours.landmarks[:, :2] - theirs.landmarks[:, :2]) * (w, h)).max()
    palm = np.linalg.norm((theirs.landmarks[0, :2] - theirs.landmarks[5, :2]) * (w, h))
    assert err < 0.25 * palm  # the tracker finds the reflected hand where the transform put it
    # Split, affected right: her left hand, and its reflection on her right side.
    assert {hd.handedness for hd in split.hands} == {"Left", "Right"}
    assert {hd.handedness for hd in seen_split.hands} == {"Left", "Right"}
    r_ours, r_seen = split.hand("Right"), seen_split.hand("Right")
    assert r_ours is not None and r_seen is not None
    assert np.abs((r_ours.landmarks[:, :2] - r_seen.landmarks[:, :2]) * (w, h)).max() < 0.25 * palm


def replace_image(frame: BodyFrame, image: np.ndarray) -> BodyFrame:
    from dataclasses import replace

    return replace(frame, image=image)


def test_affected_hand_intent_follows_the_unaffected_hand_through_the_intents_builder() -> None:
    """The virtual patient reaches with its LEFT hand; in split mirror (right affected) the
    right hand's intent is the left hand's reflected about the body midline: x -> -x, same y,
    with the left hand's pinch aperture."""
    from exercises.virtual_hands import VirtualHands
    from exercises.virtual_patient import HandGoal, VirtualPatient
    from vision.intents_builder import IntentsBuilder

    vp = VirtualPatient.for_demo(4, hand_model=VirtualHands(4), jitter=0.0)
    plain, mirrored = IntentsBuilder(hands=True), IntentsBuilder(hands=True)
    mt = MirrorTransform("split", "right")
    vp.look(HandGoal("pinch", "left", -1.0, 0.2, params=(("closed", True),)), 0.0)
    for k in range(60):
        frame = vp.frame(k / 30)
        a = plain.build(frame)
        b = mirrored.build(mt.apply(frame))
    assert a.left is not None and b.right is not None and b.left is not None
    assert b.right.x == pytest.approx(-a.left.x, abs=0.05)  # body units: the midline is x = 0
    assert b.right.y == pytest.approx(a.left.y, abs=0.05)
    assert a.left.x < -0.7 and a.left.y > 0.0  # it did reach out and up
    assert b.right.pinch == pytest.approx(a.left.pinch, abs=1e-3)
    assert a.right is not None and a.right.y < -0.5  # the real right hand rests low, unseen in the mirror
