"""Dexterity and mirror views on real pygame surfaces (dummy SDL driver): check the pixels.

Each game is played for a few seconds by the virtual patient (with virtual
hands) through the real ExerciseScene, SessionRunner and IntentsBuilder,
then drawn. `python tests/game/test_views_dexterity.py` writes the
screenshots in docs/screenshots/ (the mirror one from an Apache-2.0 still,
when ../shared/data is present).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np
import pygame
import pytest

from exercises.dexterity import OpenCloseExercise, PinchExercise, TappingExercise
from exercises.doses import OpenCloseDose, PinchDose, SessionDose, TappingDose
from exercises.session import SessionRunner
from exercises.virtual_hands import VirtualHands
from exercises.virtual_patient import VirtualPatient, goal_for
from game.context import DrawContext
from game.scenes.exercise import ExerciseScene
from game.theme import PALETTE, Theme
from game.transform import fit_image, from_camera
from game.views import ViewContext, renderer_for
from game.views.dexterity import BERRY, DRUM_SKIN, ORANGE
from vision.bodyframe import BodyFrame
from vision.intents_builder import IntentsBuilder
from vision.mirror import mirror_image

SIZE = (960, 540)
REPO = Path(__file__).resolve().parents[2]
MIRROR_STILL = "stills/mediapipe_gesture_testdata/four/249c5023-6106-447a-84ac-17eb4713731b.jpg"


def make(name: str) -> Any:
    if name == "tapping":
        return TappingExercise(TappingDose(tempo_hz=1.5, set_s=20.0, sets=2))
    if name == "pinch":
        return PinchExercise(PinchDose(objects=6))
    return OpenCloseExercise(OpenCloseDose(repetitions=8, hold_s=0.3))


def play(name: str, seconds: float, seed: int = 2) -> tuple[ExerciseScene, VirtualPatient, BodyFrame, Any]:
    ex = make(name)
    vp = VirtualPatient.for_demo(seed, hand_model=VirtualHands(seed))
    builder = IntentsBuilder(hands=True)
    scene = ExerciseScene(SessionRunner(ex, SessionDose(), 2))
    t, dt = 0.0, 1 / 30
    frame = intents = None
    while t < seconds:
        vp.look(goal_for(ex), t)
        frame = vp.frame(t)
        intents = builder.build(frame)
        scene.update(intents, dt)
        t += dt
    assert frame is not None
    return scene, vp, frame, intents


def draw(scene: ExerciseScene, vp: VirtualPatient, frame: BodyFrame, intents: Any,
         size: tuple[int, int] = SIZE, mirror: str | None = None, camera: pygame.Surface | None = None
         ) -> tuple[pygame.Surface, Any]:
    surf = pygame.Surface(size)
    ref = vp.reference
    tr = from_camera(size, (frame.width, frame.height), ref.origin_px, ref.unit_px)
    ctx = DrawContext(theme=Theme(height=size[1], width=size[0]), transform=tr, intents=intents, t=intents.t,
                      frame=frame, placement=fit_image(size, (frame.width, frame.height)), mirror=mirror,
                      camera_image=camera)
    scene.draw(surf, ctx)
    return surf, tr


def px(surface: pygame.Surface, xy: tuple[int, int]) -> tuple[int, int, int]:
    return tuple(surface.get_at(xy))[:3]


def test_pinch_view_draws_objects_box_and_hand_where_the_physics_has_them() -> None:
    scene, vp, frame, intents = play("pinch", 5.0)
    ex = scene.runner.exercise
    assert ex.moved >= 1  # the virtual patient has placed something already
    surf, tr = draw(scene, vp, frame, intents)
    for obj in ex.objects:  # every object is a berry where the physics has it (in the jar, too)
        assert px(surf, tr.to_screen_int(*obj.position)) == BERRY
    # the jar's rim across the top of the box
    box = ex.box
    rim = tr.to_screen_int(0.5 * (box.x0 + box.x1), box.y1)
    assert px(surf, rim) == PALETTE.text
    words, reward, _ = scene.hud_words(ViewContext(transform=tr, theme=Theme(540, 960)))
    assert words == f"Berries in the jar {ex.moved} of 6" and reward.score >= 10 * ex.moved
    assert scene.renderer.progress(ex) == pytest.approx(ex.moved / 6)
    # Hand landmarks drawn on the selfie picture: index tip of the tracked hand.
    place = fit_image(SIZE, (frame.width, frame.height))
    hand = frame.hand("Right")
    assert hand is not None
    x, y = hand.landmarks[8, :2]
    tip = (round(place.offset[0] + (1 - x) * frame.width * place.scale), round(place.offset[1] + y * frame.height * place.scale))
    assert px(surf, tip) in (PALETTE.text, PALETTE.target_hold, PALETTE.target, PALETTE.hit)


@pytest.mark.parametrize("size", [(960, 540), (480, 854)])
def test_tapping_view_pulses_the_metronome_on_the_beat(size: tuple[int, int]) -> None:
    scene, vp, frame, intents = play("tapping", 3.0)
    ex = scene.runner.exercise
    assert ex.set_taps >= 2
    surf, tr = draw(scene, vp, frame, intents, size=size)
    s = 1.0 if ex.active_side == "right" else -1.0
    c = tr.to_screen_int(s * 1.6, 0.2)
    r = tr.length(0.5)
    # The drum's skin (its word TAP is in the middle: look beside it, outside the dip).
    assert px(surf, (round(c[0] - 0.8 * r), round(c[1] + 0.1 * r))) == DRUM_SKIN
    on_time = sum(1 for tap in ex.taps if tap.on_beat)
    words, reward, _ = scene.hud_words(ViewContext(transform=tr, theme=Theme(size[1], size[0])))
    assert words == f"Beats on time {on_time}" and reward.score >= 10 * len(ex.taps)


def test_openclose_view_shows_what_to_do_next() -> None:
    scene, vp, frame, intents = play("openclose", 3.0)
    ex = scene.runner.exercise
    assert ex.repetitions >= 1
    surf, tr = draw(scene, vp, frame, intents)
    s = 1.0 if ex.active_side == "right" else -1.0
    c = tr.to_screen_int(s * 1.6, 0.35)
    r = tr.length(0.32)
    assert px(surf, (c[0], round(c[1] + 0.45 * r))) == ORANGE  # the orange to squeeze
    words, _, _ = scene.hud_words(ViewContext(transform=tr, theme=Theme(540, 960)))
    assert words == f"Oranges squeezed {ex.repetitions} of 8"


def test_hand_not_visible_shows_the_banner() -> None:
    scene, vp, frame, intents = play("tapping", 1.0)
    from dataclasses import replace

    from vision.intents import HandIntent

    blind = replace(intents, t=intents.t + 1 / 30, right=HandIntent(0.5, -0.5, 1.0, None, None))
    scene.update(blind, 1 / 30)
    assert scene.runner.exercise.cue == "hand_not_visible"
    surf, _ = draw(scene, vp, frame, blind)
    row = pygame.surfarray.pixels3d(surf)[:, int(SIZE[1] * 0.45) + 3]
    assert np.mean(np.all(row == PALETTE.cue, axis=-1)) > 0.3  # the yellow banner across the screen


def _still_frame(shared: Path) -> BodyFrame:
    import cv2

    from vision.trackers import MediaPipeTracker

    img = cv2.imread(str(shared / MIRROR_STILL))
    with MediaPipeTracker(hands=True, static_image_mode=True) as tracker:
        f = tracker.process(img, 0, 0)
    from dataclasses import replace

    return replace(f, image=img)


def test_mirror_view_draws_the_composite_on_the_selfie_picture(shared_data: Path) -> None:
    frame = _still_frame(shared_data)
    ex = TappingExercise(TappingDose(side="right"))
    surf = pygame.Surface(SIZE)
    place = fit_image(SIZE, (frame.width, frame.height))
    x, y, w, h = place.rect
    cam = pygame.Surface((w, h))
    theme = Theme(height=SIZE[1], width=SIZE[0])
    view = ViewContext(transform=from_camera(SIZE, (frame.width, frame.height), (frame.width / 2, frame.height / 2), 100),
                       theme=theme, frame=frame, placement=place, camera_image=cam, mirror="split")
    renderer_for("mirror")(surf, ex, view)
    import cv2

    from vision.mirror import feather_px_for, midline_x

    ax = midline_x(frame.pose)
    comp = mirror_image(frame.image, ax * frame.width, "split", "right", feather_px_for(frame))
    want = cv2.convertScaleAbs(cv2.flip(cv2.resize(comp, (w, h)), 1), alpha=0.65)
    # Screen right of the seam is the patient's right (selfie view): the mirrored half.
    seam = round(x + (1 - ax) * w)
    for sx in (seam + 30, x + w - 10):
        for sy in (y + h // 3, y + 2 * h // 3):
            b, g, r = want[sy - y, sx - x]
            assert px(surf, (sx, sy)) == (r, g, b)
    # And the seam is marked with the dashed midline.
    assert px(surf, (seam, 2)) == PALETTE.text_dim


def write_screenshots(out: Path) -> list[Path]:
    """The docs' screenshots of each game (virtual patient) and of the mirror view (a real still)."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, seconds in (("tapping", 4.2), ("pinch", 6.0), ("openclose", 3.3)):
        scene, vp, frame, intents = play(name, seconds)
        surf, _ = draw(scene, vp, frame, intents, size=(1280, 720))
        path = out / f"dexterity_{name}.png"
        pygame.image.save(surf, str(path))
        written.append(path)
    from tests.conftest import SHARED_DATA

    if (SHARED_DATA / MIRROR_STILL).is_file():
        import cv2

        frame = _still_frame(SHARED_DATA)
        size = (1280, 720)
        place = fit_image(size, (frame.width, frame.height))
        x, y, w, h = place.rect
        for mode in ("split", "swap"):
            surf = pygame.Surface(size)
            surf.fill(PALETTE.background)
            plain = cv2.convertScaleAbs(cv2.flip(cv2.resize(frame.image, (w, h)), 1), alpha=0.65)
            cam = pygame.image.frombuffer(plain.tobytes(), (w, h), "BGR")
            surf.blit(cam, (x, y))
            ex = TappingExercise(TappingDose(side="right"))
            view = ViewContext(transform=from_camera(size, (frame.width, frame.height),
                                                     (frame.width / 2, frame.height / 2), 100),
                               theme=Theme(height=size[1], width=size[0]), frame=frame, placement=place,
                               camera_image=cam, mirror=mode)
            renderer_for("mirror")(surf, ex, view)
            from vision.mirror import MirrorTransform

            mirrored = MirrorTransform(mode, "right").apply(frame)  # type: ignore[arg-type]
            from game.views.dexterity import draw_hand_landmarks

            draw_hand_landmarks(surf, mirrored, view)
            path = out / f"mirror_{mode}.png"
            pygame.image.save(surf, str(path))
            written.append(path)
    return written


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    for p in write_screenshots(REPO / "docs" / "screenshots"):
        print(p)


def test_metronome_ticks_once_per_beat_while_drawn() -> None:
    from game.views.dexterity import metronome_for
    from vision.intents import HandIntent, Intents

    ex = TappingExercise(TappingDose(tempo_hz=2.0, set_s=3.0, sets=1))
    scene = ExerciseScene(SessionRunner(ex, SessionDose(), 2))
    surf = pygame.Surface(SIZE)
    tr = from_camera(SIZE, (640, 480), (320, 200), 120)
    t = 0.0
    while t < 2.99:  # drawn at 60 fps, stepped at 60 Hz with an open hand
        it = Intents(t, right=HandIntent(0.5, -0.5, 1.0, 1.2, 1.8))
        scene.update(it, 1 / 60)
        scene.draw(surf, DrawContext(theme=Theme(SIZE[1], SIZE[0]), transform=tr, intents=it, t=t))
        t += 1 / 60
    assert metronome_for(ex).ticks == 6  # beats at 0, 0.5, ... 2.5 s of the set


def test_on_screen_mirror_off_button_asks_the_app_to_unmirror() -> None:
    from vision.intents import HandIntent, Intents

    ex = TappingExercise(TappingDose())
    scene = ExerciseScene(SessionRunner(ex, SessionDose(), 2))
    surf = pygame.Surface(SIZE)
    tr = from_camera(SIZE, (640, 480), (320, 200), 120)
    ctx = DrawContext(theme=Theme(SIZE[1], SIZE[0]), transform=tr, t=0.0, mirror="split")
    scene.draw(surf, ctx)
    rect = scene.mirror_btn.rect(tr)
    assert rect.centerx < SIZE[0] // 2  # right arm affected: on the unaffected (screen left) side
    assert px(surf, (rect.centerx, rect.bottom - 4)) == PALETTE.button
    bx, by = scene.mirror_btn.center
    scene.update(Intents(0.0, right=HandIntent(bx, by), click=True), 1 / 60)  # a click on it
    assert scene.take_actions() == ["toggle_mirror"]
    scene.draw(surf, DrawContext(theme=Theme(SIZE[1], SIZE[0]), transform=tr, t=0.0, mirror=None))
    scene.update(Intents(1 / 60, right=HandIntent(bx, by), click=True), 1 / 60)
    assert scene.take_actions() == []  # no mirror on screen, no button
