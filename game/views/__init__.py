"""Registry of exercise renderers: exercise name -> function that draws it.

An exercise (exercises/) is pure state; a renderer walks that public state
and draws it onto a surface, as pymunk's debug_draw walks a space. The
exercise scene looks the renderer up by `exercise.name`, so a new game only
registers its renderer here and the scene, HUD, stop button, cues and
camera background come for free.

Contract for a renderer::

    @register("pinch")
    def draw_pinch(surface: pygame.Surface, exercise: Any, view: ViewContext) -> None: ...

It must draw only inside `surface`, use `view.to_screen` / `view.length`
for every position and size (body units in, pixels out; never hard-coded
pixels), colours from `view.theme.palette`, and never change the exercise.
`view.intents` is the newest input (for drawing the hands), `view.alpha`
the fraction of the next fixed step (for interpolation), `view.frame` /
`view.placement` / `view.camera_image` the newest tracked frame and where
the selfie camera image sits (for hand landmarks).

Mirror therapy: when the session has a mirror mode (`view.mirror` is
"split" or "swap") the exercise scene first calls the renderer registered
as "mirror" (game/views/mirror.py) to draw the background, then the
exercise's own renderer; the "M" key turns the mirror off at once.

Built-in renderers live in modules named in `_MODULES` and are imported on
first look-up, so importing this package costs nothing.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import pygame

from game.registry import GAMES
from game.theme import Theme
from game.transform import BodyToScreen, ImagePlacement
from vision.bodyframe import BodyFrame
from vision.intents import Intents


@dataclass(frozen=True, slots=True)
class ViewContext:
    """Everything a renderer needs besides the exercise itself."""

    transform: BodyToScreen
    theme: Theme
    intents: Intents | None = None
    alpha: float = 0.0  # fraction of the next fixed step, 0..1
    t: float = 0.0  # session time, seconds (for animation)
    mirror: str | None = None  # "split" / "swap" when mirror therapy is on (None: off)
    frame: BodyFrame | None = None  # newest tracked frame (hand landmarks, mirror view)
    placement: ImagePlacement | None = None  # where the mirrored camera image sits in the window
    camera_image: pygame.Surface | None = None  # the selfie-mirrored camera image, if shown
    pace: float = 1.0  # the patient's --pace: feedback motion slows with it

    def to_screen(self, bx: float, by: float) -> tuple[int, int]:
        return self.transform.to_screen_int(bx, by)

    def length(self, body_units: float) -> int:
        return max(1, round(self.transform.length(body_units)))


class Renderer(Protocol):
    def __call__(self, surface: pygame.Surface, exercise: Any, view: ViewContext) -> None: ...


_RENDERERS: dict[str, Renderer] = {}

# exercise name -> module that registers its renderer when imported.
_MODULES: dict[str, str] = {g.name: g.view for g in GAMES} | {"mirror": "game.views.mirror"}


def register(name: str) -> Callable[[Renderer], Renderer]:
    """Decorator: make `fn` the renderer of exercise `name` (last one wins)."""

    def deco(fn: Renderer) -> Renderer:
        _RENDERERS[name] = fn
        return fn

    return deco


def renderer_for(name: str) -> Renderer:
    """The renderer registered for `name`, importing its module on first use.

    Raises KeyError naming the exercise when none is registered.
    """
    if name not in _RENDERERS and name in _MODULES:
        try:
            importlib.import_module(_MODULES[name])
        except ModuleNotFoundError as exc:
            if exc.name != _MODULES[name]:
                raise
    try:
        return _RENDERERS[name]
    except KeyError:
        raise KeyError(f"no renderer registered for exercise {name!r}") from None


def registered() -> tuple[str, ...]:
    return tuple(sorted(_RENDERERS))


def renderer_or_generic(name: str) -> Renderer:
    """`renderer_for(name)`, or the generic fallback (game/views/generic.py) if none is registered."""
    try:
        return renderer_for(name)
    except KeyError:
        from game.views.generic import draw_generic

        return draw_generic
