"""Software 3-D view in pygame: mono (head-tracked) and side-by-side stereo.

Thin drawing layer over game.views.projection (the math, tested there): a
scene of boxes (the table, the shelf) and spheres (targets, the hand) in the
screen frame (metres; the table in front of the patient lies behind the
screen plane, z < 0) drawn far-to-near (painter's order) onto any surface.
No OpenGL: runs headless under SDL's dummy driver.

`draw_mono` draws the whole surface from the head position; `draw_sbs` draws
each eye's view into its half (left eye on the left half), each half showing
the whole screen squeezed horizontally as phone VR viewers and 3D displays
expect. A fixed horizon line and a neutral floor grid stay put (comfort).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pygame

from game.views.projection import IPD_M, Screen, eyes, project

RGB = tuple[int, int, int]
BACKGROUND: RGB = (24, 26, 32)
GRID: RGB = (70, 74, 86)
BACK_WALL_Z = -1.0  # a gridded back wall: a steady depth cue with a level horizon line
GRID_STEP = 0.1


@dataclass(frozen=True, slots=True)
class Box:
    lo: tuple[float, float, float]
    hi: tuple[float, float, float]
    color: RGB


@dataclass(frozen=True, slots=True)
class Sphere:
    centre: tuple[float, float, float]
    radius: float
    color: RGB
    label: str = ""


@dataclass
class Scene3D:
    boxes: list[Box] = field(default_factory=list)
    spheres: list[Sphere] = field(default_factory=list)


def everyday_scene(targets: list[tuple[float, float, float]], hand: tuple[float, float, float] | None,
                   ) -> Scene3D:
    """The table and shelf of the everyday-task scene, forward targets on them."""
    s = Scene3D()
    s.boxes.append(Box((-0.22, -0.14, -0.70), (0.22, -0.12, -0.05), (139, 98, 57)))  # table top
    s.boxes.append(Box((-0.20, 0.04, -0.80), (0.20, 0.06, -0.60), (110, 110, 120)))  # shelf
    for x, y, z in targets:
        s.spheres.append(Sphere((x, y, z), 0.03, (230, 159, 0), "target"))
    if hand is not None:
        s.spheres.append(Sphere(hand, 0.025, (86, 180, 233), "hand"))
    return s


def _shade(c: RGB, f: float) -> RGB:
    return (int(c[0] * f), int(c[1] * f), int(c[2] * f))


def _draw_view(surf: pygame.Surface, rect: pygame.Rect, screen: Screen, eye: np.ndarray,
               scene: Scene3D) -> None:
    sub = surf.subsurface(rect)
    sub.fill(BACKGROUND)

    def px(points: np.ndarray) -> np.ndarray:
        return screen.to_px(project(points, eye))

    # back-wall grid (fixed in the scene: no motion the patient did not make)
    for k in range(-8, 9):
        g = k * GRID_STEP
        for a in (px(np.array([[-0.8, g, BACK_WALL_Z], [0.8, g, BACK_WALL_Z]])),
                  px(np.array([[g, -0.8, BACK_WALL_Z], [g, 0.8, BACK_WALL_Z]]))):
            if np.isfinite(a).all():
                pygame.draw.line(sub, GRID, a[0], a[1], 2 if k == 0 else 1)
    items: list[tuple[float, object]] = [(b.lo[2] + b.hi[2], b) for b in scene.boxes]
    items += [(2 * s.centre[2], s) for s in scene.spheres]
    rings: list[tuple[RGB, np.ndarray, int]] = []
    for _, item in sorted(items, key=lambda it: it[0]):  # far (most negative z) first
        if isinstance(item, Box):
            (x0, y0, z0), (x1, y1, z1) = item.lo, item.hi
            top = px(np.array([[x0, y1, z0], [x1, y1, z0], [x1, y1, z1], [x0, y1, z1]]))
            front = px(np.array([[x0, y0, z1], [x1, y0, z1], [x1, y1, z1], [x0, y1, z1]]))
            if np.isfinite(top).all():
                pygame.draw.polygon(sub, item.color, top)
            if np.isfinite(front).all():
                pygame.draw.polygon(sub, _shade(item.color, 0.7), front)
        else:
            assert isinstance(item, Sphere)
            c = np.array([item.centre])
            centre = px(c)[0]
            edge = px(c + np.array([[item.radius, 0.0, 0.0]]))[0]
            if np.isfinite(centre).all() and np.isfinite(edge).all():
                r = max(2, int(abs(edge[0] - centre[0]) + 0.5))
                pygame.draw.circle(sub, item.color, centre, r)
                pygame.draw.circle(sub, _shade(item.color, 0.6), centre, r, 2)
                if item.label == "hand":
                    rings.append((item.color, centre, r))
    # The hands' outlines last: a hand inside (or behind) a target still shows where it is.
    for color, centre, r in rings:
        pygame.draw.circle(sub, (255, 255, 255), centre, r + 2, 3)
        pygame.draw.circle(sub, color, centre, r, 2)


def draw_mono(surf: pygame.Surface, screen: Screen, head: np.ndarray, scene: Scene3D) -> None:
    _draw_view(surf, surf.get_rect(), screen, np.asarray(head, float), scene)


def draw_sbs(surf: pygame.Surface, screen: Screen, head: np.ndarray, scene: Scene3D,
             ipd: float = IPD_M) -> None:
    """Left eye's view in the left half, right eye's in the right half."""
    w, h = surf.get_size()
    half = Screen(screen.width_m, screen.height_m, w // 2, h)
    left, right = eyes(head, ipd)
    _draw_view(surf, pygame.Rect(0, 0, w // 2, h), half, left, scene)
    _draw_view(surf, pygame.Rect(w // 2, 0, w // 2, h), half, right, scene)
