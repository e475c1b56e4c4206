"""The rail's Pain outside the exercise: held on any screen, it asks the pain now, keeps the
rating for the therapist and ends the visit for today with a word to the patient."""

from __future__ import annotations

import pygame
import pytest
from game_test_doubles import Services

from game.app import App
from game.flow import SessionFlow
from game.loop import FixedStepLoop, SimClock
from game.players import PointerPlayer
from game.scenes.base import SceneStack
from game.services import GameServices
from telemetry.store import Store
from vision.intents import HandIntent, Intents


class PainAt:
    """A player that answers the menus by script until `scene_name`, then holds a hand on
    that screen's Pain button and answers the question with `rating` (the 8 key)."""

    def __init__(self, scene_name: str, rating: int) -> None:
        self.scene_name, self.rating = scene_name, rating
        self.script = PointerPlayer(speed=2.0)
        self.pressed_on: str | None = None

    def poll(self, t: float, scene: object) -> tuple[None, Intents | None]:
        name = getattr(scene, "name", "")
        if name == self.scene_name and self.pressed_on is None:
            c = scene.pain_btn.center  # type: ignore[attr-defined]
            return None, Intents(t=t, right=HandIntent(*c))
        if name == "checkin_pain_stop":
            self.pressed_on = self.pressed_on or self.scene_name
            return None, Intents(t=t, number=self.rating)
        return self.script.poll(t, scene)


@pytest.fixture
def store():
    s = Store.memory(flush_interval_s=0.05)
    yield s
    s.close()


def _play(flow: SessionFlow, stack: SceneStack, player: PainAt, seconds: float = 300) -> None:
    app = App(pygame.Surface((1280, 720)), stack, driver=player)
    FixedStepLoop(SimClock()).run(app, max_frames=int(seconds * 60))


@pytest.mark.parametrize("where", ["safety", "checkin_pre", "easier_today", "calibration"])
def test_pain_before_the_session_ends_the_visit_with_the_rating_kept(store: Store,
                                                                    where: str) -> None:
    stack = SceneStack()
    flow = SessionFlow(stack, Services(store), patient="demo")
    flow.start()
    player = PainAt(where, 8)
    _play(flow, stack, player)
    assert player.pressed_on == where
    assert flow.result.ended_at == "pain_stop" and flow.result.rail_pain == 8
    assert stack.entered[-2:] == ["checkin_pain_stop", "summary"]  # the question, then goodbye
    goodbye = dict(stack.history)["summary"]
    assert goodbye is None and stack.top is None  # dismissed: the visit is over
    assert store.history("demo") == []  # no session was started
    if where != "safety":  # the patient is known from the patient screen on
        pains = [(c.phase, c.answers) for c in store.checkins("demo")]
        assert ("pain_stop", {"pain": 8}) in pains


def test_pain_during_a_laterality_set_is_a_pain_stop_of_that_session(store: Store) -> None:
    stack = SceneStack()
    services = GameServices(store, Services(store), game="laterality", seed=3, source="test")
    flow = SessionFlow(stack, services, patient="p1")
    flow.start()
    _play(flow, stack, PainAt("laterality", 7))
    assert flow.result.finished
    outcome = flow.result.outcome
    assert outcome is not None and outcome.reason == "pain_stop" and outcome.pain_stop_rating == 7
    session = store.history("p1")[0]
    assert session.completed is False
    assert ("pain_stop", {"pain": 7}) in [(c.phase, c.answers) for c in store.checkins("p1")]
    assert stack.entered[-3:] == ["checkin_pain_stop", "checkin_post", "summary"]
