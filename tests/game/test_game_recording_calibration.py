"""A recording's default calibration comes from its most frontal early frame, not its first."""

from __future__ import annotations

import numpy as np

from game.players import calibration_for
from vision.bodyframe import BodyFrame

W, H = 640, 480


def frame(i: int, t_s: float, shoulder_half_width: float) -> BodyFrame:
    pose = np.zeros((33, 4), np.float32)
    pose[:, 3] = 1.0
    pose[:, :2] = (0.5, 0.6)
    pose[11, :2] = (0.5 + shoulder_half_width, 0.4)  # left shoulder (image right: selfie view)
    pose[12, :2] = (0.5 - shoulder_half_width, 0.4)
    return BodyFrame(index=i, t_ns=int(1e9 + t_s * 1e9), width=W, height=H, pose=pose)


def test_side_on_first_frame_does_not_set_the_body_unit() -> None:
    side_on = frame(0, 0.0, 0.04)    # turned away: shoulders 51 px apart
    frontal = frame(1, 0.5, 0.125)   # facing the camera: 160 px
    later = frame(2, 3.0, 0.30)      # after the probe window: ignored
    cal = calibration_for([side_on, frontal, later])
    assert abs(cal.reference.unit_px - 0.25 * W) < 1e-3
    assert np.allclose(cal.reference.origin_px, (W / 2, 0.4 * H))


def test_saved_calibration_wins_and_no_pose_gives_the_typical_framing() -> None:
    saved = calibration_for([frame(0, 0.0, 0.1)]).to_dict()
    assert calibration_for([frame(0, 0.0, 0.2)], saved).reference.unit_px == saved["reference"]["unit_px"]
    empty = BodyFrame(index=0, t_ns=0, width=W, height=H)
    assert calibration_for([empty]).reference.unit_px == 0.25 * W
