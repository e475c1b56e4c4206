"""`neuroplay demo --headless` in-process: a real SQLite store left behind."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from game.cli import cli
from telemetry.store import Store


def test_demo_headless_leaves_a_session_in_sqlite(tmp_path: Path) -> None:
    shots = tmp_path / "shots"
    res = CliRunner().invoke(cli, ["demo", "--headless", "--seconds", "20", "--data-dir", str(tmp_path),
                                   "--json", "--screenshots", str(shots), "--seed", "3"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output.strip().splitlines()[-1])
    for key in ("session_id", "targets", "hits", "misses", "mean_movement_time_s", "compensations"):
        assert key in out
    assert out["targets"] == out["hits"] + out["misses"]
    assert out["targets"] >= 3
    store = Store.open(tmp_path / "neuroplay.db", create=False)
    try:
        kinds = [e.kind for e in store.events(out["session_id"])]
        assert kinds.count("target_shown") >= out["targets"]
        assert kinds.count("hold_complete") == out["hits"]
        assert kinds[-1] == "session_end"
        [session] = store.history("demo")
        assert session.session_id == out["session_id"]
        assert sorted(c.phase for c in store.checkins("demo")) == ["post", "pre"]
    finally:
        store.close()
    names = sorted(p.name for p in shots.glob("*.png"))
    for scene in ("title", "safety", "checkin_pre", "calibration", "exercise", "rest", "summary"):
        assert any(scene in n for n in names), names


def test_demo_same_seed_same_session(tmp_path: Path) -> None:
    runs = []
    for i in range(2):
        res = CliRunner().invoke(cli, ["demo", "--headless", "--seconds", "10", "--json", "--seed", "5",
                                       "--data-dir", str(tmp_path / str(i))])
        assert res.exit_code == 0, res.output
        out = json.loads(res.output.strip().splitlines()[-1])
        runs.append({k: out[k] for k in ("targets", "hits", "misses", "mean_movement_time_s", "game_seconds")})
    assert runs[0] == runs[1]


def test_demo_bad_replay_is_one_line_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "broken.npz"
    bad.write_bytes(b"not a zip")
    res = CliRunner().invoke(cli, ["demo", "--headless", "--replay", str(bad), "--data-dir", str(tmp_path)])
    assert res.exit_code == 2
    assert "broken.npz" in res.output
    assert len(res.output.strip().splitlines()) == 1


def test_play_without_a_camera_is_one_clear_line_exit_2(tmp_path: Path) -> None:
    res = CliRunner().invoke(cli, ["play", "--patient", "p1", "--video", str(tmp_path / "missing.mp4"),
                                   "--data-dir", str(tmp_path)])
    assert res.exit_code == 2
    assert "missing.mp4" in res.output
