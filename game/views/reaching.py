"""Renderer of the reaching game: targets, hold progress, the active shoulder.

Walks `ReachingExercise.targets` (TargetView: body-unit position, radius,
state, hold progress) and draws each through the view transform. Meaning
is never colour alone: a waiting target is an orange disc with a white
ring and a dashed halo, a held one fills with a yellow sector, a hit turns
bluish-green with a tick, a miss fades to an outline.
"""

from __future__ import annotations

import math
from typing import Any

import pygame

from game.views import ViewContext, register


def _arc_polygon(center: tuple[int, int], r: int, frac: float) -> list[tuple[int, int]]:
    pts = [center]
    n = max(3, int(48 * frac))
    for i in range(n + 1):
        a = -math.pi / 2 + 2 * math.pi * frac * i / n
        pts.append((round(center[0] + r * math.cos(a)), round(center[1] + r * math.sin(a))))
    return pts


@register("reaching")
def draw_reaching(surface: pygame.Surface, exercise: Any, view: ViewContext) -> None:
    pal = view.theme.palette
    for tv in exercise.targets:
        c = view.to_screen(tv.x, tv.y)
        r = view.length(tv.radius)
        ring = max(3, r // 7)
        if tv.state == "popped":
            pygame.draw.circle(surface, pal.hit, c, r)
            pygame.draw.circle(surface, pal.text, c, r, ring)
            tick = [(c[0] - r // 2, c[1]), (c[0] - r // 8, c[1] + r // 2.5), (c[0] + r // 2, c[1] - r // 2.5)]
            pygame.draw.lines(surface, pal.text, False, tick, max(3, r // 6))
        elif tv.state == "missed":
            pygame.draw.circle(surface, pal.text_dim, c, r, ring)
        else:
            pulse = 1.0 + 0.12 * math.sin(view.t * 2 * math.pi * 0.8)
            halo = round(r * 1.35 * pulse)
            for k in range(12):  # dashed halo: a shape cue besides colour
                a0 = 2 * math.pi * k / 12
                rect = pygame.Rect(c[0] - halo, c[1] - halo, 2 * halo, 2 * halo)
                pygame.draw.arc(surface, pal.target, rect, a0, a0 + math.pi / 12, max(2, ring // 2))
            pygame.draw.circle(surface, pal.target, c, r)
            if tv.hold_progress > 0:
                pygame.draw.polygon(surface, pal.target_hold, _arc_polygon(c, r, min(1.0, tv.hold_progress)))
            pygame.draw.circle(surface, pal.text, c, r, ring)
