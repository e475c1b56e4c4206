"""A key press is a deliberate act: Enter presses the focused button whatever the hands do.

Issue 13: in a real window Enter did nothing on the Start and "Before you start"
screens whenever a hand (a tracked hand, or the mouse as a hand) was in view:
the menus' rule was `confirm and not left and not right`. Now a click is
`Intents.click` (it needs a position), Enter is `Intents.confirm` (it presses
the focused button), the focus is drawn as a ring, and Tab/arrows move it.
"""

from __future__ import annotations

import random

import numpy as np
import pygame
import pytest

from exercises.doses import ReachingDose, SessionDose
from exercises.reaching import ReachingExercise
from exercises.session import SessionRunner
from game.context import DrawContext
from game.scenes.base import SceneStack
from game.scenes.checkin import CheckinScene
from game.scenes.common import MenuScene, menu_transform
from game.scenes.exercise import ExerciseScene
from game.scenes.menus import PatientScene, SafetyScene, TitleScene
from game.scenes.summary import SummaryScene
from game.theme import Theme
from game.widgets import FOCUS_RING
from vision.intents import HandIntent, Intents

SIZE = (1280, 720)
AWAY = HandIntent(2.1, 2.2)  # in view, on no button
ANOTHER = HandIntent(-1.9, -1.4)


def step(scene: MenuScene, **kw: object) -> None:
    scene.update(Intents(t=0.0, **kw), 1 / 60)  # type: ignore[arg-type]


@pytest.mark.parametrize("make, expected", [
    (lambda: TitleScene(), True), (lambda: SafetyScene(), True),
    (lambda: SummaryScene({"targets": 3, "hits": 2}, "completed"), None),
    (lambda: PatientScene(["p-014"], preselected="p-014"), "p-014"),
])
@pytest.mark.parametrize("hands", ["none", "one in view", "both in view"])
def test_enter_presses_the_focused_button_with_hands_in_view(make, expected: object, hands: str) -> None:
    scene = make()
    left = AWAY if hands != "none" else None
    right = ANOTHER if hands == "both in view" else None
    step(scene, left=left, right=right, confirm=True)
    assert scene.dismissed and scene.result == expected


def test_enter_presses_the_focused_button_not_the_one_under_a_hand() -> None:
    scene = PatientScene(["p-014", "p-015"], preselected="p-014")
    new_player = scene.buttons[-1]
    step(scene, right=HandIntent(*new_player.center), confirm=True)
    assert scene.result == "p-014"


def test_tab_moves_the_focus_and_enter_follows_it() -> None:
    scene = PatientScene(["p-014", "p-015"], preselected="p-014", rng=random.Random(1))
    scene.adjust(+1)
    step(scene)
    assert scene.focused is scene.buttons[1] and scene.buttons[1].focused
    assert not scene.buttons[0].focused
    scene.adjust(+1)
    step(scene, left=AWAY, confirm=True)
    assert isinstance(scene.result, str) and scene.result.startswith("P-")  # "New player"
    back = PatientScene(["p-014"], preselected="p-014")
    back.adjust(-1)  # Shift+Tab from the first wraps to the last
    assert back.focused is back.buttons[-1]


def test_a_click_presses_only_the_button_under_the_pointer() -> None:
    scene = SafetyScene()
    step(scene, right=AWAY, click=True)  # a click beside the button: nothing
    assert not scene.dismissed
    step(scene, right=HandIntent(*scene.buttons[0].center), click=True)
    assert scene.dismissed and scene.result is True


def test_a_check_in_has_no_default_answer_for_enter() -> None:
    scene = CheckinScene("pre", ("pain",))
    step(scene, left=AWAY, confirm=True)
    assert not scene.dismissed  # nothing highlighted: Enter answers nothing
    scene.adjust(+1)  # an arrow highlights a number next to the middle
    step(scene, left=AWAY, right=ANOTHER, confirm=True)
    assert scene.result == {"pain": 6}


@pytest.mark.parametrize("how, asks_pain", [("confirm", False), ("click", True)])
def test_enter_never_presses_pain_in_the_exercise_a_click_does(how: str, asks_pain: bool) -> None:
    ex = ReachingExercise(ReachingDose(), None, np.random.default_rng(0), session_dose=SessionDose())
    scene = ExerciseScene(SessionRunner(ex, SessionDose(), 2))
    stack = SceneStack()
    stack.push(scene)
    stack.update(Intents(t=0.0, right=HandIntent(*scene.pain_btn.center), **{how: True}), 1 / 60)
    assert (stack.top is not scene) == asks_pain  # the pain rating is pushed on a click only


def test_the_focus_is_drawn_as_a_ring_around_the_button() -> None:
    pygame.font.init()
    scene = SafetyScene()
    step(scene, left=AWAY)
    surf = pygame.Surface(SIZE)
    ctx = DrawContext(theme=Theme(SIZE[1], SIZE[0]), transform=menu_transform(SIZE), t=0.0)
    scene.draw(surf, ctx)
    r = scene.buttons[0].rect(ctx.transform)
    ring = [surf.get_at((r.centerx, r.top - 6))[:3], surf.get_at((r.centerx, r.bottom + 6))[:3],
            surf.get_at((r.left - 6, r.centery))[:3]]
    assert ring == [FOCUS_RING] * 3
    assert surf.get_at((r.centerx, r.top - 40))[:3] != FOCUS_RING  # a ring, not a blob
