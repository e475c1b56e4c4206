"""Paced breathing as a session of its own (`neuroplay play --game breathing`): the
safety screen, check-ins, the set fed by camera frames, the summary, a real store."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pygame
import pytest
from click.testing import CliRunner

from exercises.breathing import REACTION_S, Pacer, shoulder_height_bu
from game.app import App
from game.breathing_set import breathing_set, result_lines
from game.flow import SessionFlow
from game.loop import FixedStepLoop, SimClock
from game.players import PointerPlayer
from game.scenes.base import SceneStack
from game.services import GameServices
from telemetry.store import Store
from vision.bodyframe import BodyFrame

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "game"))
from game_test_doubles import Services

# the first session also asks for the sensory body map (game/flow_bodymap.py)
BREATHING_FLOW = ["title", "safety", "patient", "checkin_pre", "breathing", "checkin_post",
                  "bodymap", "summary"]
W, H = 640, 480
SW_PX = 0.2 * W  # shoulder width in pixels: body units = pixels / SW_PX
AMP_BU = 0.02  # a deep breath lifts the shoulders ~1 cm: 0.02 shoulder widths peak


def shoulder_frame(dy_bu: float, index: int) -> BodyFrame:
    """A camera frame whose shoulders sit dy_bu (shoulder widths, up positive) above rest."""
    pose = np.zeros((33, 4), dtype=np.float32)
    pose[:, 3] = 1.0
    y = 0.4 - dy_bu * SW_PX / H
    pose[11, :2], pose[12, :2] = (0.60, y), (0.40, y)
    return BodyFrame(t_ns=index, index=index, width=W, height=H, pose=pose)


@dataclass
class BreathingPatient:
    """The scripted pointer for the menus; at the breathing screen, camera frames whose
    shoulders rise and fall at `rate_per_min` (a smooth breath, tracking noise), stamped
    with the scene's own clock. `camera=False`: no frames at all (`--mouse`)."""

    rate_per_min: float
    noise_bu: float = 0.002
    camera: bool = True
    menus: PointerPlayer = field(default_factory=lambda: PointerPlayer(speed=2.0))
    rng: Any = field(default_factory=lambda: np.random.default_rng(7))
    n: int = 0

    def poll(self, t: float, scene: object) -> tuple[BodyFrame | None, Any]:
        _, intents = self.menus.poll(t, scene)
        if not self.camera or getattr(scene, "name", "") != "breathing":
            return None, intents
        period = 60.0 / self.rate_per_min
        p = Pacer(0.4 * period, 0.6 * period)
        dy = AMP_BU * (2 * p.level(scene.t - REACTION_S) - 1) + self.rng.normal(0, self.noise_bu)  # type: ignore[attr-defined]
        self.n += 1
        return shoulder_frame(float(dy), self.n), intents


@pytest.fixture
def store():
    s = Store.memory(flush_interval_s=0.05)
    yield s
    s.close()


def play(store: Store, driver: BreathingPatient, source: str = "test") -> tuple[SessionFlow, SceneStack]:
    stack = SceneStack()
    services = GameServices(store, Services(store), game="breathing", seed=3, source=source)
    flow = SessionFlow(stack, services, patient="p1", keep_events=True)
    flow.start()
    app = App(pygame.Surface((1280, 720)), stack, driver=driver)
    app.frame_listeners.append(flow.record_frame)
    FixedStepLoop(SimClock()).run(app, max_frames=260 * 60)  # 3 min of guide + menus
    return flow, stack


def test_a_breathing_session_reads_the_rate_from_the_frames_and_is_stored(store: Store) -> None:
    # 7.5/min while the pacer says 6/min: the reading is measured, not the pacer echoed.
    flow, stack = play(store, BreathingPatient(rate_per_min=7.5))
    assert flow.result.finished
    assert stack.entered == BREATHING_FLOW
    sessions = store.history("p1")
    assert len(sessions) == 1
    s = sessions[0]
    assert s.exercise == "breathing" and s.completed
    summ = s.summary
    # autocorrelation on a 60 Hz grid over 180 s: the period is resolved far below
    # a breath; the tolerance is exercises/breathing's on synthetic chests (5 %, 0.3/min)
    assert summ["state"] == "tracking" and summ["pacer_only"] is False
    assert summ["rate_per_min"] == pytest.approx(7.5, rel=0.05, abs=0.3)
    assert summ["breaths_per_min_paced"] == 6.0 and summ["seconds"] == pytest.approx(180.0, abs=0.1)
    assert summ["breaths_paced"] == 18 and summ["completed"] is True
    # out of step with a 6/min pacer: adherence well below a patient who follows it
    assert summ["adherence"] < 0.7  # out of step with the pacer: about chance (0.5)
    assert s.dose["seconds"] == 180.0 and s.dose["camera"] is True
    kinds = [e.kind for e in store.events(flow.result.session_id)]
    assert kinds.count("breathing") == 18  # one reading every 10 s
    assert sorted(c.phase for c in store.checkins("p1")) == ["post", "pre"]
    summary_scene = dict(stack.history)
    assert "summary" in summary_scene
    lines = result_lines(summ)
    assert lines[0] == "Guide: 6 breaths a minute for 3 min 00 s"
    assert lines[1] == f"Your breathing: about {summ['rate_per_min']:.1f} breaths a minute"


def test_following_the_pacer_gives_its_rate_and_a_high_adherence(store: Store) -> None:
    play(store, BreathingPatient(rate_per_min=6.0))
    summ = store.history("p1")[0].summary
    assert summ["rate_per_min"] == pytest.approx(6.0, rel=0.05, abs=0.3)
    assert summ["adherence"] > 0.8  # in phase (chance is about 0.5)


def test_without_a_camera_the_set_is_the_pacer_alone_and_says_so(store: Store) -> None:
    _, stack = play(store, BreathingPatient(rate_per_min=6.0, camera=False), source="mouse")
    assert stack.entered == BREATHING_FLOW
    s = store.history("p1")[0]
    assert s.completed and s.summary["pacer_only"] is True and s.summary["camera"] is False
    assert s.summary["rate_per_min"] is None and s.summary["adherence"] is None
    # the time breathed, not the 0 s of signal the reading used (the report's minutes)
    assert s.summary["seconds"] == pytest.approx(180.0, abs=0.1) and s.summary["signal_seconds"] == 0
    assert "no camera" in s.summary["why"]
    assert result_lines(s.summary)[1].startswith("Guide only: no camera")
    from telemetry.flagging import local_tz
    from telemetry.therapies import breathing_rows

    row = breathing_rows(store.history("p1"), local_tz())[0]
    assert row["rate"] == "-" and row["reading"].startswith("pacer only: no camera")
    assert row["minutes"] == 3.0


def test_a_frame_without_shoulders_adds_nothing(store: Store) -> None:
    store.ensure_patient("p1", affected_side="right")
    gset = breathing_set(store, "p1", seconds=60.0)
    stack = SceneStack()
    flow = SessionFlow(stack, GameServices(store, Services(store), game="breathing"), patient="p1")
    flow.gmi = gset
    frame = shoulder_frame(0.01, 1)
    flow.record_frame(frame, gset.scene)
    assert gset.scene.ys == [pytest.approx(shoulder_height_bu(frame.pose, W, H))]
    assert gset.scene.ys[0] == pytest.approx(-0.4 * H / SW_PX + 0.01, abs=1e-4)
    frame.pose[11, 3] = 0.1  # a shoulder not seen
    flow.record_frame(frame, gset.scene)
    assert len(gset.scene.ys) == 1


def test_play_breathing_with_the_mouse_is_accepted_as_pacer_only_by_the_checks(tmp_path: Path) -> None:
    """--mouse is not refused for breathing (the pacer is the exercise); --mirror is."""
    from game.cli import cli

    res = CliRunner().invoke(cli, ["play", "--patient", "p1", "--game", "breathing", "--mouse",
                                   "--mirror", "split", "--data-dir", str(tmp_path)])
    assert res.exit_code == 2
    assert "breathing is a breathing guide" in res.output
    assert not any(tmp_path.iterdir())


def test_play_breathing_with_the_mouse_plays_the_pacer_alone(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """`play --game breathing --mouse`: not refused (the pacer is the exercise; imagery,
    which needs the camera, is); the set it builds has no camera and stores pacer only."""
    from game.cli import cli
    from game.session import LivePlayer, SessionRequest, prepare

    monkeypatch.setenv("SDL_VIDEODRIVER", "x11")  # past the window check (nothing opens)
    monkeypatch.setenv("DISPLAY", ":0")
    data = tmp_path / "data"
    res = CliRunner().invoke(cli, ["play", "--patient", "nobody", "--game", "breathing",
                                   "--mouse", "--data-dir", str(data)])
    assert res.exit_code == 2  # checked as far as the patient: --mouse itself is accepted
    assert "unknown patient 'nobody'" in res.output and "--mouse" not in res.output
    assert not data.exists()
    with Store.open(data / "neuroplay.db") as s:
        s.ensure_patient("p1", affected_side="right")
    prepared = prepare(SessionRequest(patient="p1", game="breathing", data_dir=str(data)),
                       LivePlayer(mouse=True))
    try:
        flow = prepared.make_flow(SceneStack())
        gset = flow.services.gmi_set("p1")
        assert flow.services.source == "mouse" and gset.exercise == "breathing"
        assert gset.scene.camera is False and gset.dose["camera"] is False
        assert gset.decisions[-1].startswith("no camera (--mouse)")
    finally:
        prepared.close()


def test_closing_the_window_mid_set_keeps_what_was_breathed(store: Store) -> None:
    """`abort` (window closed, error): the set is closed as not completed with its reading."""
    from vision.intents import Intents

    stack = SceneStack()
    flow = SessionFlow(stack, GameServices(store, Services(store), game="breathing",
                                           source="test"), patient="p1")
    store.ensure_patient("p1", affected_side="right")
    flow.result.patient_id, flow.result.pre = "p1", {"pain": 3}
    flow._start_gmi(flow.services.gmi_set)
    scene = stack.top
    assert scene is not None and scene.name == "breathing"
    for k in range(25 * 60):
        flow.record_frame(shoulder_frame(AMP_BU * np.sin(2 * np.pi * 0.1 * scene.t), k), scene)
        stack.update(Intents(t=k / 60), 1 / 60)
    flow.abort()
    s = store.history("p1")[0]
    assert s.exercise == "breathing" and s.completed is False
    assert s.summary["seconds"] == pytest.approx(25.0, abs=0.05) and s.summary["completed"] is False
    assert [e.kind for e in store.events(s.session_id)].count("breathing") == 2  # at 10 s and 20 s
