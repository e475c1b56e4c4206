"""`neuroplay track` and `neuroplay replay info` through click's runner."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from game.cli import cli
from vision.replay import load_replay


def test_track_writes_a_replay_and_reports_json(test_data: Path, tmp_path: Path) -> None:
    out = tmp_path / "clip.npz"
    res = CliRunner().invoke(cli, ["track", str(test_data / "mediapipe_docs_pose_segmentation.mp4"),
                                   "--out", str(out), "--max-seconds", "1", "--json"])
    assert res.exit_code == 0, res.output
    summary = json.loads(res.output.strip().splitlines()[-1])
    assert summary["frames"] == 20 and summary["video_fps"] == 20.0
    assert summary["detected_frames"] == 20 and summary["detection_rate"] == 1.0
    assert summary["fps"] > 0 and summary["hands"] is False
    rep = load_replay(out)
    assert len(rep) == 20 and rep.meta["fps"] == 20.0 and rep.meta["hands"] is False

    res = CliRunner().invoke(cli, ["replay", "info", str(out), "--json"])
    assert res.exit_code == 0, res.output
    info = json.loads(res.output)
    assert info["frames"] == 20 and info["duration_s"] == 1.0 and info["detection_rate"] == 1.0
    res = CliRunner().invoke(cli, ["replay", "info", str(out)])
    assert "detection rate  100.0%" in res.output and "duration        1.00 s" in res.output


def test_bad_input_is_one_line_and_status_2(tmp_path: Path) -> None:
    runner = CliRunner()
    res = runner.invoke(cli, ["track", str(tmp_path / "missing.mp4"), "--out", str(tmp_path / "o.npz")])
    assert res.exit_code == 2 and "missing.mp4: video file not found" in res.output
    assert len(res.output.strip().splitlines()) == 1
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"\x00" * 1000)
    res = runner.invoke(cli, ["track", str(junk), "--out", str(tmp_path / "o.npz")])
    assert res.exit_code == 2 and "junk.mp4" in res.output
    assert not (tmp_path / "o.npz").exists()
    res = runner.invoke(cli, ["track", "7", "--out", str(tmp_path / "o.npz"), "--max-seconds", "2"])
    assert res.exit_code == 2 and "camera 7 could not be opened" in res.output
    assert len(res.output.strip().splitlines()) == 1
    res = runner.invoke(cli, ["track", "0", "--out", str(tmp_path / "o.npz")])
    assert res.exit_code == 2 and "--max-seconds" in res.output
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"PK\x03\x04 truncated")
    res = runner.invoke(cli, ["replay", "info", str(bad)])
    assert res.exit_code == 2 and "bad.npz" in res.output and "corrupt" in res.output
    assert len(res.output.strip().splitlines()) == 1
