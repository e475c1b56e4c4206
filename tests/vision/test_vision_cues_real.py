"""Tracking cues on real clips through real MediaPipe: asked only for what the game needs.

A hand game needs the hand in play and its arm, so head-and-shoulders
framing (the usual finger-tapping webcam view) is not "step back"; a
dancer found on every frame is never told to move into the picture; a
person walking in side-on does get a cue until the arm in use shows.
"""

from __future__ import annotations

import json
from collections import Counter
from functools import cache
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from vision.bodyframe import BodyFrame
from vision.intents import Intents
from vision.intents_builder import IntentsBuilder
from vision.pipeline import LockstepPipeline
from vision.sources import VideoSource
from vision.trackers import MediaPipeTracker

RAIYAN = "videos/hand/raiyan_finger_tapping_test4.mov"  # NONE STATED: used from ../shared/data only
WALK_IN = "videos/fullbody/temugeb_bodypose3d_cam0.mp4"


@cache
def _frames(path: str, hands: bool) -> tuple[BodyFrame, ...]:
    """Every frame of the clip at 640 px, tracked once per test session (the machine is shared)."""
    src = VideoSource(path, max_side=640)
    with LockstepPipeline(src, MediaPipeTracker(hands=hands), keep_image=True) as pipe:
        return tuple(pipe)


def _intents(frames: tuple[BodyFrame, ...], **kw: object) -> list[Intents]:
    b = IntentsBuilder(**kw)  # type: ignore[arg-type]
    return [b.build(f, frames[0].t_ns) for f in frames]


@pytest.mark.slow
def test_head_and_shoulders_framing_is_fine_for_a_hand_game(shared_data: Path) -> None:
    frames = _frames(str(shared_data / RAIYAN), True)
    assert len(frames) == 84 and all(f.pose is not None for f in frames)
    hand_game = _intents(frames, hands=True, arms=("right",))
    cued = Counter(i.cue for i in hand_game if i.cue is not None)
    assert sum(cued.values()) / len(frames) <= 0.05, cued  # measured: no frame
    assert np.mean([i.body_visible for i in hand_game]) >= 0.95
    assert np.median([i.tracking_quality for i in hand_game]) >= 0.9
    assert np.mean([i.right is not None and i.right.pinch is not None for i in hand_game]) >= 0.95
    # The same frames judged for the reaching game (shoulders fill half the image): step back.
    body_game = _intents(frames, hands=False)
    assert np.mean([i.cue == "step_back" for i in body_game]) >= 0.95


@pytest.mark.slow
def test_a_dancer_in_full_view_is_never_told_to_move_into_the_picture(test_data: Path) -> None:
    frames = _frames(str(test_data / "mediapipe_docs_pose_segmentation.mp4"), False)
    assert len(frames) == 102 and all(f.pose is not None for f in frames)
    its = _intents(frames)
    cued = Counter(i.cue for i in its if i.cue is not None)
    assert set(cued) <= {"arm_not_visible"}, cued  # only while his right arm is behind him
    assert sum(cued.values()) / len(its) <= 0.2, cued  # measured 16 of 102 frames
    assert all(i.body_visible for i in its)
    # Fast, real arm sweeps (up to 80 px a frame at 20 fps) are not poor tracking: the quality
    # gate (0.5, exercises.session) passes on most frames: measured 0.89. Before, the jitter
    # was the constant-velocity prediction error alone and 0.98 of frames fell below 0.5.
    good = np.mean([i.tracking_quality >= 0.5 for i in its])
    assert good >= 0.8, good


@pytest.mark.slow
def test_walking_in_side_on_gives_a_cue_until_the_arm_shows(shared_data: Path) -> None:
    frames = _frames(str(shared_data / WALK_IN), False)
    its = _intents(frames)
    t = np.array([i.t for i in its])
    walking_in = [i.cue for i in its if i.t < 0.75]  # side-on, right arm hidden behind the body
    assert len(walking_in) == 15
    assert all(c is not None for c in walking_in), walking_in
    in_view = [i.cue for i, tt in zip(its, t) if tt >= 1.0]  # sits, stands, sits, walks off
    assert np.mean([c is None for c in in_view]) >= 0.95
    # No pose at all (the person gone) is "move into the picture".
    gone = IntentsBuilder().build(BodyFrame(0, 0, 640, 640))
    assert gone.cue == "move_into_frame" and not gone.body_visible


@pytest.mark.slow
def test_tapping_demo_on_the_close_framed_clip_plays_taps(shared_data: Path, tmp_path: Path) -> None:
    from game.cli import cli

    res = CliRunner().invoke(cli, ["demo", "--headless", "--json", "--no-report", "--game", "tapping",
                                   "--video", str(shared_data / RAIYAN), "--data-dir", str(tmp_path)])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output.strip().splitlines()[-1])
    assert 3 <= out["taps"] <= 7, out  # measured 5 (about 1.8 taps/s over the 2.8 s clip); was 0
    assert out["session"]["tracking_losses"] == 0, out["session"]
