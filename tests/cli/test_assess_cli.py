"""`neuroplay assess`: bad input in one line with exit 2, replays, real clips."""

from __future__ import annotations

import json
import re
from pathlib import Path

import cv2
import numpy as np
import pytest
from click.testing import CliRunner

from game.cli import cli
from vision.replay import write_replay


def _run(*args: str) -> object:
    return CliRunner().invoke(cli, ["assess", *args])


def _one_line_exit_2(res: object) -> str:
    assert res.exit_code == 2, res.output  # type: ignore[attr-defined]
    lines = res.output.strip().splitlines()  # type: ignore[attr-defined]
    assert len(lines) == 1, res.output  # type: ignore[attr-defined]
    return lines[0]


def _video(path: Path, frames: list[np.ndarray], fps: float = 20.0) -> Path:
    h, w = frames[0].shape[:2]
    out = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (w, h))
    for f in frames:
        out.write(f)
    out.release()
    return path


def test_not_a_video_missing_file_and_a_folder(tmp_path: Path) -> None:
    text = tmp_path / "notes.mp4"
    text.write_text("not a video at all\n" * 50)
    line = _one_line_exit_2(_run(str(text)))
    assert "notes.mp4" in line
    assert "not found" in _one_line_exit_2(_run(str(tmp_path / "nope.mp4")))
    assert "folder" in _one_line_exit_2(_run(str(tmp_path)))


def test_a_video_with_no_frames(tmp_path: Path) -> None:
    empty = tmp_path / "empty.mp4"
    cv2.VideoWriter(str(empty), cv2.VideoWriter_fourcc(*"mp4v"), 20.0, (64, 64)).release()
    line = _one_line_exit_2(_run(str(empty)))
    assert "empty.mp4" in line


def test_a_video_with_nobody_in_it(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    frames = [np.full((120, 160, 3), 128, np.uint8) + rng.integers(0, 3, (120, 160, 3),
                                                                   dtype=np.uint8)
              for _ in range(12)]
    video = _video(tmp_path / "wall.mp4", frames)
    out = tmp_path / "r.html"
    line = _one_line_exit_2(_run(str(video), "--task", "elbow-flexion", "--out", str(out)))
    assert "no person was found" in line
    assert not out.exists()  # nothing written
    assert "no hand was found" in _one_line_exit_2(_run(str(video), "--task", "tapping"))


def test_bad_options_and_a_corrupt_replay(tmp_path: Path) -> None:
    bad = tmp_path / "x.npz"
    bad.write_bytes(b"PK\x03\x04 broken")
    assert "x.npz" in _one_line_exit_2(_run(str(bad)))
    assert ".html" in _one_line_exit_2(_run(str(bad), "--out", str(tmp_path / "r.txt")))
    assert "does not exist" in _one_line_exit_2(_run(str(bad), "--out",
                                                     str(tmp_path / "no" / "r.html")))
    res = _run(str(bad), "--task", "juggling")
    assert res.exit_code == 2  # click's own usage error


def _curls_replay(tmp_path: Path, n: int = 4, fps: float = 15.0) -> Path:
    """A person facing a portrait camera flexing the right elbow n times (15 fps)."""
    from vision.bodyframe import BodyFrame

    w_px, h_px = 480, 854
    t = np.arange(0, 2.4 * n + 0.4, 1 / fps)
    ang = 5 + 125 * 0.5 * (1 - np.cos(2 * np.pi * np.minimum(t, 2.4 * n) / 2.4))
    frames = []
    for i, (ti, a) in enumerate(zip(t, ang, strict=True)):
        pose = np.zeros((33, 4), np.float32)
        pose[:, 3] = 0.9
        pose[:, :2] = 0.5, 0.3
        pose[11, :2], pose[12, :2] = (0.62, 0.35), (0.38, 0.35)
        pose[23, :2], pose[24, :2] = (0.58, 0.62), (0.42, 0.62)
        for s, e, wr, sign, deg in ((11, 13, 15, 1.0, 5.0), (12, 14, 16, -1.0, float(a))):
            sx, sy = pose[s, 0] * w_px, pose[s, 1] * h_px
            r = np.radians(deg)
            pose[e, :2] = sx / w_px, (sy + 110) / h_px
            pose[wr, :2] = (sx + sign * 95 * np.sin(r)) / w_px, (sy + 110 + 95 * np.cos(r)) / h_px
        frames.append(BodyFrame(index=i, t_ns=int(ti * 1e9), width=w_px, height=h_px, pose=pose))
    return write_replay(tmp_path / "curls.npz", frames, source="test", fps=fps)


def test_a_replay_as_json_text_and_html(tmp_path: Path) -> None:
    rep = _curls_replay(tmp_path)
    res = _run(str(rep), "--task", "elbow-flexion", "--json")
    assert res.exit_code == 0, res.output
    d = json.loads(res.output)
    assert d["repetitions"] == 4 and d["task"] == "elbow-flexion" and d["side"] == "right"
    assert d["fps"] == pytest.approx(15.0)
    assert len(d["events"]) == 4 and {"start_s", "end_s"} <= set(d["events"][0])
    assert d["rom_deg"]["unit"] == "deg" and "image 100%" in d["rom_deg"]["method"]
    assert 115 <= d["rom_deg"]["mean"] <= 130
    auto = json.loads(_run(str(rep), "--json").output)
    assert auto["repetitions"] == 4 and auto["side"] == "right"
    out = tmp_path / "curls.html"
    res = _run(str(rep), "--task", "elbow-flexion", "--out", str(out))
    assert res.exit_code == 0, res.output
    assert "repetitions: 4" in res.output and f"report: {out}" in res.output
    html = out.read_text(encoding="utf-8")
    assert html.startswith("<!doctype html>") and "right elbow flexion" in html
    assert len(re.findall(r"<tr><td>\d+</td>", html)) == 4  # one row per repetition
    assert "data:image/png;base64," in html


# ------------------------------------------------------------------ real recordings
@pytest.mark.slow
def test_real_tapping_clip_counts_the_taps_seen_by_eye(shared_data: Path) -> None:
    res = _run(str(shared_data / "videos/hand/raiyan_finger_tapping_test4.mov"), "--task",
               "tapping", "--json")
    assert res.exit_code == 0, res.output
    d = json.loads(res.output)
    assert d["taps"] == 5  # counted frame by frame: benchmarks/accuracy_truth.json
    # the closings the eye sees at frames 13-16, 26-31, 41-46, 55-59, 68-72 (30 fps)
    for e, (lo, hi) in zip(d["events"], [(12, 17), (25, 32), (40, 47), (54, 60), (67, 73)],
                           strict=True):
        assert lo / 30.36 <= e["peak_s"] <= hi / 30.36


@pytest.mark.slow
def test_real_elbow_flexion_clip_counts_and_stays_in_the_anatomical_range(
        shared_data: Path) -> None:
    res = _run(str(shared_data / "videos/upper_limb/sagor_elbow_flexion.mp4"), "--task",
               "elbow-flexion", "--json")
    assert res.exit_code == 0, res.output
    d = json.loads(res.output)
    assert abs(d["repetitions"] - 6) <= 1  # 6 flexions from extension, by eye
    rom = d["rom_deg"]
    assert 0 <= rom["min_angle"] and rom["max_angle"] <= 150
    assert 120 <= rom["mean"] <= 150  # fists to the shoulders from straight arms
    assert "image" in rom["method"]


@pytest.mark.slow
def test_real_small_person_is_found_and_counted(shared_data: Path) -> None:
    """QUVA 029: a barbell lift filmed from across a hall, the lifter about 90 px tall; the
    full-frame detector finds nobody, the person search does."""
    res = _run(str(shared_data / "videos/repetition/quva_029_bar_lift.mp4"), "--json")
    assert res.exit_code == 0, res.output
    d = json.loads(res.output)
    assert d["quality"]["pose_found_fraction"] > 0.9
    assert abs(d["repetitions"] - 7) <= 1
