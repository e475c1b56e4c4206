"""Feedback on a hit: the burst's timing (pure) and its pixels, and the set's progress bar."""

from __future__ import annotations

import itertools

import numpy as np
import pygame
import pytest

from exercises.doses import SessionDose, make_dose
from exercises.reaching import ReachingExercise
from exercises.session import SessionRunner
from game.context import DrawContext
from game.feedback import MIN_FLASH_S, Burst, set_progress
from game.scenes.exercise import ExerciseScene
from game.theme import PALETTE, Theme
from game.transform import fit_body_box
from vision.intents import HandIntent, Intents

DT = 1 / 60


@pytest.mark.parametrize("pace", [0.5, 1.0, 2.0, 10.0])
def test_a_burst_is_one_smooth_expansion_slowed_by_pace_never_a_fast_flash(pace: float) -> None:
    b = Burst(0.0, 0.0, 0.2, t0=10.0, pace=pace)
    assert b.duration_s >= MIN_FLASH_S  # nothing flashes faster than 3 Hz
    ts = [10.0 + b.duration_s * 0.999 * i / 50 for i in range(51)]
    radii = [b.ring_radius(t) for t in ts]
    strength = [b.strength(t) for t in ts]
    assert all(r2 >= r1 for r1, r2 in itertools.pairwise(radii))  # only grows
    assert all(s2 <= s1 for s1, s2 in itertools.pairwise(strength))  # only fades
    assert radii[0] == pytest.approx(0.2) and radii[-1] > 0.4
    assert b.phase(9.99) is None and b.done(10.0 + b.duration_s + 1e-6)
    assert b.particles(10.0 + b.duration_s + 0.01) == []
    far = [((p.x ** 2 + p.y ** 2) ** 0.5) for p in b.particles(10.0 + b.duration_s / 2)]
    assert len(far) == 10 and min(far) > 0.2


def test_a_slower_pace_makes_the_burst_last_longer() -> None:
    assert Burst(0, 0, 0.2, 0.0, pace=0.5).duration_s == pytest.approx(
        2 * Burst(0, 0, 0.2, 0.0, pace=1.0).duration_s)


def test_set_progress_is_the_share_of_the_quota() -> None:
    assert set_progress(3, 12) == pytest.approx(0.25)
    assert set_progress(15, 12) == 1.0
    assert set_progress(3, None) is None and set_progress(3, 0) is None


def _hit_once(pace: float) -> tuple[ExerciseScene, SessionRunner, float, tuple[float, float, float]]:
    dose = make_dose("reaching", repetitions=4, inter_target_s=0.0)
    ex = ReachingExercise(dose, None, np.random.default_rng(0), session_dose=SessionDose())
    runner = SessionRunner(ex, SessionDose(), 2)
    scene = ExerciseScene(runner, pace=pace)
    t = 0.0
    rest = HandIntent(0.5, -1.2)
    scene.update(Intents(t=t, right=rest), DT)
    for _ in range(1200):
        t += DT
        waiting = [tv for tv in ex.targets if tv.state in ("waiting", "holding")]
        hand = HandIntent(waiting[0].x, waiting[0].y) if waiting else rest
        target = (waiting[0].x, waiting[0].y, waiting[0].radius) if waiting else None
        scene.update(Intents(t=t, right=hand), DT)
        if any(tv.state == "popped" for tv in ex.targets):
            assert target is not None
            return scene, runner, t, target
    raise AssertionError("no hit")


def _draw(scene: ExerciseScene, t: float, size: tuple[int, int] = (1280, 720)) -> np.ndarray:
    surf = pygame.Surface(size)
    scene.draw(surf, DrawContext(theme=Theme(size[1], size[0]), transform=fit_body_box(size), t=t))
    return pygame.surfarray.array3d(surf)


def _ring_pixels(arr: np.ndarray, c: tuple[int, int], r_in: float, r_out: float, colour) -> int:
    xs, ys = np.meshgrid(np.arange(arr.shape[0]), np.arange(arr.shape[1]), indexing="ij")
    d = np.hypot(xs - c[0], ys - c[1])
    band = (d > r_in) & (d < r_out)
    return int(np.sum(np.all(arr[band] == colour, axis=-1)))


@pytest.mark.parametrize("pace", [1.0, 0.5])
def test_a_hit_bursts_at_the_target_then_the_burst_is_gone(pace: float) -> None:
    scene, _, t_hit, (x, y, radius) = _hit_once(pace)
    tr = fit_body_box((1280, 720))
    c, r = tr.to_screen_int(x, y), tr.length(radius)
    dur = Burst(x, y, radius, t_hit, pace).duration_s
    assert _ring_pixels(_draw(scene, t_hit), c, r * 1.3, r * 3.0, PALETTE.hit) == 0  # first sight
    mid = _draw(scene, t_hit + dur * 0.4)
    # the ring has grown past the target in the hit colour, particles (yellow) fly outside it
    assert _ring_pixels(mid, c, r * 1.3, r * 2.3, PALETTE.hit) > 50
    assert _ring_pixels(mid, c, r * 1.3, r * 2.8, PALETTE.target_hold) > 10
    late = _draw(scene, t_hit + dur * 1.05)
    assert _ring_pixels(late, c, r * 1.3, r * 2.8, PALETTE.target_hold) == 0
    assert _ring_pixels(late, c, r * 1.3, r * 2.3, PALETTE.hit) == 0


def test_the_progress_bar_fills_with_the_hits_of_the_set() -> None:
    scene, runner, t_hit, _ = _hit_once(1.0)
    arr = _draw(scene, t_hit + 2.0)
    bar = scene.progress_rect
    assert bar is not None
    row = arr[bar.left:bar.right, bar.centery]
    filled = int(np.sum(np.all(row == PALETTE.hit, axis=-1)))
    hits, quota = runner.exercise.summary()["hits"], runner.exercise.dose.repetitions
    assert hits == 1 and quota == 4
    assert filled == pytest.approx(bar.w * hits / quota, abs=6)
