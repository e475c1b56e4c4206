"""Drawing: render scenes onto real pygame surfaces and check the pixels."""

from __future__ import annotations

import numpy as np
import pygame
import pytest

from exercises.doses import SessionDose, make_dose
from exercises.reaching import ReachingExercise
from exercises.session import SessionRunner
from game.context import DrawContext
from game.scenes.checkin import CheckinScene
from game.scenes.exercise import ExerciseScene
from game.theme import PALETTE, Theme
from game.transform import fit_body_box, fit_image, from_camera
from vision.intents import HandIntent, Intents


def exercise_scene() -> tuple[ExerciseScene, SessionRunner]:
    dose = make_dose("reaching", repetitions=5, inter_target_s=0.0)
    ex = ReachingExercise(dose, None, np.random.default_rng(0), session_dose=SessionDose())
    runner = SessionRunner(ex, SessionDose(), 2)
    scene = ExerciseScene(runner)
    scene.update(Intents(t=0.0, right=HandIntent(0.5, -1.2)), 1 / 60)
    scene.update(Intents(t=1 / 60, right=HandIntent(0.5, -1.2)), 1 / 60)
    return scene, runner


def pixel(surface: pygame.Surface, xy: tuple[int, int]) -> tuple[int, int, int]:
    return tuple(surface.get_at(xy))[:3]


@pytest.mark.parametrize("size", [(1280, 720), (480, 854), (800, 800)])
def test_target_drawn_in_target_colour_where_the_transform_puts_it(size: tuple[int, int]) -> None:
    scene, runner = exercise_scene()
    [tv] = [t for t in runner.exercise.targets if t.state == "waiting"]
    surf = pygame.Surface(size)
    tr = fit_body_box(size)
    ctx = DrawContext(theme=Theme(height=size[1], width=size[0]), transform=tr,
                      intents=Intents(t=0.0, right=HandIntent(0.5, -1.2)))
    scene.draw(surf, ctx)
    cx, cy = tr.to_screen_int(tv.x, tv.y)
    assert pixel(surf, (cx, cy)) == PALETTE.target
    # Just outside the target's white ring it is not the target colour.
    r = tr.length(tv.radius)
    assert pixel(surf, (cx, round(cy + r * 1.15))) != PALETTE.target


def test_stop_button_is_always_drawn_on_the_unaffected_side() -> None:
    scene, _ = exercise_scene()
    surf = pygame.Surface((1280, 720))
    tr = fit_body_box((1280, 720))
    scene.draw(surf, DrawContext(theme=Theme(720, 1280), transform=tr))
    rect = scene.stop_btn.rect(tr)
    assert rect.centerx < 640  # right arm affected -> stop on the left of the screen
    assert rect.w >= 100 and rect.h >= 60  # big enough to hit
    arr = pygame.surfarray.pixels3d(surf)[rect.left:rect.right, rect.top:rect.bottom]
    share = np.mean(np.all(arr == PALETTE.stop, axis=-1))
    assert share > 0.4


def test_cue_banner_when_tracking_is_lost_and_not_before() -> None:
    scene, runner = exercise_scene()
    tr = fit_body_box((1280, 720))
    surf = pygame.Surface((1280, 720))
    scene.draw(surf, DrawContext(theme=Theme(720, 1280), transform=tr))
    row = int(720 * 0.45) + 5
    assert pixel(surf, (5, row)) != PALETTE.cue
    lost = Intents(t=0.1, body_visible=False)
    scene.update(lost, 1 / 60)
    assert runner.state == "tracking_lost"
    scene.draw(surf, DrawContext(theme=Theme(720, 1280), transform=tr, intents=lost))
    assert pixel(surf, (5, row)) == PALETTE.cue
    # The STOP button stays on top of the banner.
    stop = scene.stop_btn.rect(tr)
    assert pixel(surf, (stop.left + stop.w // 8, stop.bottom - stop.h // 5)) == PALETTE.stop


def test_dwell_fill_grows_while_a_hand_rests_on_a_number() -> None:
    scene = CheckinScene("pre")
    tr = fit_body_box((1280, 720), (-2.2, -1.5, 2.2, 2.3))
    seven = scene.buttons[7]
    hand = Intents(t=0.0, right=HandIntent(*seven.center))
    for _ in range(30):  # half the dwell time
        scene.update(hand, 1 / 60)
    assert 0.3 < seven.progress < 0.6
    surf = pygame.Surface((1280, 720))
    scene.draw(surf, DrawContext(theme=Theme(720, 1280), transform=tr))
    r = seven.rect(tr)
    assert pixel(surf, (r.centerx - r.w // 3, r.bottom - 8)) == PALETTE.dwell  # filled from the bottom
    assert pixel(surf, (r.centerx - r.w // 3, r.top + 12)) == PALETTE.button
    for _ in range(60):
        scene.update(hand, 1 / 60)
    assert scene.answers == {"pain": 7}


def test_camera_transform_follows_portrait_image_and_mirrors() -> None:
    # A portrait 720x1280 frame, shoulders centred at (360, 500) px, 200 px wide.
    tr = from_camera((1280, 720), (720, 1280), (360.0, 500.0), 200.0)
    place = fit_image((1280, 720), (720, 1280))
    assert place.scale == pytest.approx(720 / 1280)
    # Body +x (patient's right) is screen right; the image's left half is the patient's right.
    x0, _ = tr.to_screen(0.0, 0.0)
    x1, _ = tr.to_screen(1.0, 0.0)
    assert x1 - x0 == pytest.approx(200 * place.scale)
    bx, by = tr.to_body(*tr.to_screen(0.7, -0.3))
    assert (bx, by) == pytest.approx((0.7, -0.3))


def _app_with_camera_frame():
    from game.app import App
    from game.scenes.base import SceneStack
    from vision.bodyframe import BodyFrame

    img = np.zeros((360, 480, 3), np.uint8)
    img[:, :240] = (0, 0, 255)  # BGR red on the image's left half
    img[:, 240:] = (255, 0, 0)  # blue on the right half
    scene, _ = exercise_scene()
    stack = SceneStack()
    stack.push(scene)
    app = App(pygame.Surface((960, 540)), stack, render=True)
    app.frame = BodyFrame(index=1, t_ns=0, width=480, height=360, image=img)
    return app


def test_camera_image_is_mirrored_like_a_selfie_and_can_be_switched_off() -> None:
    app = _app_with_camera_frame()
    app.draw(0.0)
    # 960x540 window, 4:3 image letterboxed to 720x540 at x = 120..840.
    left = pixel(app.surface, (200, 500))
    right = pixel(app.surface, (760, 500))
    assert left[2] > 100 and left[0] < 30  # blue on screen left: the image's right half
    assert right[0] > 100 and right[2] < 30  # red on screen right
    assert left[2] < 255  # dimmed under the drawings
    app.keys.press("toggle_camera")
    app.fixed_update(1 / 60)
    app.draw(0.0)
    from game.views.reaching import FLOOR

    # the camera off: the drawn scene instead (the reaching game's kitchen floor there)
    assert pixel(app.surface, (200, 500)) in (PALETTE.background, FLOOR)


def test_safety_buttons_stay_on_screen_whatever_the_camera_framing() -> None:
    scene, _ = exercise_scene()
    # A patient very close to a portrait camera: one shoulder width = 300 px of a 720x1280 image.
    size = (1280, 720)
    tr = from_camera(size, (720, 1280), (360.0, 400.0), 300.0)
    surf = pygame.Surface(size)
    scene.draw(surf, DrawContext(theme=Theme(720, 1280), transform=tr))
    screen = surf.get_rect()
    for btn in (scene.stop_btn, scene.pain_btn):
        r = btn.rect(tr)
        assert screen.contains(r), (btn.label, r)
        # A hand where the button is drawn presses it (same transform both ways).
        bx, by = tr.to_body(*r.center)
        assert btn.contains(HandIntent(bx, by))


def test_every_menu_scene_has_a_stop_button_a_hand_can_hold() -> None:
    scene = CheckinScene("pre")
    tr = fit_body_box((1280, 720), (-2.2, -1.5, 2.2, 2.3))
    surf = pygame.Surface((1280, 720))
    scene.draw(surf, DrawContext(theme=Theme(720, 1280), transform=tr))
    r = scene.stop_btn.rect(tr)
    assert surf.get_rect().contains(r)
    assert pixel(surf, (r.left + r.w // 8, r.bottom - r.h // 5)) == PALETTE.stop
    # No number button under the STOP button: holding it answers nothing.
    assert not any(b.rect(tr).colliderect(r) for b in scene.buttons)
    hand = Intents(t=0.0, left=HandIntent(*tr.to_body(*r.center)))
    for _ in range(70):
        scene.update(hand, 1 / 60)
    assert scene.dismissed and scene.result is None and scene.answers == {}


@pytest.mark.parametrize("size", [(1280, 720), (540, 960), (800, 600), (1920, 1080)])
def test_every_scene_keeps_its_stop_button_on_screen_at_any_window_shape(size: tuple[int, int]) -> None:
    from game.scenes.common import menu_transform
    from game.scenes.menus import PatientScene, SafetyScene, TitleScene
    from game.scenes.rest import RestScene
    from game.scenes.summary import SummaryScene

    ex, runner = exercise_scene()
    scenes = [TitleScene(), SafetyScene(), PatientScene(["P-ABC123"]), CheckinScene("pre"),
              SummaryScene({"targets": 3, "hits": 2}, "completed"), RestScene(runner), ex]
    surf = pygame.Surface(size)
    for scene in scenes:
        tr = fit_body_box(size) if scene is ex else menu_transform(size)
        scene.draw(surf, DrawContext(theme=Theme(size[1], size[0]), transform=tr))
        r = scene.stop_btn.rect(tr)
        assert surf.get_rect().contains(r), (scene.name, size, r)
        assert r.w >= 100 and r.h >= 60, (scene.name, size, r)  # big enough for a hand
        assert pixel(surf, (r.left + r.w // 8, r.bottom - r.h // 5)) == PALETTE.stop, scene.name


@pytest.mark.parametrize("size", [(1280, 720), (480, 854), (640, 360)])
def test_easier_today_outlines_the_suggested_choice_and_keeps_text_off_the_buttons(size: tuple[int, int]) -> None:
    from game.scenes.common import menu_transform
    from game.scenes.today import EASIER, TodayScene
    from game.theme import OKABE_ITO

    scene = TodayScene(suggest_easier=True, pain=7, reason="pain 7 is above 5", minutes=10)
    surf = pygame.Surface(size)
    tr = menu_transform(size)
    scene.draw(surf, DrawContext(theme=Theme(height=size[1], width=size[0]), transform=tr))
    arr = pygame.surfarray.pixels3d(surf)
    for b in scene.buttons:
        r = b.rect(tr)
        ring = r.inflate(12, 12)
        edge = arr[ring.left:ring.right, ring.top - 1:ring.top + 3]
        outlined = np.mean(np.all(edge == OKABE_ITO["orange"], axis=-1)) > 0.5
        assert outlined == (b.value == EASIER), b.value  # the suggestion, not colour alone
        # The advice text (orange) ends above the buttons: nothing orange in the 20 px above them.
        strip = arr[r.left:r.right, max(0, ring.top - 24):ring.top - 10]
        assert not np.any(np.all(strip == OKABE_ITO["orange"], axis=-1)), size


def test_every_text_pair_of_the_theme_meets_wcag_aa() -> None:
    from game.theme import MIN_CONTRAST, TEXT_PAIRS, contrast

    low = {k: round(contrast(a, b), 2) for k, (a, b) in TEXT_PAIRS.items()
           if contrast(a, b) < MIN_CONTRAST}
    assert not low, low


def test_contrast_matches_the_wcag_reference_values() -> None:
    from game.theme import contrast

    assert contrast((255, 255, 255), (0, 0, 0)) == pytest.approx(21.0)
    assert contrast((255, 255, 255), (255, 255, 255)) == pytest.approx(1.0)
    assert contrast((118, 118, 118), (255, 255, 255)) == pytest.approx(4.54, abs=0.01)


def test_every_buttons_label_is_readable_on_its_own_colour_in_every_fill_state() -> None:
    """Every button of every menu scene: its label pixels, with no fill, half filled and
    nearly full, are the colour that reads at >= 4.5:1 on what is under them."""
    from game.scenes.common import menu_transform
    from game.scenes.menus import PatientScene, SafetyScene, TitleScene
    from game.scenes.pain_check import PainEasierScene, PainNowScene
    from game.scenes.summary import SummaryScene
    from game.scenes.today import TodayScene
    from game.theme import MIN_CONTRAST, contrast

    size = (1280, 720)
    tr = menu_transform(size)
    scenes = [TitleScene(), SafetyScene(), PatientScene(["P-ABC123"]), CheckinScene("pre"),
              SummaryScene({"targets": 3, "hits": 2}, "completed"), TodayScene(),
              TodayScene(full_allowed=False, pain=9, reason="pain 9"), PainNowScene(),
              PainEasierScene(nrs=7, pre_pain=3, threshold=5, rise_limit=2,
                              easier=["the targets will be a little closer"])]
    checked = 0
    for scene in scenes:
        for b in [*scene.buttons, scene.stop_btn]:
            for progress in (0.0, 0.5, 0.9):
                b.progress = progress
                surf = pygame.Surface(size)
                surf.fill(PALETTE.background)
                r = b.draw(surf, DrawContext(theme=Theme(720, 1280), transform=tr))
                inner = r.inflate(-2 * max(3, r.h // 18) - 4, -2 * max(3, r.h // 18) - 4)
                arr = pygame.surfarray.pixels3d(surf)[inner.left:inner.right,
                                                      inner.top:inner.bottom].reshape(-1, 3)
                fills = {tuple(b.color), tuple(PALETTE.dwell)}
                colours = {tuple(int(v) for v in px) for px in arr}
                ink = [c for c in colours if c not in fills]
                assert ink, (scene.name, b.label)
                # the label's solid pixels are the most distant from both fills
                for fill in fills:
                    best = max(ink, key=lambda c, f=fill: contrast(c, f))
                    if any(tuple(px) == fill for px in arr):
                        assert contrast(best, fill) >= MIN_CONTRAST, (scene.name, b.label, fill)
                checked += 1
            b.progress = 0.0
    assert checked >= 60
