"""Body units, joint angles and the mirror transform on constructed poses."""

from __future__ import annotations

import numpy as np
import pytest

from vision.body_model import (
    BodyReference,
    elbow_flexion_deg,
    mirror_frame,
    mirror_pose,
    reference_from_pose,
    shoulder_abduction_deg,
    shoulder_flexion_deg,
    shoulder_rotation_deg,
    to_body,
    to_image,
    trunk_lean_deg,
)
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

W, H = 640, 480


def _pose(points_px: dict[int, tuple[float, float]]) -> np.ndarray:
    pose = np.zeros((33, 4), np.float32)
    pose[:, 3] = 0.9
    for i, (x, y) in points_px.items():
        pose[i, 0] = x / W
        pose[i, 1] = y / H
    return pose


def _standing() -> np.ndarray:
    # Unmirrored frontal image: the patient's RIGHT shoulder is at the SMALLER x.
    return _pose({
        RIGHT_SHOULDER: (270, 200), LEFT_SHOULDER: (370, 200),
        RIGHT_ELBOW: (270, 280), LEFT_ELBOW: (370, 280),
        RIGHT_WRIST: (270, 360), LEFT_WRIST: (450, 280),  # left elbow bent 90 deg outward
        RIGHT_HIP: (280, 400), LEFT_HIP: (360, 400),
    })


def test_reference_and_body_units_follow_the_contract() -> None:
    ref = reference_from_pose(_standing(), W, H)
    assert ref.origin_px == pytest.approx((320.0, 200.0))
    assert ref.unit_px == pytest.approx(100.0)
    # Right shoulder at +0.5, left shoulder at -0.5, up is +y.
    assert to_body(ref, 270 / W, 200 / H) == pytest.approx((0.5, 0.0), abs=1e-6)
    assert to_body(ref, 370 / W, 200 / H) == pytest.approx((-0.5, 0.0), abs=1e-6)
    assert to_body(ref, 320 / W, 100 / H) == pytest.approx((0.0, 1.0), abs=1e-6)
    for bx, by in [(0.3, -1.2), (-2.0, 0.7), (0.0, 0.0)]:
        assert to_body(ref, *to_image(ref, bx, by)) == pytest.approx((bx, by), abs=1e-6)
    assert BodyReference.from_dict(ref.to_dict()) == ref


def test_bad_reference_is_refused() -> None:
    with pytest.raises(ValueError, match="unit_px"):
        BodyReference((0.0, 0.0), 0.0, W, H)


def test_joint_angles_on_a_constructed_pose() -> None:
    pose = _standing()
    assert elbow_flexion_deg(pose, "right", W, H) == pytest.approx(0.0, abs=1e-6)
    assert elbow_flexion_deg(pose, "left", W, H) == pytest.approx(90.0, abs=1e-4)
    # Arms hang straight down next to a hip slightly inward: small abduction.
    abd = shoulder_abduction_deg(pose, "right", W, H)
    assert abd == pytest.approx(np.degrees(np.arctan2(10, 200)), abs=1e-4)
    assert trunk_lean_deg(pose, W, H) == pytest.approx(0.0, abs=1e-6)
    assert shoulder_rotation_deg(pose, W, H) == pytest.approx(0.0, abs=1e-6)


def test_lean_and_rotation_signs() -> None:
    pose = _standing().copy()
    # Shoulders shifted toward the patient's right (image -x) -> positive lean.
    pose[[LEFT_SHOULDER, RIGHT_SHOULDER], 0] -= 50 / W
    assert trunk_lean_deg(pose, W, H) == pytest.approx(np.degrees(np.arctan2(50, 200)), abs=1e-4)
    pose = _standing().copy()
    pose[RIGHT_SHOULDER, 1] -= 20 / H  # right shoulder higher
    assert shoulder_rotation_deg(pose, W, H) > 10


def test_shoulder_flexion_from_world_is_estimated() -> None:
    world = np.zeros((33, 3), np.float32)
    world[RIGHT_SHOULDER] = (0.0, -0.5, 0.0)
    world[RIGHT_HIP] = (0.0, 0.0, 0.0)
    world[RIGHT_ELBOW] = (0.0, -0.5, -0.3)  # arm straight forward toward the camera
    a = shoulder_flexion_deg(world, "right")
    assert a.estimated is True
    assert a.degrees == pytest.approx(90.0, abs=1e-4)


def test_mirror_reflects_about_the_body_midline_and_twice_is_identity() -> None:
    pose = _standing()
    pose[:, 0] += 0.1  # body off image centre: the axis is the body midline
    m = mirror_pose(pose)
    # The left wrist (bent out at +80 px from its elbow) now appears on the right arm.
    ax = (pose[LEFT_SHOULDER, 0] + pose[RIGHT_SHOULDER, 0]) / 2
    assert m[RIGHT_WRIST, 0] == pytest.approx(2 * ax - pose[LEFT_WRIST, 0], abs=1e-6)
    assert m[RIGHT_WRIST, 1] == pytest.approx(pose[LEFT_WRIST, 1])
    assert elbow_flexion_deg(m, "right", W, H) == pytest.approx(90.0, abs=1e-3)
    np.testing.assert_allclose(mirror_pose(m), pose, atol=1e-6)

    world = np.random.default_rng(0).normal(size=(33, 3)).astype(np.float32)
    hand = Hand(np.random.default_rng(1).random((21, 3)).astype(np.float32), "Left", 0.9,
                np.random.default_rng(2).normal(size=(21, 3)).astype(np.float32))
    f = BodyFrame(3, 10, W, H, pose=pose, pose_world=world, hands=(hand,), hands_tracked=True)
    once = mirror_frame(f)
    assert once.hands[0].handedness == "Right"
    twice = mirror_frame(once)
    np.testing.assert_allclose(twice.pose, f.pose, atol=1e-6)
    np.testing.assert_allclose(twice.pose_world, f.pose_world, atol=1e-6)
    np.testing.assert_allclose(twice.hands[0].landmarks, hand.landmarks, atol=1e-6)
    np.testing.assert_allclose(twice.hands[0].world, hand.world, atol=1e-6)
    assert twice.hands[0].handedness == "Left"
    assert twice.index == 3 and twice.t_ns == 10


def test_hand_crop_geometry() -> None:
    from vision.trackers import crop_square, hand_crops

    pose = _standing()
    for wrist, others in ((RIGHT_WRIST, (18, 20)), (LEFT_WRIST, (17, 19))):  # pinky, index
        pose[list(others)] = pose[wrist]
    crops = hand_crops(pose, W, H)
    assert set(crops) == {"left", "right"}
    x0, y0, size = crops["right"]
    assert size == 120  # 1.2 shoulder widths of 100 px
    # centred a quarter beyond the knuckles (all at the wrist here): on the wrist
    assert (x0 + size / 2, y0 + size / 2) == pytest.approx((270, 360), abs=1)
    pose2 = pose.copy()
    pose2[RIGHT_WRIST, 3] = 0.1
    assert set(hand_crops(pose2, W, H)) == {"left"}
    img = np.arange(H * W * 3, dtype=np.uint32).reshape(H, W, 3).astype(np.uint8)
    patch = crop_square(img, -10, -20, 100, 256)
    assert patch.shape == (100, 100, 3)
    assert (patch[:20] == 0).all() and (patch[:, :10] == 0).all()
    assert np.array_equal(patch[20:, 10:], img[:80, :90])
    assert crop_square(img, 0, 0, 400, 200).shape == (200, 200, 3)
