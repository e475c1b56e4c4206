"""Over the camera picture nothing of the game covers the patient's face: a reaching run
with a real person's recorded body (the virtual patient), drawn as in a video run."""

from __future__ import annotations

import numpy as np
import pygame

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
        face = face_box(ctx)
        if face is None:
            continue
        faces += 1
        for tv in ex.targets:
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
