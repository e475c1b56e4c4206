"""Issue 5: the reaching view and the hands are drawn between the previous and the
current fixed step by the loop's alpha (real exercise, real pygame surfaces)."""

from __future__ import annotations

import numpy as np
import pygame
import pytest

from exercises.doses import SessionDose, make_dose
from exercises.reaching import ReachingExercise
from exercises.session import SessionRunner
from game.context import DrawContext
from game.scenes.exercise import ExerciseScene
from game.theme import PALETTE, Theme
from game.transform import fit_body_box
from game.views import ViewContext, renderer_for
from vision.intents import HandIntent, Intents

SIZE = (1280, 720)
DT = 1 / 60


def centroid(surface: pygame.Surface, colours: list[tuple[int, int, int]],
             box: pygame.Rect | None = None) -> tuple[float, float]:
    arr = pygame.surfarray.array3d(surface).astype(int)  # [x, y, rgb]
    mask = np.zeros(arr.shape[:2], dtype=bool)
    for c in colours:
        mask |= np.all(arr == c, axis=-1)
    if box is not None:
        keep = np.zeros_like(mask)
        keep[box.left:box.right, box.top:box.bottom] = True
        mask &= keep
    xs, ys = np.nonzero(mask)
    assert len(xs) > 20, "nothing drawn in those colours"
    return float(xs.mean()), float(ys.mean())


def carried_target() -> tuple[ExerciseScene, list[Intents]]:
    """A "carry" target held by the right hand and moved 0.4 body units right in one step."""
    dose = make_dose("reaching", repetitions=3, inter_target_s=0.0, hold_s=30.0, variant="carry",
                     target_timeout_s=60.0)
    ex = ReachingExercise(dose, None, np.random.default_rng(0), session_dose=SessionDose())
    scene = ExerciseScene(SessionRunner(ex, SessionDose(), 2))
    t = 0.0
    sent: list[Intents] = []

    def step(x: float, y: float) -> None:
        nonlocal t
        sent.append(Intents(t=t, right=HandIntent(x, y)))
        scene.update(sent[-1], DT)
        t += DT

    step(0.5, -1.2)
    step(0.5, -1.2)
    [tv] = [v for v in ex.targets if v.state == "waiting"]
    for _ in range(10):  # touch it and start holding
        step(tv.x, tv.y)
    step(tv.x + 0.2, tv.y)
    step(tv.x + 0.6, tv.y)
    return scene, sent


def test_target_is_drawn_at_the_previous_step_at_alpha_0_and_the_current_at_alpha_1() -> None:
    scene, _ = carried_target()
    ex = scene.runner.exercise
    [now] = ex.targets
    renderer = renderer_for("reaching")
    prev = renderer.previous(ex)[now.index]  # type: ignore[attr-defined]
    tr = fit_body_box(SIZE)
    assert abs(tr.length(now.x - prev[0])) > 40  # it moved a visible distance in one step
    colours = [PALETTE.target, PALETTE.target_hold]
    # The cup (with its handle on one side and its fill from the bottom) is not symmetric
    # about its centre: its colour centroid sits a fixed offset from it, the same at any alpha.
    offset = None
    for alpha, expect in ((1.0, (now.x, now.y)), (0.0, prev),
                          (0.5, ((prev[0] + now.x) / 2, (prev[1] + now.y) / 2))):
        surf = pygame.Surface(SIZE)
        renderer(surf, ex, ViewContext(transform=tr, theme=Theme(height=SIZE[1], width=SIZE[0]), alpha=alpha))
        cx, cy = centroid(surf, colours)
        ex_, ey_ = tr.to_screen(*expect)
        if offset is None:
            offset = (cx - ex_, cy - ey_)
            assert abs(offset[0]) < tr.length(now.radius) / 2 and abs(offset[1]) < tr.length(now.radius) / 2
        assert (cx - offset[0], cy - offset[1]) == pytest.approx((ex_, ey_), abs=2.5), alpha


def test_previous_position_is_the_one_the_exercise_had_a_step_before() -> None:
    # Independent of the renderer's memory: replay the same steps and read the target's
    # position after the second-to-last step.
    scene, sent = carried_target()
    dose = scene.runner.exercise.dose
    ex2 = ReachingExercise(dose, None, np.random.default_rng(0), session_dose=SessionDose())
    runner2 = SessionRunner(ex2, SessionDose(), 2)
    for intents in sent[:-1]:
        runner2.step(intents, DT)
    [before] = ex2.targets
    prev = renderer_for("reaching").previous(scene.runner.exercise)  # type: ignore[attr-defined]
    assert prev[before.index] == pytest.approx((before.x, before.y))


def test_hands_are_drawn_between_the_last_two_steps() -> None:
    scene, sent = carried_target()
    tr = fit_body_box(SIZE)
    cur, prev = sent[-1].right, sent[-2].right
    assert cur is not None and prev is not None
    r = max(8, round(tr.length(0.12)))
    for alpha, (hx, hy) in ((0.0, (prev.x, prev.y)), (1.0, (cur.x, cur.y))):
        surf = pygame.Surface(SIZE)
        ctx = DrawContext(theme=Theme(height=SIZE[1], width=SIZE[0]), transform=tr, intents=sent[-1],
                          alpha=alpha)
        scene.draw(surf, ctx)
        sx, sy = tr.to_screen(hx, hy)
        box = pygame.Rect(round(sx) - 2 * r, round(sy) - 2 * r, 4 * r, 4 * r)
        cx, cy = centroid(surf, [PALETTE.hand_right], box)  # the ring around the hand
        assert (cx, cy) == pytest.approx((sx, sy), abs=2.5), alpha
        other = cur if alpha == 0.0 else prev
        ox, oy = tr.to_screen(other.x, other.y)
        assert tuple(surf.get_at((round(ox) + r - 2, round(oy))))[:3] != PALETTE.hand_right
