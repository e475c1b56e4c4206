"""vision/lsl.py sample layout and the --lsl option's bad input (no network needed)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from click.testing import CliRunner

from game.cli import cli as cli_main
from vision.bodyframe import BodyFrame, Hand
from vision.lsl import hand_channels, hands_sample, pose_channels, pose_sample


def test_channel_layouts_are_landmark_major() -> None:
    pc = pose_channels()
    assert len(pc) == 132
    assert pc[0] == ("nose_x", "PositionX", "normalized")
    assert pc[3] == ("nose_visibility", "Visibility", "probability")
    assert pc[16 * 4 + 1][0] == "right_wrist_y"
    hc = hand_channels()
    assert len(hc) == 126 and hc[0][0] == "left_wrist_x" and hc[63][0] == "right_wrist_x"
    assert hc[-1][0] == "right_pinky_tip_z"


def test_samples_keep_values_and_mark_missing_with_nan() -> None:
    pose = np.arange(132, dtype=np.float32).reshape(33, 4)
    right = Hand(np.full((21, 3), 0.25, np.float32), "Right", 0.9)
    f = BodyFrame(0, 0, 640, 480, pose=pose, hands=(right,), hands_tracked=True)
    s = pose_sample(f)
    assert s.dtype == np.float32 and s[16 * 4 + 1] == pose[16, 1]
    h = hands_sample(f).reshape(2, 21, 3)
    assert np.isnan(h[0]).all() and (h[1] == 0.25).all()
    assert np.isnan(pose_sample(BodyFrame(1, 1, 640, 480))).all()


def test_lsl_wait_without_lsl_is_one_line_exit_2_nothing_written(tmp_path: Path) -> None:
    data = tmp_path / "data"
    r = CliRunner().invoke(cli_main, ["demo", "--headless", "--data-dir", str(data),
                                      "--lsl-wait", "5"])
    assert r.exit_code == 2
    assert "--lsl-wait needs --lsl" in r.output
    assert not data.exists()
