"""`neuroplay demo --headless` in-process: a real SQLite store left behind."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from game.cli import cli
from telemetry.store import Store


def test_demo_headless_leaves_a_session_in_sqlite(tmp_path: Path) -> None:
    shots = tmp_path / "shots"
    res = CliRunner().invoke(cli, ["demo", "--headless", "--seconds", "20", "--data-dir", str(tmp_path),
                                   "--json", "--screenshots", str(shots), "--seed", "3"])
    assert res.exit_code == 0, res.output
    import pygame

    assert not pygame.display.get_init()  # --headless never touches the display
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
        # pre, the pain check at the rest break (a check-in of its own), post
        assert [c.phase for c in store.checkins("demo")] == ["pre", "in_session", "post"]
        # The virtual patient was calibrated by vision's procedure, and the result saved.
        cal = store.load_calibration("demo")
        assert cal is not None
        reach = cal["envelope"]["right"]
        assert set(reach) >= {"out", "up", "in"} and all(0.3 <= v <= 3.0 for v in reach.values())
    finally:
        store.close()
    report = Path(out["report"])
    assert report.is_file() and "<html" in report.read_text()[:500].lower()
    names = sorted(p.name for p in shots.glob("*.png"))
    for scene in ("title", "safety", "checkin_pre", "calibration", "exercise", "rest", "summary"):
        assert any(scene in n for n in names), names


def test_demo_same_seed_same_session(tmp_path: Path) -> None:
    runs = []
    for i in range(2):
        res = CliRunner().invoke(cli, ["demo", "--headless", "--seconds", "10", "--json", "--seed", "5", "--no-report",
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


def test_play_bad_input_is_one_clear_line_exit_2_and_creates_nothing(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / "data"
    res = CliRunner().invoke(cli, ["play", "--patient", "p1", "--new", "--video", str(tmp_path / "missing.mp4"),
                                   "--data-dir", str(data)])
    assert res.exit_code == 2
    assert "missing.mp4" in res.output
    assert len(res.output.strip().splitlines()) == 1
    # No display (SDL's dummy driver here): one line, and nothing opened or created (issue 5).
    res = CliRunner().invoke(cli, ["play", "--patient", "p1", "--new", "--mouse", "--data-dir", str(data)])
    assert res.exit_code == 2
    assert "play needs a window: SDL_VIDEODRIVER=dummy selects SDL's invisible" in res.output
    assert not data.exists() and not (tmp_path / "neuroplay.db").exists()
    # With a display, an unknown patient (no --new) is refused before a database is created.
    monkeypatch.setenv("SDL_VIDEODRIVER", "x11")
    monkeypatch.setenv("DISPLAY", ":0")
    res = CliRunner().invoke(cli, ["play", "--patient", "nobody", "--mouse", "--data-dir", str(data)])
    assert res.exit_code == 2
    assert "unknown patient 'nobody'" in res.output
    assert len(res.output.strip().splitlines()) == 1
    assert not data.exists()
    # A known patient's recorded side is not silently overridden.
    store = Store.open(data / "neuroplay.db")
    store.ensure_patient("p2", affected_side="right")
    store.close()
    res = CliRunner().invoke(cli, ["play", "--patient", "p2", "--mouse", "--side", "left", "--data-dir", str(data)])
    assert res.exit_code == 2
    assert "recorded with the right arm affected" in res.output
    assert len(res.output.strip().splitlines()) == 1


def test_demo_from_a_portrait_replay_plays_every_frame_on_its_clock(tmp_path: Path) -> None:
    from exercises.virtual_patient import ReachGoal, Rest, VirtualPatient, synthetic_seated_body
    from vision.replay import write_replay

    base = synthetic_seated_body(seconds=3.0, fps=20.0, width=480, height=640)  # portrait
    vp = VirtualPatient(base, seed=2, fps=20.0)

    def goal(t: float):
        return ReachGoal("right", 1.1, 0.4) if int(t / 1.5) % 2 == 0 else Rest()

    frames = list(vp.frames(0.0, 6.0, goal))
    path = write_replay(tmp_path / "portrait.npz", frames, source="test", fps=20.0)
    res = CliRunner().invoke(cli, ["demo", "--headless", "--replay", str(path), "--json", "--no-report",
                                   "--data-dir", str(tmp_path)])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output.strip().splitlines()[-1])
    assert out["targets"] == out["hits"] + out["misses"]
    store = Store.open(tmp_path / "neuroplay.db", create=False)
    try:
        stored = store.landmark_frames(out["session_id"])
        assert len(stored) == len(frames)  # every frame of the recording was played
        assert (stored[0].width, stored[0].height) == (480, 640)
        # A recording is stored as a demo session: not one of the patient's sessions.
        assert store.history("demo") == [] and store.checkins("demo") == []
        [session] = store.history("demo", include_demo=True)
        assert session.source == "demo:replay" and session.demo and not session.completed
        assert out["demo_recording"] is True and out["end_reason"] == "replay_ended"
        events = store.events(out["session_id"])
        assert [e.data["reason"] for e in events if e.kind == "stop"] == ["replay_ended"]
        # The exercise ran on the recording's clock: about its 6 s, not the menus' time.
        start = next(e.t for e in events if e.kind == "session_start")
        end = next(e.t for e in events if e.kind == "session_end")
        assert 5.5 <= end - start <= 6.5
    finally:
        store.close()


def test_demo_plays_the_dose_the_progression_engine_chose_from_the_stored_plan(tmp_path: Path) -> None:
    from importlib.resources import files

    plan = (files("assets.plans") / "gentle_start_fear_of_movement.toml").read_text()
    store = Store.open(tmp_path / "neuroplay.db")
    store.ensure_patient("demo")
    store.save_plan("demo", plan, author="test")
    store.close()
    res = CliRunner().invoke(cli, ["demo", "--headless", "--seconds", "120", "--json", "--no-report",
                                   "--data-dir", str(tmp_path)])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output.strip().splitlines()[-1])
    store = Store.open(tmp_path / "neuroplay.db", create=False)
    try:
        [session] = store.history("demo")
        assert session.decisions[0] == "plan v1"
        assert session.dose["reaching"]["repetitions"] == 8  # the plan's tolerance-session start value
        assert out["targets"] <= 8
        events = store.events(out["session_id"])
        shown = [e for e in events if e.kind == "target_shown"]
        assert {e.data["direction"] for e in shown} <= {"out", "up_out", "in", "down_out"}
        # A tolerance session runs at fixed values (no staircase), so the baseline measures
        # tolerance; the session's dose history says so.
        assert not [e for e in events if e.kind == "difficulty_step"]
        [only] = session.summary["difficulty_steps"]
        assert only["reason"] == "tolerance session: fixed values, no staircase"
    finally:
        store.close()


@pytest.mark.slow
def test_demo_from_a_real_video_tracks_and_plays_every_frame(tmp_path: Path, shared_data: Path) -> None:
    video = shared_data / "videos/fullbody/mediapipe_docs_pose_segmentation.mp4"  # 5.1 s at 20 fps
    res = CliRunner().invoke(cli, ["demo", "--headless", "--video", str(video), "--json", "--no-report",
                                   "--data-dir", str(tmp_path)])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output.strip().splitlines()[-1])
    store = Store.open(tmp_path / "neuroplay.db", create=False)
    try:
        frames = store.landmark_frames(out["session_id"])
        assert len(frames) == 102  # every frame of the clip, none dropped
        assert sum(f.pose is not None for f in frames) >= 95  # a dancer in full view
        [session] = store.history("demo", include_demo=True)
        assert session.source == "demo:video" and store.history("demo") == []
        assert out["end_reason"] == "video_ended"
        assert [e.data["reason"] for e in store.events(out["session_id"])
                if e.kind == "stop"] == ["video_ended"]
    finally:
        store.close()


def test_demo_without_a_display_runs_headless_by_itself_and_says_so(tmp_path: Path) -> None:
    res = CliRunner().invoke(cli, ["demo", "--seconds", "5", "--no-report", "--data-dir", str(tmp_path)])
    assert res.exit_code == 0, res.output
    assert "SDL_VIDEODRIVER=dummy selects SDL's invisible dummy driver" in res.output
    assert "running headless" in res.output
    assert "targets" in res.output and str(tmp_path) in res.output


@pytest.mark.parametrize("game, key", [("tapping", "taps"), ("pinch", "objects_moved"),
                                       ("openclose", "repetitions")])
def test_demo_plays_each_dexterity_game_with_the_virtual_hands(tmp_path: Path, game: str, key: str) -> None:
    res = CliRunner().invoke(cli, ["demo", "--headless", "--game", game, "--seconds", "20", "--json",
                                   "--no-report", "--data-dir", str(tmp_path)])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output.strip().splitlines()[-1])
    assert out["exercise"] == game
    assert out[key] > 0  # the game's own summary() keys reach the JSON
    store = Store.open(tmp_path / "neuroplay.db", create=False)
    try:
        kinds = [e.kind for e in store.events(out["session_id"])]
        assert kinds[0] == "session_start" and kinds[-1] == "session_end"
    finally:
        store.close()


def test_demo_mirror_therapy_the_unaffected_hand_plays_the_affected_side(tmp_path: Path) -> None:
    res = CliRunner().invoke(cli, ["demo", "--headless", "--mirror", "split", "--seconds", "30", "--json",
                                   "--no-report", "--data-dir", str(tmp_path)])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output.strip().splitlines()[-1])
    # The virtual patient reaches with its LEFT (unaffected) arm to the mirror image of each
    # right-side target; the mirrored landmarks carry the hit to the right side.
    assert out["hits"] >= 3
    store = Store.open(tmp_path / "neuroplay.db", create=False)
    try:
        [session] = store.history("demo")
        assert session.mirror == "split"
        shown = [e for e in store.events(out["session_id"]) if e.kind == "target_shown"]
        assert all(e.data["side"] == "right" for e in shown)
    finally:
        store.close()


@pytest.mark.slow
def test_calibrate_from_a_clip_too_short_to_finish_saves_nothing(tmp_path: Path, shared_data: Path) -> None:
    video = shared_data / "videos/fullbody/mediapipe_docs_pose_segmentation.mp4"  # 5 s, nobody following prompts
    res = CliRunner().invoke(cli, ["calibrate", "--patient", "c1", "--video", str(video), "--headless",
                                   "--data-dir", str(tmp_path)])
    assert res.exit_code == 2
    assert "calibration did not finish (the recording ended); nothing saved" in res.output
    store = Store.open(tmp_path / "neuroplay.db", create=False)
    try:
        assert not store.patient_exists("c1")
    finally:
        store.close()


def test_demo_on_a_damaged_database_is_one_line_exit_2_and_leaves_it_alone(tmp_path: Path) -> None:
    db = tmp_path / "neuroplay.db"
    db.write_bytes(b"this is not sqlite")
    res = CliRunner().invoke(cli, ["demo", "--headless", "--seconds", "5", "--data-dir", str(tmp_path)])
    assert res.exit_code == 2
    lines = res.output.strip().splitlines()
    assert len(lines) == 1 and str(db) in lines[0]
    assert db.read_bytes() == b"this is not sqlite"


def test_calibrate_with_a_camera_and_no_display_says_why_exit_2(tmp_path: Path) -> None:
    res = CliRunner().invoke(cli, ["calibrate", "--patient", "c1", "--data-dir", str(tmp_path)])
    assert res.exit_code == 2
    assert "needs a window to show the prompts" in res.output
    assert not (tmp_path / "neuroplay.db").exists()  # nothing written


@pytest.mark.parametrize("env, says", [
    ({"SDL_VIDEODRIVER": "dummy", "DISPLAY": ":99"}, "SDL_VIDEODRIVER=dummy selects SDL's invisible"),
    ({"SDL_VIDEODRIVER": "offscreen", "WAYLAND_DISPLAY": "wayland-0"}, "SDL_VIDEODRIVER=offscreen"),
    ({"SDL_VIDEODRIVER": None, "DISPLAY": None, "WAYLAND_DISPLAY": None},
     "no display: neither DISPLAY nor WAYLAND_DISPLAY is set"),
])
def test_play_says_what_actually_keeps_the_window_from_opening(
        tmp_path: Path, env: dict[str, str | None], says: str) -> None:
    """Issue 13: with SDL_VIDEODRIVER=dummy and DISPLAY=:99, play said "no DISPLAY"."""
    res = CliRunner().invoke(cli, ["play", "--patient", "p1", "--new", "--mouse",
                                   "--data-dir", str(tmp_path / "d")], env=env)
    assert res.exit_code == 2
    lines = res.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: play needs a window: ") and says in lines[0]
    if env.get("SDL_VIDEODRIVER"):
        assert "DISPLAY" not in lines[0]
    assert not (tmp_path / "d").exists()


def test_demo_side_left_the_virtual_patient_reaches_with_its_left_arm(tmp_path: Path) -> None:
    from vision.directions import direction_vector

    res = CliRunner().invoke(cli, ["demo", "--headless", "--side", "left", "--seconds", "20", "--json",
                                   "--no-report", "--data-dir", str(tmp_path)])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output.strip().splitlines()[-1])
    assert out["hits"] > 0
    store = Store.open(tmp_path / "neuroplay.db", create=False)
    try:
        assert store.get_patient("demo").affected_side == "left"
        shown = [e.data for e in store.events(out["session_id"]) if e.kind == "target_shown"]
        assert shown and all(d["side"] == "left" for d in shown)
        # Body x is + to the patient's RIGHT (docs/CONTRACTS.md): the left shoulder sits at
        # x = -0.5 and each target lies from it along the left arm's direction.
        # (a target that would cover the face is turned about the shoulder just clear of it,
        # exercises/scenes/layout.py: an "up" one outward, never across toward the face)
        for d in shown:
            vx, _ = direction_vector(d["direction"], "left")
            assert (d["x"] + 0.5) * vx >= 0 and (abs(vx) > 1e-9 or d["x"] <= -0.5 + 1e-9), d
        assert any(d["x"] < -0.5 for d in shown if direction_vector(d["direction"], "left")[0] < 0)
        assert store.load_calibration("demo")["envelope"].get("left")  # calibrated on the left arm
    finally:
        store.close()


def test_demo_easier_plays_shorter_and_slower_and_the_report_follows(tmp_path: Path) -> None:
    res = CliRunner().invoke(cli, ["demo", "--headless", "--seconds", "30", "--easier", "--json",
                                   "--data-dir", str(tmp_path)])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output.strip().splitlines()[-1])
    assert out["easier"] is True
    assert out["session_minutes"] == pytest.approx(0.5 * 2 / 3, abs=1e-3) and out["pace"] == 0.75
    store = Store.open(tmp_path / "neuroplay.db", create=False)
    try:
        [session] = store.history("demo")
        assert session.dose["session"]["session_minutes"] == pytest.approx(1 / 3, abs=1e-3)
        assert "easier today: pace 1 -> 0.75" in session.decisions
        assert session.decisions[-1] == "today easier (shorter and slower): chosen on the command line"
        events = store.events(out["session_id"])
        start = next(e.t for e in events if e.kind == "session_start")
        end = next(e.t for e in events if e.kind == "session_end")
        rests = sum(e.t for e in events if e.kind == "rest_end") - sum(e.t for e in events if e.kind == "rest_start")
        assert end - start - rests <= 20.0 + 0.5  # 20 s of play, not the 30 planned
        # After the session the flags were refreshed and the report written (shared with `play`).
        assert Path(out["report"]).is_file()
    finally:
        store.close()


def test_play_new_with_a_source_that_will_not_open_leaves_no_database(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SDL_VIDEODRIVER", "x11")  # past the display check: the source is what fails
    monkeypatch.setenv("DISPLAY", ":0")
    not_a_video = tmp_path / "notes.mp4"
    not_a_video.write_text("not a video")
    for source in (["--video", str(tmp_path / "missing.mp4")], ["--video", str(not_a_video)],
                   ["--camera", "7"]):  # no camera here at all
        data = tmp_path / "new" / "data"
        res = CliRunner().invoke(cli, ["play", "--patient", "p1", "--new", *source, "--data-dir", str(data)])
        assert res.exit_code == 2, (source, res.output)
        assert res.output.strip().splitlines()[-1].startswith("Error: "), source
        assert not (data / "neuroplay.db").exists() and not (tmp_path / "new").exists(), source
    # A database that was there before is left alone (and still holds its patient).
    data = tmp_path / "kept"
    store = Store.open(data / "neuroplay.db")
    store.ensure_patient("p0")
    store.close()
    res = CliRunner().invoke(cli, ["play", "--patient", "p1", "--new", "--video", str(not_a_video),
                                   "--data-dir", str(data)])
    assert res.exit_code == 2 and "cannot open" in res.output
    store = Store.open(data / "neuroplay.db", create=False)
    try:
        assert store.patient_exists("p0") and not store.patient_exists("p1")
    finally:
        store.close()


def test_demo_answers_the_rest_break_pain_question_and_rest_pain_shows_the_pause(tmp_path: Path) -> None:
    def in_session(args: list[str], data: Path) -> tuple[list[dict], list[str], list[str]]:
        shots = data / "shots"
        res = CliRunner().invoke(cli, ["demo", "--headless", "--seconds", "30", "--no-report", "--json",
                                       "--data-dir", str(data), "--screenshots", str(shots), *args])
        assert res.exit_code == 0, res.output
        sid = json.loads(res.output.strip().splitlines()[-1])["session_id"]
        store = Store.open(data / "neuroplay.db", create=False)
        try:
            events = store.events(sid)
        finally:
            store.close()
        checks = [dict(e.data) for e in events if e.kind == "checkin" and e.data.get("phase") == "in_session"]
        pauses = [e.data["reason"] for e in events if e.kind == "pause"]
        return checks, pauses, sorted(p.name for p in shots.glob("*.png"))

    # By default the scripted patient rates the same pain as before the session: nothing changes.
    checks, pauses, shots = in_session([], tmp_path / "a")
    assert checks == [{"phase": "in_session", "nrs": 3, "pre_pain": 3, "drop_levels": 0}]
    assert pauses == [] and any("checkin_in_session" in n for n in shots)
    assert not any("pain_easier" in n for n in shots)
    # --rest-pain 6: a rise of 3 (and above 5): the pain pause, shown and continued.
    checks, pauses, shots = in_session(["--rest-pain", "6"], tmp_path / "b")
    assert checks == [{"phase": "in_session", "nrs": 6, "pre_pain": 3, "drop_levels": 1}]
    assert pauses == ["pain"] and any("pain_easier" in n for n in shots)


def test_demo_recordings_leave_the_patients_record_trends_and_flags_alone(tmp_path: Path) -> None:
    """A patient with real sessions, then a recording played by `demo --replay` for the
    same patient: the demo session is kept (flagged) but trends, flags, adherence, the
    report and the progression's history never see it, and the CLI says so."""
    from datetime import datetime, timedelta, timezone

    from exercises.virtual_patient import Rest, VirtualPatient, synthetic_seated_body
    from telemetry.flagging import refresh_flags
    from vision.replay import write_replay

    class _Ev:
        def __init__(self, t: float, kind: str, data: dict) -> None:
            self.t, self.kind, self.data = t, kind, data

    store = Store.open(tmp_path / "neuroplay.db")
    store.ensure_patient("p7")
    t0 = datetime(2026, 1, 5, 10, tzinfo=timezone.utc)
    for day in range(4):  # four real sessions, each with its check-ins and one reach
        rec = store.start_session("p7", "reaching", {}, started_at=t0 + timedelta(days=day))
        store.checkin("p7", "pre", {"pain": 4}, session_id=rec.session_id, at=t0 + timedelta(days=day))
        path = [[1.0 + 0.05 * k, 0.5 + 0.03 * k, 0.02 * k] for k in range(21)]
        rec.record([_Ev(1.0, "target_shown", {"index": 0}),
                    _Ev(2.0, "repetition", {"index": 0, "target": [1.1, 0.4], "shown_t": 1.0,
                                            "hit": True, "outcome": "hit", "path": path})])
        rec.close({"targets": 1, "hits": 1}, ended_at=t0 + timedelta(days=day, minutes=5))
    before = len(store.history("p7"))
    checkins_before = len(store.checkins("p7"))
    trials_before = len(store.patient_trials("p7"))
    store.close()
    base = synthetic_seated_body(seconds=3.0, fps=20.0)
    frames = list(VirtualPatient(base, seed=1, fps=20.0).frames(0.0, 4.0, lambda t: Rest()))
    path = write_replay(tmp_path / "still.npz", frames, source="test", fps=20.0)
    res = CliRunner().invoke(cli, ["demo", "--headless", "--replay", str(path), "--patient", "p7",
                                   "--data-dir", str(tmp_path)])
    assert res.exit_code == 0, res.output
    assert "replay_ended" in res.output
    assert "stored as a demo session: left out of p7's record, trends and flags" in res.output
    assert "report:" not in res.output  # no patient report of a recording
    store = Store.open(tmp_path / "neuroplay.db", create=False)
    try:
        assert len(store.history("p7")) == before
        assert len(store.history("p7", include_demo=True)) == before + 1
        assert len(store.checkins("p7")) == checkins_before  # the script's answers are left out
        assert len(store.checkins("p7", include_demo=True)) > checkins_before
        assert len(store.patient_trials("p7")) == trials_before
        today = store.now().date()  # the demo session's week included
        data, assessment = refresh_flags(store, "p7", today=today, tz=timezone.utc)
        assert all(not s.demo for s in data.sessions) and len(data.sessions) == before
        assert sum(w.started for w in assessment.adherence) == before
        assert [p.value for p in assessment.series["pain"].points] == [4.0] * before
    finally:
        store.close()


def test_one_movement_time_in_the_cli_the_events_and_the_report(tmp_path: Path) -> None:
    """The CLI's mean movement time is the mean of the per-reach movement times the
    store derives (2 % of peak speed, onset to offset: telemetry.metrics.movement_time_s),
    and each repetition event carries that same value; the live onset-to-touch time has
    its own name (time_to_touch_s)."""
    import numpy as np

    res = CliRunner().invoke(cli, ["demo", "--headless", "--seconds", "30", "--json", "--no-report",
                                   "--data-dir", str(tmp_path), "--seed", "5"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output.strip().splitlines()[-1])
    assert out["hits"] >= 3
    store = Store.open(tmp_path / "neuroplay.db", create=False)
    try:
        reps = [e for e in store.events(out["session_id"]) if e.kind == "repetition"]
        trials = {t.trial_index: t for t in store.patient_trials("demo")}
        derived = [trials[r.data["index"]].data["metrics"]["movement_time_s"]
                   for r in reps if r.data["hit"]]
        for r in reps:
            m = trials[r.data["index"]].data["metrics"]["movement_time_s"]
            assert r.data["movement_time_s"] == pytest.approx(m, abs=1e-9)
            if r.data["time_to_touch_s"] is not None and m is not None:
                assert r.data["time_to_touch_s"] != pytest.approx(m, abs=1e-6)  # another measure
        assert out["mean_movement_time_s"] == pytest.approx(float(np.mean(derived)), abs=1e-9)
    finally:
        store.close()


def test_demo_every_game_writes_every_scene_of_every_game(tmp_path: Path) -> None:
    shots = tmp_path / "shots"
    res = CliRunner().invoke(cli, ["demo", "--headless", "--every-game", "--seconds", "5", "--no-report",
                                   "--data-dir", str(tmp_path / "d"), "--screenshots", str(shots)])
    assert res.exit_code == 0, res.output
    for game in ("reaching", "tapping", "pinch", "openclose"):
        names = sorted(p.name for p in (shots / game).glob("*.png"))
        for scene in ("title", "safety", "checkin_pre", "calibration", "exercise", "summary"):
            assert any(n.endswith(f"_{scene}.png") for n in names), (game, names)
        assert f"{game}: {len(names)} screenshots" in res.output
    res = CliRunner().invoke(cli, ["demo", "--headless", "--every-game", "--data-dir", str(tmp_path / "d")])
    assert res.exit_code == 2 and "--screenshots" in res.output
