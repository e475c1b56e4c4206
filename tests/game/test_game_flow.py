"""A whole session, title to summary, headless with scripted intents and a real store."""

from __future__ import annotations

import pygame
import pytest
from game_test_doubles import Services

from game.app import App
from game.flow import SessionFlow
from game.input import KeyboardMouseInput
from game.loop import FixedStepLoop, SimClock
from game.players import PointerPlayer
from game.scenes.base import SceneStack
from telemetry.store import Store

FLOW = ["title", "safety", "patient", "checkin_pre", "easier_today", "calibration", "exercise", "checkin_post",
        "summary"]


@pytest.fixture
def store():
    s = Store.memory(flush_interval_s=0.05)
    yield s
    s.close()


def run(app: App, seconds: float = 120.0) -> None:
    loop = FixedStepLoop(SimClock())
    loop.run(app, max_frames=int(seconds * 60))


def test_scene_sequence_and_typed_results(store: Store) -> None:
    stack = SceneStack()
    flow = SessionFlow(stack, Services(store), patient="demo", keep_events=True)
    flow.start()
    app = App(pygame.Surface((640, 360)), stack, driver=PointerPlayer(speed=2.0))
    run(app)
    assert flow.result.finished
    assert stack.entered == FLOW
    results = dict(stack.history)
    assert results["title"] is True and results["safety"] is True
    assert results["patient"] == "demo"
    assert results["checkin_pre"] == {"pain": 3, "sleep": 6, "mood": 7, "interference": 4}
    assert results["easier_today"] == "planned"  # pain 3 is not above the threshold: planned first
    assert results["checkin_post"] == {"pain": 3}
    outcome = results["exercise"]
    assert outcome.reason == "completed"
    assert outcome.summary["targets"] == 3 and outcome.summary["hits"] == 3
    # Telemetry landed through the store.
    sid = flow.result.session_id
    kinds = [e.kind for e in store.events(sid)]
    assert kinds.count("hold_complete") == 3
    assert kinds[0] == "session_start" and "session_end" in kinds
    phases = sorted(c.phase for c in store.checkins("demo"))
    assert phases == ["post", "pre"]


def test_escape_in_the_exercise_stops_and_still_asks_post_checkin(store: Store) -> None:
    stack = SceneStack()
    flow = SessionFlow(stack, Services(store, reps=50), patient="demo")
    flow.start()
    keys = KeyboardMouseInput()
    app = App(pygame.Surface((640, 360)), stack, driver=PointerPlayer(speed=2.0), keys=keys)
    loop = FixedStepLoop(SimClock())
    while stack.top is not None and stack.top.name != "exercise":
        loop.tick(app)
        loop.clock.wait_frame(loop.clock.now(), 1 / 60)
    for _ in range(120):
        loop.tick(app)
        loop.clock.wait_frame(loop.clock.now(), 1 / 60)
    keys.handle(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_ESCAPE))
    run(app)
    results = dict(stack.history)
    assert results["exercise"].reason == "stopped"
    assert stack.entered[-2:] == ["checkin_post", "summary"]
    sessions = store.history("demo")
    assert len(sessions) == 1 and sessions[0].completed is False


def test_pain_button_asks_rating_records_it_and_ends(store: Store) -> None:
    stack = SceneStack()
    flow = SessionFlow(stack, Services(store, reps=50), patient="demo")
    flow.start()
    app = App(pygame.Surface((640, 360)), stack, driver=PointerPlayer(speed=2.0))
    loop = FixedStepLoop(SimClock())
    while stack.top is None or stack.top.name != "exercise":
        loop.tick(app)
        loop.clock.wait_frame(loop.clock.now(), 1 / 60)
    stack.top.ask_pain()  # what holding a hand on "Pain" does
    assert stack.top.name == "checkin_pain_stop"
    run(app)
    results = dict(stack.history)
    assert results["checkin_pain_stop"] == {"pain": 6}
    assert results["exercise"].reason == "pain_stop"
    assert results["exercise"].pain_stop_rating == 6
    assert [c.phase for c in store.checkins("demo")].count("pain_stop") == 1


def test_stop_on_title_ends_flow_without_a_session(store: Store) -> None:
    stack = SceneStack()
    flow = SessionFlow(stack, Services(store), patient="demo")
    flow.start()
    keys = KeyboardMouseInput()
    app = App(pygame.Surface((320, 240)), stack, keys=keys)
    keys.press("stop")
    run(app, 1.0)
    assert flow.result.ended_at == "title"
    assert stack.top is None
    assert not store.patient_exists("demo")


def test_windowed_app_reads_keys_from_the_sdl_event_queue(store: Store) -> None:
    # The dummy video driver gives a real display surface and event queue with no window.
    pygame.display.init()
    try:
        surface = pygame.display.set_mode((640, 360))
        stack = SceneStack()
        flow = SessionFlow(stack, Services(store), patient="demo")
        flow.start()
        app = App(surface, stack, window=True)
        loop = FixedStepLoop(SimClock())
        loop.tick(app)
        assert stack.top is not None and stack.top.name == "title"
        pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_RETURN, mod=0, unicode="\r",
                                             scancode=0))
        for _ in range(3):
            loop.clock.wait_frame(loop.clock.now(), 1 / 60)
            loop.tick(app)
        assert stack.top.name == "safety"  # Enter on the title starts
        pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_ESCAPE, mod=0, unicode="\x1b",
                                             scancode=0))
        for _ in range(3):
            loop.clock.wait_frame(loop.clock.now(), 1 / 60)
            loop.tick(app)
        assert flow.result.ended_at == "safety" and not app.running
    finally:
        pygame.display.quit()


def test_turning_the_mirror_off_is_instant_and_logged(store: Store) -> None:
    from game.runtime import run_flow  # noqa: F401  (the same wiring as the CLI)

    stack = SceneStack()
    flow = SessionFlow(stack, Services(store, reps=50), patient="demo")
    flow.start()
    app = App(pygame.Surface((320, 180)), stack, driver=PointerPlayer(speed=2.0))
    app.emit = flow.record_events
    loop = FixedStepLoop(SimClock())
    while stack.top is None or stack.top.name != "exercise":
        loop.tick(app)
        loop.clock.wait_frame(loop.clock.now(), 1 / 60)
    from vision.mirror import MirrorTransform

    app.mirror = "swap"
    app.mirror_transform = MirrorTransform(mode="swap", affected_side="right", mirror_video=False)
    assert app.context().mirror == "swap"
    app.keys.press("toggle_mirror")
    loop.clock.wait_frame(loop.clock.now(), 1 / 60)
    loop.tick(app)
    assert app.context().mirror is None  # the view is off at once
    assert app.mirror_transform.effective_mode == "off"  # and so are the mirrored landmarks
    app.keys.press("stop")
    run(app)
    kinds = [(e.kind, dict(e.data)) for e in store.events(flow.result.session_id)]
    assert ("mirror_mode", {"mode": "swap", "on": False, "by": "patient"}) in kinds


def test_rest_break_counts_down_on_the_session_clock_and_stop_works_there(store: Store) -> None:
    from exercises.doses import SessionDose

    dose = SessionDose(session_minutes=2.0, rest_every_s=3.0, rest_s=5.0)
    stack = SceneStack()
    flow = SessionFlow(stack, Services(store, reps=50, session_dose=dose), patient="demo")
    flow.start()
    keys = KeyboardMouseInput()
    app = App(pygame.Surface((320, 180)), stack, driver=PointerPlayer(speed=2.0), keys=keys)
    loop = FixedStepLoop(SimClock())
    while stack.top is None or stack.top.name != "rest" or "checkin_in_session" not in dict(stack.history):
        loop.tick(app)  # the rest opens with the pain question (answered 3, as before: no pause)
        loop.clock.wait_frame(loop.clock.now(), 1 / 60)
    rest = stack.top
    start = rest.runner.rest_remaining_s
    assert start == pytest.approx(5.0)  # the question did not eat into the rest
    for _ in range(60):  # one second of rest
        loop.clock.wait_frame(loop.clock.now(), 1 / 60)
        loop.tick(app)
    assert start - rest.runner.rest_remaining_s == pytest.approx(1.0, abs=1 / 30)
    keys.press("stop")
    run(app)
    results = dict(stack.history)
    assert results["rest"] == "stop"
    assert results["exercise"].reason == "stopped"
    assert stack.entered[-2:] == ["checkin_post", "summary"]
