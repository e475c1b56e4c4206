"""Honest joint angles (telemetry.joint_angles): method, reliability, anatomical range."""

from __future__ import annotations

import math

import numpy as np
import pytest

from telemetry.joint_angles import (
    ANATOMICAL_RANGE_DEG,
    METHOD_CODES,
    angle_series,
    elevation_plane,
    frame_angles,
    rom_deg,
    session_rom,
    stack_frames,
)
from vision.bodyframe import BodyFrame

W = H = 1000
UPPER, FORE = 0.30, 0.26  # segment lengths, metres
SCALE = 0.6  # image units per metre (normalised), a person about 1 m wide in the picture


def _frame(i: int, elbow_deg: float, *, forearm_out_deg: float = 0.0, world: str | None = "true",
           hips: bool = True, vis: float = 0.95) -> BodyFrame:
    """A person facing the camera, right upper arm hanging straight down, elbow flexed by
    `elbow_deg` with the forearm swinging sideways in the image plane, or turned
    `forearm_out_deg` toward the camera. World landmarks: "true" (the 3-D truth), "flat"
    (depth guessed as 0), "wrong" (the forearm's depth exaggerated) or None."""
    # 3-D, metres, camera axes (x right, y down, z away from the camera), hips at the origin
    s = np.array([-0.2, -0.5, 0.0])
    e = s + np.array([0.0, UPPER, 0.0])
    a = math.radians(elbow_deg)
    out = math.radians(forearm_out_deg)
    d = np.array([-math.sin(a) * math.cos(out), math.cos(a), -math.sin(a) * math.sin(out)])
    if forearm_out_deg:
        d = np.array([0.0, math.cos(a), -math.sin(a)])  # flexing straight toward the camera
    w = e + FORE * d
    pts3 = {12: s, 14: e, 16: w, 11: np.array([0.2, -0.5, 0.0]), 13: np.array([0.2, -0.2, 0.0]),
            15: np.array([0.2, 0.06, 0.0]), 23: np.array([0.12, 0.0, 0.0]),
            24: np.array([-0.12, 0.0, 0.0])}
    pose = np.zeros((33, 4), np.float32)
    pose[:, 3] = vis
    world_arr = np.zeros((33, 3), np.float32)
    for k, p in pts3.items():
        pose[k, 0] = 0.5 + SCALE * p[0]
        pose[k, 1] = 0.6 + SCALE * p[1]
        pose[k, 2] = SCALE * p[2]
        world_arr[k] = p
    if not hips:
        pose[[23, 24], 3] = 0.1
    if world == "flat":
        world_arr[:, 2] = 0.0
    elif world == "wrong":
        world_arr[16, 2] = world_arr[14, 2] - 0.2  # forearm pointed at the camera, always
        world_arr[16, :2] = world_arr[14, :2] + 0.5 * (world_arr[16, :2] - world_arr[14, :2])
    return BodyFrame(index=i, t_ns=int(i * 1e9 / 30), width=W, height=H, pose=pose,
                     pose_world=None if world is None else world_arr)


def test_in_plane_elbow_is_the_image_angle_and_reliable() -> None:
    frames = [_frame(i, a, world=None) for i, a in enumerate(np.linspace(0, 140, 60))]
    a = frame_angles(frames, "elbow_flexion", "right")
    assert np.allclose(a.degrees, np.linspace(0, 140, 60), atol=0.5)
    assert a.reliable.all() and set(a.method.tolist()) == {METHOD_CODES.index("image")}
    assert a.summary()["method"] == {"image": 1.0} and a.summary()["reliable_fraction"] == 1.0
    assert rom_deg(a) == pytest.approx(0.9 * 140, abs=3)


def test_angles_beyond_the_anatomical_range_are_clipped_and_flagged_or_dropped() -> None:
    angles = [10, 60, 120, 155, 160, 172, 90, 20]  # elbow flexion ends at 150 deg
    frames = [_frame(i, a, world=None) for i, a in enumerate(angles)]
    a = frame_angles(frames, "elbow_flexion", "right")
    lo, hi = ANATOMICAL_RANGE_DEG["elbow_flexion"]
    assert np.nanmax(a.degrees) <= hi and np.nanmin(a.degrees) >= lo
    assert a.clipped.tolist() == [False, False, False, True, True, False, False, False]
    assert a.degrees[3] == hi and a.degrees[4] == hi and a.raw_degrees[4] == pytest.approx(160)
    assert a.dropped.tolist() == [False] * 5 + [True, False, False]  # 22 deg past: an error
    assert math.isnan(a.degrees[5]) and not a.reliable[5]
    s = a.summary()
    assert s["clipped_frames"] == 2 and s["dropped_frames"] == 1
    assert any("dropped" in n for n in a.notes) and any("clipped" in n for n in a.notes)


def test_a_forearm_toward_the_camera_is_oblique_unreliable_without_a_trusted_3d() -> None:
    """A frontal biceps curl: the forearm comes toward the camera and the projected
    angle means nothing; with no world landmarks it is marked unreliable."""
    ext = [_frame(i, 5, world=None) for i in range(30)]  # extended: in the image plane
    curl = [_frame(30 + i, 60, forearm_out_deg=90, world=None) for i in range(30)]
    a = frame_angles(ext + curl, "elbow_flexion", "right")
    assert a.reliable[:30].all() and not a.reliable[30:].any()
    assert np.nanmin(a.out_of_plane_deg[30:]) > 45
    assert np.allclose(a.degrees[30:], 0.0, atol=1.0)  # what the picture shows: nothing bent
    assert any("unreliable" in n for n in a.notes)
    assert a.summary()["reliable_fraction"] == pytest.approx(0.5)
    # at 100 deg toward the camera the wrist projects above the elbow: the picture reads
    # 180 deg, past any elbow's range, so it is dropped, never reported
    far = frame_angles(ext + [_frame(60 + i, 100, forearm_out_deg=90, world=None)
                              for i in range(30)], "elbow_flexion", "right")
    assert np.isnan(far.degrees[30:]).all() and far.dropped[30:].all()


def test_world_landmarks_measure_the_oblique_frames_when_they_agree_with_the_image() -> None:
    ext = [_frame(i, a, world="true") for i, a in enumerate(np.linspace(0, 60, 30))]
    curl = [_frame(30 + i, 100, forearm_out_deg=90, world="true") for i in range(30)]
    a = frame_angles(ext + curl, "elbow_flexion", "right")
    assert a.world_agreement_deg is not None and a.world_agreement_deg < 1.0
    assert (a.method[30:] == METHOD_CODES.index("world")).all() and a.reliable.all()
    assert np.allclose(a.degrees[30:], 100.0, atol=1.0)  # the true 3-D flexion
    assert a.summary()["method"] == {"image": 0.5, "world": 0.5}


def test_world_landmarks_that_contradict_the_image_are_not_used() -> None:
    """MediaPipe's guessed depth reading a straight arm as bent: where the image is exact
    the world angle differs, so it is not trusted for the oblique frames either."""
    ext = [_frame(i, a, world="wrong") for i, a in enumerate(np.linspace(0, 60, 30))]
    curl = [_frame(30 + i, 100, forearm_out_deg=90, world="wrong") for i in range(30)]
    a = frame_angles(ext + curl, "elbow_flexion", "right")
    assert a.world_agreement_deg is not None and a.world_agreement_deg > 12
    assert not (a.method == METHOD_CODES.index("world")).any()
    assert not a.reliable[30:].any()
    assert any("3-D (world) landmarks not used" in n for n in a.notes)


def test_shoulder_elevation_against_the_trunk_and_without_hips() -> None:
    def raised(i: int, deg: float, hips: bool = True) -> BodyFrame:
        f = _frame(i, 0, world=None, hips=hips)
        pose = f.pose.copy()
        s = pose[12, :2].astype(float)
        r = math.radians(deg)
        e = s + SCALE * UPPER * np.array([-math.sin(r), math.cos(r)])
        pose[14, :2] = e
        pose[16, :2] = e + SCALE * FORE * np.array([-math.sin(r), math.cos(r)])
        return BodyFrame(index=i, t_ns=f.t_ns, width=W, height=H, pose=pose)

    frames = [raised(i, d) for i, d in enumerate(np.linspace(5, 170, 40))]
    a = frame_angles(frames, "shoulder_elevation", "right")
    assert np.allclose(a.degrees, np.linspace(5, 170, 40), atol=0.5)
    assert not a.trunk_assumed_vertical.any()
    plane = elevation_plane(stack_frames(frames), a)
    assert plane is not None and plane["view"] == "frontal"
    assert plane["looks_like"] == "abduction (sideways)" and plane["arm_in_image_plane"] == 1.0
    no_hips = frame_angles([raised(i, 90, hips=False) for i in range(5)], "shoulder_elevation",
                           "right")
    assert no_hips.trunk_assumed_vertical.all()
    assert np.allclose(no_hips.degrees, 90, atol=0.5) and no_hips.summary()["trunk_assumed_vertical"]


def test_low_visibility_is_not_measured() -> None:
    a = frame_angles([_frame(i, 40, vis=0.3, world=None) for i in range(5)], "elbow_flexion",
                     "right")
    assert np.isnan(a.degrees).all() and a.summary()["frames"] == 0
    with pytest.raises(ValueError):
        angle_series(stack_frames([_frame(0, 10)]), "elbow_flexion", "middle")


def test_session_rom_reports_reliable_frames_with_their_method() -> None:
    samples = [(i / 10, f.pose, f.pose_world, W, H)
               for i, f in enumerate(_frame(i, a, world=None)
                                     for i, a in enumerate(np.linspace(10, 120, 50)))]
    rom = session_rom(samples, ("right",))["right"]
    assert rom["elbow_flexion_rom_deg"] == pytest.approx(0.9 * 110, abs=3)
    assert rom["estimated"] is True and rom["frames"] == 50
    assert rom["angle_method"]["elbow_flexion"]["method"] == {"image": 1.0}
    assert session_rom([], ("right",)) == {}
