"""The bundled demo recording ships as package data and is a seated, frontal body."""

from __future__ import annotations

import itertools

import numpy as np

from vision.body_model import shoulder_midpoint_px, shoulder_width_px
from vision.bodyframe import LEFT_HIP, LEFT_SHOULDER, RIGHT_HIP, RIGHT_SHOULDER
from vision.replay import demo_recording_path, load_demo_recording

LEFT_KNEE, RIGHT_KNEE = 25, 26


def test_demo_recording_is_small_seated_frontal_and_complete() -> None:
    path = demo_recording_path()
    assert path.is_file() and path.stat().st_size < 2_000_000
    rep = load_demo_recording()
    assert rep.meta["hands"] is True and rep.fps == 20.0
    assert len(rep) >= 20
    assert all(f.pose is not None and f.pose_world is not None for f in rep)
    assert all({h.handedness for h in f.hands} == {"Left", "Right"} for f in rep)
    ts = [f.t_ns for f in rep]
    assert all(b > a for a, b in itertools.pairwise(ts))
    mids = np.array([shoulder_midpoint_px(f.pose, f.width, f.height) for f in rep])
    unit = np.median([shoulder_width_px(f.pose, f.width, f.height) for f in rep])
    assert np.ptp(mids, axis=0).max() / unit < 0.15  # a still trunk
    for f in rep:
        assert f.pose[LEFT_SHOULDER, 0] > f.pose[RIGHT_SHOULDER, 0]  # frontal, unmirrored
        # seated, facing the camera: the thighs point at the camera, so the knees sit only a little
        # below the hips in the image (standing in this clip: about 0.65 of the trunk length)
        sh = (f.pose[LEFT_SHOULDER, 1] + f.pose[RIGHT_SHOULDER, 1]) / 2
        hip = (f.pose[LEFT_HIP, 1] + f.pose[RIGHT_HIP, 1]) / 2
        knee = (f.pose[LEFT_KNEE, 1] + f.pose[RIGHT_KNEE, 1]) / 2
        assert hip > sh and (knee - hip) < 0.45 * (hip - sh)
