"""Replay files: exact round trip, atomic writes, clear errors on bad files."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from vision.bodyframe import BodyFrame, Hand
from vision.replay import (
    ReplayError,
    ReplaySource,
    frames_to_arrays,
    load_replay,
    write_replay,
)


def _frames(n: int = 12) -> list[BodyFrame]:
    rng = np.random.default_rng(7)
    out = []
    for i in range(n):
        pose = rng.random((33, 4)).astype(np.float32) if i % 5 != 3 else None
        world = rng.normal(size=(33, 3)).astype(np.float32) if pose is not None else None
        hands: tuple[Hand, ...] = ()
        if i % 2 == 0:
            hands = (Hand(rng.random((21, 3)).astype(np.float32), "Right", float(rng.random()),
                          rng.normal(size=(21, 3)).astype(np.float32)),)
        if i % 4 == 0:
            hands += (Hand(rng.random((21, 3)).astype(np.float32), "Left", 0.5, None),)
        out.append(BodyFrame(index=i, t_ns=1_000_000_000 + i * 33_366_667, width=405, height=720,
                             pose=pose, pose_world=world, hands=hands, hands_tracked=True,
                             t_inferred_ns=5 + i))
    return out


def test_round_trip_is_exact(tmp_path: Path) -> None:
    frames = _frames()
    path = write_replay(tmp_path / "r.npz", frames, source="clip.mp4", fps=29.97)
    rep = load_replay(path)
    assert rep.meta["fps"] == 29.97 and rep.meta["frames"] == 12 and rep.meta["hands"] is True
    assert rep.meta["source"] == "clip.mp4" and rep.meta["version"] == 1
    a, b = frames_to_arrays(frames), frames_to_arrays(rep.frames)
    for k in a:
        assert np.array_equal(a[k], b[k]), k
    for f, g in zip(frames, rep.frames):
        assert (f.index, f.t_ns, f.width, f.height, f.hands_tracked) == (g.index, g.t_ns, g.width, g.height, g.hands_tracked)
        assert (f.pose is None) == (g.pose is None)
        assert [h.handedness for h in f.hands] == [h.handedness for h in g.hands]
        assert [h.world is None for h in f.hands] == [h.world is None for h in g.hands]
    info = rep.info()
    assert info.frames == 12 and info.detected_frames == 10
    assert info.detection_rate == pytest.approx(10 / 12)
    assert info.duration_s == pytest.approx(11 * 0.033366667 + 1 / 29.97, rel=1e-6)
    # No temp file left beside it.
    assert [p.name for p in tmp_path.iterdir()] == ["r.npz"]


def test_truncated_and_corrupt_files_name_the_file(tmp_path: Path) -> None:
    good = write_replay(tmp_path / "good.npz", _frames(), fps=30)
    data = good.read_bytes()
    cut = tmp_path / "cut.npz"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(ReplayError, match="cut.npz"):
        load_replay(cut)
    junk = tmp_path / "junk.npz"
    junk.write_bytes(b"this is not a replay at all")
    with pytest.raises(ReplayError, match="junk.npz.*corrupt"):
        load_replay(junk)
    other = tmp_path / "other.npz"
    np.savez_compressed(other, x=np.zeros(3))
    with pytest.raises(ReplayError, match="other.npz.*not a NeuroPlay replay"):
        load_replay(other)
    with pytest.raises(ReplayError, match="missing.npz.*not found"):
        load_replay(tmp_path / "missing.npz")


def test_failed_write_leaves_the_old_file(tmp_path: Path) -> None:
    path = write_replay(tmp_path / "r.npz", _frames(3), fps=30)
    before = path.read_bytes()
    bad = _frames(3)
    bad.append(BodyFrame(index=9, t_ns=9, width=1, height=1))
    with pytest.raises(ReplayError, match="image size"):
        write_replay(path, bad, fps=30)
    assert path.read_bytes() == before


def test_replay_source_loops_with_a_forward_clock(tmp_path: Path) -> None:
    path = write_replay(tmp_path / "r.npz", _frames(4), fps=30)
    src = ReplaySource(path, loop=True)
    got = [src.read() for _ in range(9)]
    ts = [f.t_ns for f in got if f is not None]
    assert len(ts) == 9 and all(b > a for a, b in itertools.pairwise(ts))
    assert [f.index for f in got if f is not None] == list(range(9))
    once = ReplaySource(path)
    assert len(list(once)) == 4 and once.read() is None
