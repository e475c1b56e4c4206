"""GMI stage 2: the stillness check (synthetic, and real MediaPipe on real clips of still
and moving arms), the imagery run, and `demo --game imagery`."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from exercises.gmi.imagery import GMI_IMAGERY, GMI_RATING, ImageryRun, imagery_met, make_trials
from exercises.gmi.stillness import StillnessMonitor, limb_points_bu, windowed_speeds
from telemetry.store import Store


def _feed(mon: StillnessMonitor, fps: float, seconds: float, path) -> None:
    for k in range(int(fps * seconds)):
        t = k / fps
        mon.update(t, path(t))


@pytest.mark.parametrize("fps", [20.0, 30.0, 60.0])
def test_jitter_is_still_and_a_slow_reach_is_movement_at_any_frame_rate(fps: float) -> None:
    rng = np.random.default_rng(1)
    still = StillnessMonitor(threshold_bu_s=0.3)
    _feed(still, fps, 10.0, lambda t: np.array([[0.5, -1.2], [0.4, -1.6]])
          + rng.normal(0, 0.01, (2, 2)))
    assert not still.moved and still.peak_bu_s < 0.3
    moving = StillnessMonitor(threshold_bu_s=0.3)
    # 0.5 shoulder widths/s from t = 4 s (about 20 cm/s): a slow, real movement
    _feed(moving, fps, 10.0, lambda t: np.array([[0.5, -1.2 + 0.5 * max(0.0, t - 4.0)]] * 2))
    assert moving.moved and 4.0 < moving.moved_at < 4.0 + 0.3 + 0.2 + 2 / fps + 1e-9


def test_a_single_glitch_is_not_movement_and_missing_frames_are_skipped() -> None:
    mon = StillnessMonitor(threshold_bu_s=0.3)
    for k in range(300):
        t = k / 30
        p = np.array([[0.5, -1.2]])
        if k == 150:
            p = p + 0.5  # one frame far off (a tracking glitch)
        mon.update(t, None if 100 <= k < 120 else p)
    assert not mon.moved


def test_limb_points_are_shoulder_widths_from_the_shoulder_midpoint() -> None:
    pose = np.zeros((33, 4))
    pose[:, 3] = 1.0
    pose[11, :2], pose[12, :2] = (0.6, 0.3), (0.4, 0.3)  # 0.2 x 640 = 128 px apart
    pose[16, :2] = (0.4, 0.5)
    pose[14, :2] = (0.4, 0.4)
    pts = limb_points_bu(pose, 640, 480, "right")
    assert pts is not None
    assert pts[1] == pytest.approx([(0.4 - 0.5) * 640 / 128, 0.2 * 480 / 128])
    pose[16, 3] = 0.1
    assert limb_points_bu(pose, 640, 480, "right") is None


def _track_limb(path: Path, side: str, seconds: float) -> tuple[np.ndarray, list]:
    from vision.sources import VideoSource
    from vision.trackers import MediaPipeTracker

    ts, pts = [], []
    with VideoSource(path, max_seconds=seconds, max_side=640) as src, \
            MediaPipeTracker(hands=False) as tracker:
        k = 0
        while (got := src.read()) is not None:
            f = tracker.process(got[1], got[0], k)
            k += 1
            ts.append(f.t)
            pts.append(None if f.pose is None else limb_points_bu(f.pose, f.width, f.height, side))
    return np.array(ts), pts


@pytest.mark.slow
@pytest.mark.parametrize(("clip", "side", "moves"), [
    ("videos/hand/raiyan_finger_tapping_test4.mov", "right", False),  # fingers tap, arm rests
    ("videos/hand/sagor_hand_open_close.mp4", "left", False),  # hand opens/closes, arm rests
    ("videos/upper_limb/sagor_elbow_flexion.mp4", "left", True),  # elbow bends
])
def test_stillness_on_real_clips(shared_data: Path, clip: str, side: str, moves: bool) -> None:
    from exercises.gmi.rules import Imagery

    ts, pts = _track_limb(shared_data / clip, side, 3.0)
    mon = StillnessMonitor(threshold_bu_s=Imagery().stillness_bu_s)
    for t, p in zip(ts, pts, strict=True):
        mon.update(float(t), p)
    assert mon.moved is moves
    speeds = windowed_speeds(ts, pts)
    if moves:
        assert np.nanmedian(speeds) > 3 * Imagery().stillness_bu_s
    else:
        assert np.nanmax(speeds) < Imagery().stillness_bu_s


def test_run_ends_a_moving_picture_early_as_moved_and_asks_ratings_per_set() -> None:
    trials = make_trials(2, 2, ["four", "call", "rock"], "left", seed=3)
    assert [t.set_index for t in trials] == [0, 0, 1, 1]
    run = ImageryRun(trials, hold_s=5.0, threshold_bu_s=0.3, ready_s=0.5, outcome_s=0.5)
    dt = 1 / 30

    def go(moving: bool) -> None:
        start = run.t
        while run.phase not in ("outcome",):
            y = 0.8 * max(0.0, run.t - start - 1.0) if moving else 0.0
            run.step(dt, np.array([[0.5, -1.2 + y]]))
        while run.phase == "outcome":
            run.step(dt, None)

    go(False)
    go(True)
    assert run.outcomes == ["still", "moved"] and run.phase == "rate"
    with pytest.raises(ValueError):
        run.rate(11, 2)
    run.rate(3, 5)
    go(False)
    go(False)
    run.rate(None, 4)
    assert run.done
    s = run.summary()
    assert (s["trials"], s["still"], s["moved"], s["still_fraction"]) == (4, 3, 1, 0.75)
    assert s["pain_max"] == 3 and len(s["ratings"]) == 2
    kinds = [e.kind for e in run.drain()]
    assert kinds.count(GMI_IMAGERY) == 4 and kinds.count(GMI_RATING) == 2
    assert imagery_met(s, 0.7)[0] and not imagery_met(s, 0.8)[0]


def test_demo_imagery_json_and_store(tmp_path: Path) -> None:
    res = CliRunner().invoke(__import__("game.cli", fromlist=["cli"]).cli,
                             ["demo", "--game", "imagery", "--json", "--no-report", "--seed", "2",
                              "--data-dir", str(tmp_path)])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output.strip().splitlines()[-1])
    assert out["trials"] == 12 and out["still"] + out["moved"] == 12
    assert len(out["ratings"]) == 2 and out["criteria"].endswith("(>= 70%)") == out["criteria_met"]
    store = Store.open(tmp_path / "neuroplay.db", create=False)
    try:
        [session] = store.history("demo")
        ev = store.events(session.session_id)
        assert sum(e.kind == "gmi_imagery" for e in ev) == 12
        moved = [e for e in ev if e.kind == "gmi_imagery" and e.data["outcome"] == "moved"]
        assert len(moved) == out["moved"] and all(e.data["peak_speed_bu_s"] > 0.3 for e in moved)
        phases = {c.phase for c in store.checkins("demo")}
        assert {"pre", "post"} <= phases
    finally:
        store.close()
