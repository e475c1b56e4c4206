"""Trunk rotation per reach: the shoulder line's largest turn about the vertical,
from synthetic landmark streams of known rotation (world and image landmarks,
a mirrored view crossing +-180 deg, a mis-tracked frame), through a real store."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from synthetic_turns import FPS, Ev, turn

from telemetry.derive import derive_trials, shoulder_series
from telemetry.metrics import repetition_rotation, shoulder_line_deg
from telemetry.store import Store
from vision.bodyframe import BodyFrame


def _frame(i: int, t: float, theta_deg: float, *, world: bool = True, vis: float = 1.0,
           half_width: float = 0.18) -> BodyFrame:
    """Shoulders square to the camera turned by theta about the vertical axis."""
    th = math.radians(theta_deg)
    d = np.array([math.cos(th), 0.0, math.sin(th)]) * half_width  # left minus right, halved
    pose = np.zeros((33, 4), dtype=np.float32)
    pose[:, 3] = 1.0
    pose[11, :3] = (0.5, 0.4, 0.0) + d * np.array([0.5, 1.0, 0.5])  # image x, z: same scale
    pose[12, :3] = (0.5, 0.4, 0.0) - d * np.array([0.5, 1.0, 0.5])
    pose[[11, 12], 3] = vis
    pw = None
    if world:
        pw = np.zeros((33, 3), dtype=np.float32)
        pw[11] = (0.0, -0.45, 0.0) + d
        pw[12] = (0.0, -0.45, 0.0) - d
    return BodyFrame(index=i, t_ns=round(t * 1e9), width=1280, height=720, pose=pose,
                     pose_world=pw)


def _series(frames: list[BodyFrame]) -> tuple[np.ndarray, np.ndarray]:
    return shoulder_series(frames)


@pytest.mark.parametrize("world", [True, False])
@pytest.mark.parametrize("base", [0.0, 178.0, -90.0])  # 178: a mirrored view crosses +-180
def test_repetition_rotation_recovers_a_knownturn(world: bool, base: float) -> None:
    t = np.arange(0.0, 4.0, 1 / FPS)
    theta = base + turn(t, 1.0, 8.0)
    frames = [_frame(i, float(x), float(a), world=world) for i, (x, a) in enumerate(
        zip(t, theta, strict=True))]
    ts, deg = _series(frames)
    assert len(ts) == len(t)
    assert repetition_rotation(ts, deg, 0.5, 3.5) == pytest.approx(8.0, abs=0.1)
    # Only the window counts: before the turn nothing has happened yet.
    assert repetition_rotation(ts, deg, 0.0, 0.9) == pytest.approx(0.0, abs=1e-6)


def test_one_mistracked_frame_and_noise_do_not_read_as_aturn() -> None:
    rng = np.random.default_rng(4)
    t = np.arange(0.0, 3.0, 1 / FPS)
    theta = 3.0 + rng.normal(0, 0.3, t.size)
    theta[40] += 25.0  # one frame where the tracker swapped depth
    frames = [_frame(i, float(x), float(a)) for i, (x, a) in enumerate(zip(t, theta, strict=True))]
    rot = repetition_rotation(*_series(frames), 0.0, 3.0)
    assert rot is not None and rot < 1.5


def test_hidden_shoulders_give_no_rotation() -> None:
    assert shoulder_line_deg(None, None) is None
    hidden = _frame(0, 0.0, 10.0, vis=0.2)
    assert shoulder_line_deg(hidden.pose, hidden.pose_world) is None
    frames = [_frame(i, i / FPS, 5.0, vis=0.2 if i > 1 else 1.0) for i in range(30)]
    assert repetition_rotation(*_series(frames), 0.0, 1.0) is None  # 2 tracked samples


def _reach(index: int, shown: float, dur: float = 2.0) -> list[Ev]:
    t = np.arange(shown, shown + dur + 1e-9, 1 / FPS)
    tau = np.clip((t - shown - 0.4) / 1.0, 0, 1)
    s = 10 * tau ** 3 - 15 * tau ** 4 + 6 * tau ** 5
    path = [[float(a), 0.5 + 0.6 * b, 0.8 * b] for a, b in zip(t, s, strict=True)]
    end = float(t[-1])
    return [Ev(shown, "target_shown", {"index": index}),
            Ev(end, "hold_complete", {"index": index}),
            Ev(end, "repetition", {"index": index, "target": [1.1, 0.8], "shown_t": shown,
                                   "hit": True, "path": path})]


def test_each_reach_of_a_stored_session_gets_its_own_rotation(tmp_path: Any) -> None:
    # The game clock runs from 50 s (the session starts after the menus); reach 0
    # turns the trunk 6 deg, reach 1 turns it 12 deg, both out and back.
    store = Store.open(tmp_path / "np.db", flush_interval_s=0.05)
    try:
        store.ensure_patient("rot")
        rec = store.start_session("rot", "reaching", {}, t0=50.0)
        t = np.arange(50.0, 60.0, 1 / FPS)
        theta = -2.0 + turn(t, 51.0, 6.0) + turn(t, 55.0, 12.0)
        for i, (x, a) in enumerate(zip(t, theta, strict=True)):
            rec.record_frame(_frame(i, float(x), float(a)))
        events = [Ev(50.0, "session_start", {}), *_reach(0, 50.8, 2.5), *_reach(1, 54.8, 2.5)]
        rec.record(events)
        rec.close({"quota_met": True})
        trials = store.trials(rec.session_id)
        rot = [tr.data["metrics"]["trunk_rotation_deg"] for tr in trials]
        assert rot == [pytest.approx(6.0, abs=0.2), pytest.approx(12.0, abs=0.2)]
        # The same numbers from the stored stream (what a recovered session uses), up to
        # its quantization (1 mm steps on a 36 cm shoulder line: 0.16 deg at most).
        again = derive_trials(store.events(rec.session_id),
                              shoulders=shoulder_series(store.landmark_frames(rec.session_id)))
        assert [tr.data["metrics"]["trunk_rotation_deg"] for tr in again] == [
            pytest.approx(r, abs=0.3) for r in rot]
        # And in the CSV export's trial metrics.
        from telemetry.exports import csv_tables
        from telemetry.snapshot import load_patient

        rows = [r for r in csv_tables(load_patient(store, "rot"))["trial_metrics"]
                if r["metric"] == "trunk-rotation"]
        assert [(r["trial"], r["value"], r["unit_ucum"]) for r in rows] == [
            (0, rot[0], "deg"), (1, rot[1], "deg")]
    finally:
        store.close()


WRITER = r"""
import sys, time
import numpy as np
sys.path.insert(0, sys.argv[2])
from synthetic_turns import Ev, FPS, turn
from test_telemetry_trunk_rotation import _frame, _reach
from telemetry.store import Store

store = Store.open(sys.argv[1])
store.ensure_patient("crash")
rec = store.start_session("crash", "reaching", {}, t0=20.0)
t = np.arange(20.0, 25.0, 1 / FPS)
for i, (x, a) in enumerate(zip(t, 1.0 + turn(t, 21.0, 9.0), strict=True)):
    rec.record_frame(_frame(i, float(x), float(a)))
rec.record([Ev(20.0, "session_start", {}), *_reach(0, 20.8, 2.5)])
rec.flush()
print(rec.session_id, flush=True)
time.sleep(60)  # killed before it ever closes the session
"""


@pytest.mark.skipif(not hasattr(__import__("signal"), "SIGKILL"), reason="needs POSIX SIGKILL")
def test_a_session_recovered_after_a_crash_gets_rotation_from_the_stored_stream(
        tmp_path: Any) -> None:
    import os
    import signal
    import subprocess
    import sys
    from pathlib import Path

    repo = Path(__file__).resolve().parents[2]
    db = tmp_path / "crash.db"
    env = {**os.environ, "PYTHONPATH": str(repo)}
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(db), str(Path(__file__).parent)],
                            cwd=repo, env=env, stdout=subprocess.PIPE, text=True)
    try:
        session_id = proc.stdout.readline().strip()  # type: ignore[union-attr]
        assert len(session_id) == 32, "writer did not start"
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait()
    store = Store.open(db)  # recovers the dead writer's session from its events and frames
    try:
        [s] = store.history("crash")
        assert s.recovered and not s.completed
        [trial] = store.trials(session_id)
        assert trial.data["metrics"]["trunk_rotation_deg"] == pytest.approx(9.0, abs=0.2)
    finally:
        store.close()
