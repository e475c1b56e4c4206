"""The landmark codec: quantization error bounded for any in-range stream."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from telemetry.landmarks import decode_frames, encode_frames
from vision.bodyframe import BodyFrame, Hand

coords = arrays(np.float32, (6, 33, 3), elements=st.floats(-1.5, 2.5, width=32))
vis = arrays(np.float32, (6, 33), elements=st.floats(0, 1, width=32))
present = st.lists(st.booleans(), min_size=6, max_size=6)


@settings(max_examples=40, deadline=None)
@given(coords, vis, present, present)
def test_roundtrip_error_is_half_a_step(xyz, v, has_pose, has_hand) -> None:
    frames = []
    for i in range(6):
        pose = np.concatenate([xyz[i], v[i][:, None]], axis=1) if has_pose[i] else None
        hands = (Hand(xyz[i, :21], "Right", 0.5, world=xyz[i, :21] * 0.3),) if has_hand[i] else ()
        frames.append(BodyFrame(index=100 + i, t_ns=5_000_000_000 + i * 16_666_667,
                                width=720, height=1280, pose=pose,
                                pose_world=xyz[i] * 0.5 if has_pose[i] else None, hands=hands))
    back = decode_frames(encode_frames(frames))
    assert [f.t_ns for f in back] == [f.t_ns for f in frames]
    assert [(f.width, f.height) for f in back] == [(720, 1280)] * 6
    for a, b in zip(frames, back, strict=True):
        assert (a.pose is None) == (b.pose is None)
        if a.pose is not None:
            assert np.abs(b.pose[:, :3] - a.pose[:, :3]).max() <= 0.5 / 8192 + 1e-6
            assert np.abs(b.pose[:, 3] - a.pose[:, 3]).max() <= 0.5 / 255 + 1e-6
            assert np.abs(b.pose_world - a.pose_world).max() <= 0.5e-3 + 1e-6
        assert len(a.hands) == len(b.hands)
        if a.hands:
            assert b.hands[0].handedness == "Right"
            assert np.abs(b.hands[0].landmarks - a.hands[0].landmarks).max() <= 0.5 / 8192 + 1e-6


def test_best_hand_per_side_is_kept() -> None:
    lm = np.zeros((21, 3), np.float32)
    f = BodyFrame(index=0, t_ns=0, width=640, height=480,
                  hands=(Hand(lm + 0.1, "Left", 0.4), Hand(lm + 0.2, "Left", 0.9),
                         Hand(lm + 0.3, "Right", 0.8)), hands_tracked=True)
    [b] = decode_frames(encode_frames([f]))
    assert b.hands_tracked and len(b.hands) == 2
    left = b.hand("Left")
    assert abs(left.score - 0.9) < 0.01 and abs(float(left.landmarks[0, 0]) - 0.2) < 1e-3
