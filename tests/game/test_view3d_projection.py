"""Head-tracked projection and side-by-side stereo: known answers, and the drawn pixels."""

from __future__ import annotations

import numpy as np
import pygame
import pytest

from game.views.projection import IPD_M, HeadTracker, Screen, disparity, eyes, project
from game.views.view3d import Scene3D, Sphere, draw_mono, draw_sbs

HEAD = np.array([0.0, 0.0, 0.6])


def test_point_on_the_screen_plane_never_moves() -> None:
    p = np.array([[0.1, -0.05, 0.0]])
    for head in ([0, 0, 0.6], [0.2, 0.1, 0.5], [-0.1, 0, 0.9]):
        np.testing.assert_allclose(project(p, np.array(head, float)), p[:, :2])


def test_known_projection_behind_the_screen() -> None:
    # eye 0.6 m in front, point 0.6 m behind, 0.2 m right: t = 0.5, lands 0.1 m right
    np.testing.assert_allclose(project(np.array([[0.2, 0.0, -0.6]]), HEAD), [[0.1, 0.0]])
    assert np.isnan(project(np.array([[0.0, 0.0, 0.7]]), HEAD)).all()  # behind the eye
    with pytest.raises(ValueError):
        project(np.zeros((1, 3)), np.array([0.0, 0.0, -0.1]))


def test_head_parallax_direction() -> None:
    far, near = np.array([[0.0, 0.0, -0.6]]), np.array([[0.0, 0.0, 0.3]])
    moved = HEAD + np.array([0.1, 0.0, 0.0])
    # behind the screen: follows the head by (1 - t) = 0.5 of its motion
    assert project(far, moved)[0, 0] - project(far, HEAD)[0, 0] == pytest.approx(0.05)
    # in front of the screen: moves against the head
    assert project(near, moved)[0, 0] - project(near, HEAD)[0, 0] < 0


def test_disparity_sign_and_size() -> None:
    left, right = eyes(HEAD)
    assert right[0] - left[0] == pytest.approx(IPD_M) and left[1] == right[1]  # level eyes
    pts = np.array([[0.0, 0.0, -0.6], [0.0, 0.0, 0.0], [0.0, 0.0, 0.3]])
    d = disparity(pts, HEAD)
    assert d[0] == pytest.approx(IPD_M * 0.6 / 1.2)  # uncrossed behind: 31.5 mm
    assert d[1] == pytest.approx(0.0)
    assert d[2] == pytest.approx(-IPD_M * 0.3 / 0.3)  # crossed in front
    assert disparity(pts[:1], HEAD, ipd=0.07)[0] == pytest.approx(0.035)


def test_head_tracker_direction_distance_and_comfort_clamp() -> None:
    ht = HeadTracker(focal_px=600.0, image_width_px=640)
    # eyes 60 px apart at 600 px focal: 0.63 m away; centred: head at the screen axis
    lu, ru = 0.5 + 30 / 640, 0.5 - 30 / 640  # unmirrored: the patient's left eye on image right
    for i in range(20):
        head = ht.update(i / 30, (lu, 0.5), (ru, 0.5), aspect=0.75)
    assert head[2] == pytest.approx(0.63, rel=1e-3) and abs(head[0]) < 1e-6
    # the eyes move to the image LEFT = the patient moved to THEIR right: +x
    for i in range(20, 60):
        head = ht.update(i / 30, (lu - 0.1, 0.5), (ru - 0.1, 0.5), aspect=0.75)
    assert head[0] == pytest.approx(0.1 * 640 * 0.63 / 600, rel=0.02)
    for i in range(60, 120):  # far out: clamped to the comfort box
        head = ht.update(i / 30, (lu - 0.45, 0.5), (ru - 0.45, 0.5), aspect=0.75)
    assert head[0] <= 0.25 + 1e-9
    kept = ht.update(5.0, None, (0.5, 0.5), aspect=0.75)  # lost eyes: no jump
    np.testing.assert_allclose(kept, head)


def _find(surf: pygame.Surface, color: tuple[int, int, int], x0: int, x1: int) -> float:
    a = pygame.surfarray.array3d(surf)[x0:x1]
    xs, _ = np.nonzero(np.all(a == color, axis=2))
    assert len(xs) > 0
    return float(xs.mean()) + x0


def test_drawn_sbs_has_the_predicted_disparity_and_mono_the_parallax() -> None:
    screen = Screen(0.5, 0.28, 1280, 720)
    color = (230, 159, 0)
    scene = Scene3D(spheres=[Sphere((0.0, 0.0, -0.6), 0.03, color)])
    sbs = pygame.Surface((1280, 720))
    draw_sbs(sbs, screen, HEAD, scene)
    lx, rx = _find(sbs, color, 0, 640), _find(sbs, color, 640, 1280) - 640
    expected_px = IPD_M * 0.6 / 1.2 / 0.5 * 640  # disparity in metres -> half-width pixels
    assert rx - lx == pytest.approx(expected_px, abs=1.5)
    mono_a, mono_b = pygame.Surface((1280, 720)), pygame.Surface((1280, 720))
    draw_mono(mono_a, screen, HEAD, scene)
    draw_mono(mono_b, screen, HEAD + np.array([0.1, 0, 0]), scene)
    shift = _find(mono_b, color, 0, 1280) - _find(mono_a, color, 0, 1280)
    assert shift == pytest.approx(0.05 / 0.5 * 1280, abs=1.5)  # follows the head by half
