"""The safety rail: STOP (and Pain) drawn at the same screen rectangles in every scene."""

from __future__ import annotations

import numpy as np
import pygame
import pytest

from exercises.doses import SessionDose, make_dose
from exercises.reaching import ReachingExercise
from exercises.session import SessionRunner
from game.context import DrawContext
from game.scenes.base import Scene, SceneStack
from game.scenes.calibration import CalibrationScene
from game.scenes.checkin import CheckinScene
from game.scenes.common import menu_transform
from game.scenes.exercise import ExerciseScene
from game.scenes.menus import PatientScene, SafetyScene, TitleScene
from game.scenes.pain_check import PainEasierScene, PainNowScene
from game.scenes.rest import RestScene
from game.scenes.summary import SummaryScene
from game.scenes.today import TodayScene
from game.theme import OKABE_ITO, PALETTE, Theme
from game.transform import fit_body_box
from game.widgets import rail_rects
from vision.intents import HandIntent, Intents


def _runner() -> SessionRunner:
    dose = make_dose("reaching", repetitions=5, inter_target_s=0.0)
    ex = ReachingExercise(dose, None, np.random.default_rng(0), session_dose=SessionDose())
    return SessionRunner(ex, SessionDose(), 2)


def _scenes(affected: str) -> list[tuple[Scene, bool]]:
    """Every kind of screen of a visit, as the flow pushes them (scene, uses camera transform)."""
    runner = _runner()
    ex = ExerciseScene(runner, affected=affected)  # type: ignore[arg-type]
    ex.update(Intents(t=0.0, right=HandIntent(0.5, -1.2)), 1 / 60)
    stack = SceneStack(rail_side="right" if affected == "left" else "left")
    menus: list[Scene] = [
        TitleScene(), SafetyScene(), PatientScene(["P-ABC123"]), CheckinScene("pre"), TodayScene(),
        PainNowScene(), PainEasierScene(nrs=7, pre_pain=3, threshold=5, rise_limit=2, easier=[]),
        SummaryScene({"targets": 3, "hits": 2}, "completed"), CheckinScene("post"),
        RestScene(runner, affected=affected),
    ]
    for s in menus:
        stack.push(s)
    cal = CalibrationScene(saved=object(), affected=affected)
    stack.push(cal)
    stack.push(ex)
    return [(s, False) for s in menus] + [(cal, True), (ex, True)]


@pytest.mark.parametrize("affected", ["right", "left"])
@pytest.mark.parametrize("size", [(1280, 720), (540, 960), (800, 600), (1920, 1080), (640, 360)])
def test_stop_and_pain_sit_at_the_same_rects_in_every_scene(size: tuple[int, int], affected: str) -> None:
    side = "left" if affected == "right" else "right"
    want_stop, want_pain = rail_rects(size, side)
    surf = pygame.Surface(size)
    seen = set()
    for scene, camera in _scenes(affected):
        tr = fit_body_box(size) if camera else menu_transform(size)
        scene.draw(surf, DrawContext(theme=Theme(size[1], size[0]), transform=tr,
                                     intents=Intents(t=0.0)))
        r = scene.stop_btn.rect(tr)
        assert r == want_stop, (scene.name, size, r, want_stop)
        assert surf.get_rect().contains(r)
        # drawn there, in the STOP colour, and a hand held where it is drawn presses it
        assert tuple(surf.get_at((r.left + r.w // 8, r.bottom - r.h // 5)))[:3] == PALETTE.stop
        assert scene.stop_btn.contains(HandIntent(*tr.to_body(*r.center)))
        # Pain under STOP on every screen, except the pain questions themselves
        pain_questions = ("checkin_in_session", "pain_easier")
        assert hasattr(scene, "pain_btn"), scene.name
        assert getattr(scene, "pain_rail", True) == (scene.name not in pain_questions), scene.name
        if scene.name not in pain_questions:
            p = scene.pain_btn.rect(tr)
            assert p == want_pain, (scene.name, size, p)
            assert scene.pain_btn.contains(HandIntent(*tr.to_body(*p.center)))
            assert not p.colliderect(r)
            assert tuple(surf.get_at((p.left + p.w // 8, p.bottom - p.h // 5)))[:3] == \
                OKABE_ITO["reddish_purple"], scene.name  # drawn there
            for b in getattr(scene, "buttons", []):
                assert not b.rect(tr).colliderect(want_pain), (scene.name, b.label, size)
        # nothing else the scene offers lies under the rail
        for b in getattr(scene, "buttons", []):
            assert not b.rect(tr).colliderect(want_stop), (scene.name, b.label, size)
        seen.add(scene.name)
    assert {"title", "exercise", "rest", "calibration"} <= seen
    # the rail sits on the unaffected side of the screen
    assert (want_stop.centerx < size[0] / 2) == (affected == "right")


@pytest.mark.parametrize("game", ["reaching", "tapping", "calibration"])
def test_over_the_camera_picture_the_rail_is_the_same_and_a_click_on_it_presses_it(game: str) -> None:
    """The exercise and calibration fit the camera picture below their header: the rail stays
    where it is, and a mouse click read through the transform drawn with presses STOP."""
    from game.app import App
    from vision.bodyframe import BodyFrame

    size = (1280, 720)
    d = np.load("assets/demo/seated_body.npz")
    frame = BodyFrame(index=1, t_ns=0, width=640, height=480, pose=d["pose"][0].astype(np.float64),
                      image=np.full((480, 640, 3), 90, np.uint8))
    if game == "calibration":
        scene: Scene = CalibrationScene(saved=object())
    elif game == "reaching":
        scene = ExerciseScene(_runner())
    else:
        from exercises.dexterity import TappingExercise
        from exercises.doses import TappingDose

        scene = ExerciseScene(SessionRunner(TappingExercise(TappingDose()), SessionDose(), 2))
    stack = SceneStack()
    stack.push(scene)
    app = App(pygame.Surface(size), stack, render=True)
    app.frame = frame
    app.draw(0.0)
    want_stop, want_pain = rail_rects(size, "left")
    tr = app.input_transform()
    assert tr is scene.drawn_transform and tr != app.transform()  # the picture was moved under the header
    assert scene.stop_btn.rect(tr) == want_stop
    assert scene.stop_btn.contains(HandIntent(*tr.to_body(*want_stop.center)))  # a click where it is drawn
    if hasattr(scene, "pain_btn"):
        assert scene.pain_btn.rect(tr) == want_pain
        assert scene.pain_btn.contains(HandIntent(*tr.to_body(*want_pain.center)))
    # the app scaled the picture once, to where the scene draws it (no second scaling a frame)
    image = app.context().camera_image
    assert image is not None
    ctx = getattr(scene, "last_ctx", None)
    if ctx is not None:
        assert image.get_size() == tuple(ctx.placement.rect[2:])
