"""GMI sets played through the session flow (`neuroplay play --game laterality|imagery`):
the safety screen, the check-ins, the stop and the summary around the set, a real store."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pygame
import pytest
from click.testing import CliRunner

from game.app import App
from game.flow import SessionFlow
from game.input import KeyboardMouseInput
from game.loop import FixedStepLoop, SimClock
from game.players import PointerPlayer
from game.scenes.base import SceneStack
from game.services import GameServices
from telemetry.store import Store
from vision.bodyframe import BodyFrame

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "game"))
from game_test_doubles import Services

# the first session also asks for the sensory body map (game/flow_bodymap.py, issue 17)
LATERALITY_FLOW = ["title", "safety", "patient", "checkin_pre", "laterality", "checkin_post",
                   "bodymap", "summary"]


@pytest.fixture
def store():
    s = Store.memory(flush_interval_s=0.05)
    yield s
    s.close()


def gmi_services(store: Store, game: str, seed: int = 3) -> GameServices:
    """The real services; the dosing double is never asked (a GMI set has no dose)."""
    return GameServices(store, Services(store), game=game, seed=seed, source="test")


def run(app: App, seconds: float) -> None:
    FixedStepLoop(SimClock()).run(app, max_frames=int(seconds * 60))


def test_a_laterality_set_plays_between_the_check_ins_and_is_stored(store: Store) -> None:
    stack = SceneStack()
    flow = SessionFlow(stack, gmi_services(store, "laterality"), patient="p1", keep_events=True)
    flow.start()
    # The scripted hand answers every menu; on the laterality screen it holds the first
    # button ("Left") for every picture: half the pictures (the left hands) are right.
    app = App(pygame.Surface((1280, 720)), stack, driver=PointerPlayer(speed=2.0))
    run(app, 600)
    assert flow.result.finished
    assert stack.entered == LATERALITY_FLOW
    outcome = dict(stack.history)["laterality"]
    run_ = flow.gmi.run
    left_pictures = sum(t.side == "left" for t in run_.trials)
    assert outcome["trials"] == len(run_.trials) == 40
    assert outcome["accuracy"] == pytest.approx(left_pictures / 40)
    assert outcome["answer_mode"] == "dwell"
    assert outcome["left"]["accuracy"] == 1.0 and outcome["right"]["accuracy"] == 0.0
    sessions = store.history("p1")
    assert len(sessions) == 1 and sessions[0].exercise == "laterality" and sessions[0].completed
    sid = flow.result.session_id
    kinds = [e.kind for e in store.events(sid)]
    assert kinds.count("gmi_trial") == 40
    stored = sessions[0].summary
    assert stored["criteria_met"] is False and stored["criteria"].startswith("right")  # never right
    assert sorted(c.phase for c in store.checkins("p1")) == ["post", "pre"]
    from game.gmi_sets import result_lines

    assert result_lines("laterality", outcome)[:2] == ["Pictures answered: 40",
                                                       f"Right answers: {left_pictures / 40:.0%}"]


def test_escape_stops_a_laterality_set_and_still_asks_after(store: Store) -> None:
    stack = SceneStack()
    flow = SessionFlow(stack, gmi_services(store, "laterality"), patient="p1")
    flow.start()
    keys = KeyboardMouseInput()
    app = App(pygame.Surface((1280, 720)), stack, driver=PointerPlayer(speed=2.0), keys=keys)
    loop = FixedStepLoop(SimClock())
    while stack.top is not None and stack.top.name != "laterality":
        loop.tick(app)
        loop.clock.wait_frame(loop.clock.now(), 1 / 60)
    for _ in range(600):  # 10 s of pictures
        loop.tick(app)
        loop.clock.wait_frame(loop.clock.now(), 1 / 60)
    keys.handle(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_ESCAPE))
    run(app, 120)
    assert stack.entered[-2:] == ["checkin_post", "summary"]
    sessions = store.history("p1")
    assert len(sessions) == 1 and sessions[0].completed is False
    answered = sessions[0].summary["trials"]
    assert 0 < answered < 40
    assert [e.kind for e in store.events(flow.result.session_id)].count("gmi_trial") == answered


def test_the_imagery_scene_reads_the_resting_arm_from_camera_frames(store: Store) -> None:
    stack = SceneStack()
    flow = SessionFlow(stack, gmi_services(store, "imagery"), patient="p1")
    store.ensure_patient("p1", affected_side="right")
    flow.result.patient_id, flow.result.pre = "p1", {"pain": 3}
    flow._start_gmi(flow.services.gmi_set)
    scene = stack.top
    assert scene is not None and scene.name == "imagery"
    pose = np.zeros((33, 4), dtype=np.float32)
    pose[:, 3] = 1.0
    pose[11, :2], pose[12, :2] = (0.60, 0.40), (0.40, 0.40)  # shoulders 0.2 of the width apart
    pose[14, :2], pose[16, :2] = (0.38, 0.60), (0.45, 0.75)  # right elbow and wrist, resting
    frame = BodyFrame(t_ns=0, index=0, width=640, height=480, pose=pose)
    flow.record_frame(frame, scene)
    expected = (np.array([[0.38, 0.60], [0.45, 0.75]]) * (640, 480) - (0.5 * 640, 0.4 * 480)) / (0.2 * 640)
    assert np.allclose(scene.points, expected, atol=1e-5)
    pose[16, 3] = 0.2  # the wrist not seen: no points (never counted as movement)
    flow.record_frame(frame, scene)
    assert scene.points is None


def test_play_refuses_imagery_with_the_mouse(tmp_path: Path) -> None:
    from game.cli import cli

    res = CliRunner().invoke(cli, ["play", "--patient", "p1", "--game", "imagery", "--mouse",
                                    "--data-dir", str(tmp_path)])
    assert res.exit_code == 2
    assert "--mouse cannot play imagery" in res.output
    assert not any(tmp_path.iterdir())  # nothing written


def _laterality_scene(camera: bool):
    from game.gmi_sets import laterality_set

    s = Store.memory()
    s.ensure_patient("p", affected_side="right")
    return laterality_set(s, "p", "right", 1, camera=camera)


def test_with_the_mouse_a_pointer_mid_screen_is_not_a_raised_hand() -> None:
    """`play --mouse`: the pointer plays a hand; resting mid-screen it must neither hold
    the next picture back ("lower both hands") nor answer as a raised hand."""
    from vision.intents import HandIntent, Intents

    gset = _laterality_scene(camera=False)
    scene, run_ = gset.scene, gset.run
    high = HandIntent(x=0.6, y=1.0)  # where a raised right hand would be
    for i in range(int(1.5 * 60)):
        scene.update(Intents(t=i / 60, right=high), 1 / 60)
    assert run_.phase == "show" and not scene.waiting_for_hands and run_.answers == []
    scene.update(Intents(t=2.0, right=high, number=2), 1 / 60)
    assert run_.answers[-1].answer == "right" and run_.modes[-1] == "keys"
    assert "Raise" not in scene.text


def test_at_the_camera_a_hand_left_up_holds_the_next_picture_and_says_so() -> None:
    from game.context import DrawContext
    from game.scenes.common import menu_transform
    from vision.intents import HandIntent, Intents

    gset = _laterality_scene(camera=True)
    scene, run_ = gset.scene, gset.run
    mid = HandIntent(x=0.6, y=0.4)  # above DOWN_Y, below RAISE_Y: neither down nor an answer
    for i in range(2 * 60):
        scene.update(Intents(t=i / 60, right=mid), 1 / 60)
    assert run_.phase == "ready" and scene.waiting_for_hands
    surface = pygame.Surface((1280, 720))
    scene.draw(surface, DrawContext.for_surface(surface, menu_transform((1280, 720)), t=2.0))
    band = pygame.surfarray.array3d(surface)[:, 430:470]  # where the hint is written (0.62 h)
    assert (band.max(axis=2) > 200).sum() > 500  # light text on the dark background
    scene.update(Intents(t=2.1, right=HandIntent(x=0.6, y=-0.8)), 1 / 60)  # hand lowered
    scene.update(Intents(t=2.2, right=HandIntent(x=0.6, y=-0.8)), 1 / 60)
    assert run_.phase == "show" and not scene.waiting_for_hands
