"""Over the camera picture nothing of the game covers the patient's face: a reaching run
with a real person's recorded body (the virtual patient), drawn as in a video run."""

from __future__ import annotations

import numpy as np
import pygame
import pytest

from exercises.doses import SessionDose, make_dose
from exercises.reaching import ReachingExercise
from exercises.session import SessionRunner
from exercises.virtual_patient import VirtualPatient, goal_for
from game.context import DrawContext
from game.scenes.exercise import ExerciseScene
from game.theme import Theme
from game.transform import fit_image, from_camera
from game.widgets import face_box, keep_off_face, rail_rects
from vision.intents_builder import IntentsBuilder

SIZE = (1280, 720)


def test_no_target_nor_text_covers_the_face_in_a_camera_run() -> None:
    dose = make_dose("reaching", repetitions=12, inter_target_s=0.2, target_timeout_s=3.0)
    ex = ReachingExercise(dose, None, np.random.default_rng(4), session_dose=SessionDose())
    scene = ExerciseScene(SessionRunner(ex, SessionDose(), 2), goals=["Reach a cup on a kitchen shelf"])
    vp = VirtualPatient.for_demo(4)
    builder = IntentsBuilder()
    camera = pygame.Surface((640, 480))
    camera.fill((90, 90, 90))
    surf = pygame.Surface(SIZE)
    t, dt, seen, faces = 0.0, 1 / 30, set(), 0
    while t < 40.0 and not ex.done:
        vp.look(goal_for(ex), t)
        frame = vp.frame(t)
        intents = builder.build(frame)
        scene.update(intents, dt)
        t += dt
        ref = vp.reference
        tr = from_camera(SIZE, (frame.width, frame.height), ref.origin_px, ref.unit_px)
        ctx = DrawContext(theme=Theme(SIZE[1], SIZE[0]), transform=tr, intents=intents, t=t, frame=frame,
                          placement=fit_image(SIZE, (frame.width, frame.height)), camera_image=camera)
        scene.draw(surf, ctx)
        assert scene.last_ctx is not None
        ctx, tr = scene.last_ctx, scene.last_ctx.transform  # as drawn: the picture below the header
        face = face_box(ctx)
        assert face is None or face.top >= scene.header_height(ctx)  # the header never covers the head
        if face is None:
            continue
        faces += 1
        for tv in ex.targets:  # where each target is placed, when it appears
            if tv.index in seen:
                continue  # (later the patient may lean toward it: their move, not the layout)
            c, r = tr.to_screen_int(tv.x, tv.y), round(tr.length(tv.radius))
            rect = pygame.Rect(c[0] - r, c[1] - r, 2 * r, 2 * r)
            assert not rect.colliderect(face), (tv, rect, face)
            seen.add(tv.index)
        for rect in scene.text_rects:
            assert not rect.colliderect(face), (rect, face)
        for rect in rail_rects(SIZE, "left"):
            assert not rect.colliderect(face)
    assert faces > 100 and len(seen) >= 6


def test_text_over_the_face_moves_the_least_way_off_it() -> None:
    face = pygame.Rect(500, 100, 200, 260)
    bounds = pygame.Rect(0, 0, 1280, 720)
    moved = keep_off_face(pygame.Rect(560, 80, 300, 30), face, bounds)
    assert not moved.colliderect(face) and moved.size == (300, 30) and moved.y == 80  # sideways
    assert keep_off_face(pygame.Rect(0, 600, 100, 20), face, bounds) == pygame.Rect(0, 600, 100, 20)
    assert keep_off_face(pygame.Rect(10, 10, 20, 20), None, bounds) == pygame.Rect(10, 10, 20, 20)


def test_the_calibration_shows_the_whole_head_below_its_header() -> None:

    from game.scenes.calibration import CalibrationScene
    from game.transform import fit_body_box
    from game.widgets import AVATAR_BODY, below_header
    from vision.bodyframe import BodyFrame

    d = np.load("assets/demo/seated_body.npz")
    pose = d["pose"][0].astype(np.float64).copy()
    pose[:, 1] -= pose[0, 1] - 0.12  # the head near the top of the picture, as a close webcam sees it
    frame = BodyFrame(index=0, t_ns=0, width=640, height=480, pose=pose)
    scene = CalibrationScene(saved=object())
    surf = pygame.Surface(SIZE)
    ctx = DrawContext(theme=Theme(SIZE[1], SIZE[0]), transform=fit_body_box(SIZE), frame=frame,
                      placement=fit_image(SIZE, (640, 480)))
    header = int(SIZE[1] * 0.3)
    assert face_box(ctx).top < header  # as the app places the picture, the header would cut the head
    scene.draw(surf, ctx)
    shown = below_header(ctx, SIZE, header)
    head = face_box(shown)
    assert head is not None and head.top >= header  # the whole head below the header
    nose = shown.placement.offset[0] + (1 - pose[0, 0]) * 640 * shown.placement.scale, \
        shown.placement.offset[1] + pose[0, 1] * 480 * shown.placement.scale
    assert tuple(surf.get_at((round(nose[0]), round(nose[1]) - 6)))[:3] == AVATAR_BODY  # the face, drawn
    # hands and buttons still line up with the picture: a body point maps to the same image point
    bx, by = 0.5, 0.0
    p0, p1 = ctx.transform.to_screen(bx, by), shown.transform.to_screen(bx, by)
    img0 = ((p0[0] - ctx.placement.offset[0]) / ctx.placement.scale, (p0[1] - ctx.placement.offset[1]) / ctx.placement.scale)
    img1 = ((p1[0] - shown.placement.offset[0]) / shown.placement.scale,
            (p1[1] - shown.placement.offset[1]) / shown.placement.scale)
    assert img0 == pytest.approx(img1)


@pytest.mark.parametrize("name", ["tapping", "pinch", "openclose"])
def test_the_hand_games_words_keep_off_the_face_over_the_camera_picture(name: str) -> None:
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parent))
    from test_views_dexterity import draw, play

    from game.views.dexterity import TEXT_RECTS

    scene, vp, frame, intents = play(name, 3.0)
    camera = pygame.Surface((frame.width, frame.height))
    camera.fill((90, 90, 90))
    draw(scene, vp, frame, intents, size=SIZE, camera=camera)
    face = face_box(scene.last_ctx)
    assert face is not None and TEXT_RECTS
    for rect in TEXT_RECTS + scene.text_rects:
        assert not rect.colliderect(face), (name, rect, face)
