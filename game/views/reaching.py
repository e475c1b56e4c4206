"""Renderer of the reaching game: targets, hold progress, the active shoulder.

Walks `ReachingExercise.targets` (TargetView: body-unit position, radius,
state, hold progress) and draws each through the view transform. Meaning
is never colour alone: a waiting target is an orange disc with a white
ring and a dashed halo, a held one fills with a yellow sector, a hit turns
bluish-green with a tick, a miss fades to an outline.

Smooth motion: a target that moves (carried, knocked) is drawn between
where it was at the previous fixed step and where it is now, by the loop's
`view.alpha` (0 = previous, 1 = current), so 60 fps drawing over 60 Hz
physics with uneven frames never stutters. The exercise scene calls
`after_step(exercise)` once per fixed step to remember the positions.
"""

from __future__ import annotations

import math
import weakref
from typing import Any

import pygame

from game.feedback import Burst
from game.views import ViewContext, register


def _arc_polygon(center: tuple[int, int], r: int, frac: float) -> list[tuple[int, int]]:
    pts = [center]
    n = max(3, int(48 * frac))
    for i in range(n + 1):
        a = -math.pi / 2 + 2 * math.pi * frac * i / n
        pts.append((round(center[0] + r * math.cos(a)), round(center[1] + r * math.sin(a))))
    return pts


Positions = dict[int, tuple[float, float]]


def lerp(a: tuple[float, float], b: tuple[float, float], alpha: float) -> tuple[float, float]:
    """From `a` (alpha 0) to `b` (alpha 1); alpha is clamped to 0..1."""
    k = min(1.0, max(0.0, alpha))
    return (a[0] + (b[0] - a[0]) * k, a[1] + (b[1] - a[1]) * k)


class ReachingView:
    """The reaching renderer, with each exercise's target positions one fixed step back."""

    def __init__(self) -> None:
        self.__name__ = "draw_reaching"  # named like the function renderers it stands beside
        # exercise -> (positions at the previous step, at the current step); weak so a
        # finished session's exercise is not kept alive by the renderer.
        self._steps: weakref.WeakKeyDictionary[Any, tuple[Positions, Positions]] = weakref.WeakKeyDictionary()
        # exercise -> (indices of targets already seen hit, the bursts still playing)
        self._hits: weakref.WeakKeyDictionary[Any, tuple[set[int], list[Burst]]] = weakref.WeakKeyDictionary()

    @staticmethod
    def positions(exercise: Any) -> Positions:
        return {tv.index: (tv.x, tv.y) for tv in exercise.targets}

    def after_step(self, exercise: Any) -> None:
        """Called once per fixed step, after the exercise stepped."""
        now = self.positions(exercise)
        _, last = self._steps.get(exercise, (now, now))
        try:
            self._steps[exercise] = (last, now)
        except TypeError:  # an exercise that cannot be weakly referenced: no interpolation
            pass

    def previous(self, exercise: Any) -> Positions:
        try:
            return self._steps.get(exercise, ({}, {}))[0]
        except TypeError:
            return {}

    def bursts(self, exercise: Any, view: ViewContext) -> list[Burst]:
        """The bursts playing now: one starts at each target the first time it is seen hit."""
        try:
            seen, playing = self._hits.setdefault(exercise, (set(), []))
        except TypeError:
            return []
        for tv in exercise.targets:
            if tv.state == "popped" and tv.index not in seen:
                seen.add(tv.index)
                playing.append(Burst(tv.x, tv.y, tv.radius, view.t, view.pace))
        playing[:] = [b for b in playing if not b.done(view.t)]
        return list(playing)

    def __call__(self, surface: pygame.Surface, exercise: Any, view: ViewContext) -> None:
        draw_targets(surface, exercise, view, self.previous(exercise))
        for burst in self.bursts(exercise, view):
            draw_burst(surface, burst, view)


draw_reaching = register("reaching")(ReachingView())


def draw_targets(surface: pygame.Surface, exercise: Any, view: ViewContext, previous: Positions) -> None:
    pal = view.theme.palette
    for tv in exercise.targets:
        x, y = lerp(previous.get(tv.index, (tv.x, tv.y)), (tv.x, tv.y), view.alpha)
        c = view.to_screen(x, y)
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


def draw_burst(surface: pygame.Surface, burst: Burst, view: ViewContext) -> None:
    """An expanding ring (bluish green, as the hit) and yellow particles flying out."""
    pal = view.theme.palette
    k = burst.strength(view.t)
    if k <= 0:
        return
    c = view.to_screen(burst.x, burst.y)
    width = max(1, round(view.length(burst.radius) * 0.25 * k))
    pygame.draw.circle(surface, pal.hit, c, view.length(burst.ring_radius(view.t)), width)
    for p in burst.particles(view.t):
        pygame.draw.circle(surface, pal.target_hold, view.to_screen(p.x, p.y), max(1, view.length(p.size)))
