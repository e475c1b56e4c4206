"""Fallback renderer for an exercise with no renderer of its own yet.

So a new game is playable (and its session recorded) before its view
exists: it shows the exercise's name, its `prompt` or `cue` if it has one,
and its `summary()` counts. The registry returns it for unknown names via
`renderer_or_generic`.
"""

from __future__ import annotations

from typing import Any

import pygame

from game.registry import display_title
from game.views import ViewContext
from game.widgets import draw_text_block


def draw_generic(surface: pygame.Surface, exercise: Any, view: ViewContext) -> None:
    th, pal = view.theme, view.theme.palette
    w, h = surface.get_size()
    lines = [display_title(str(getattr(exercise, "name", "exercise")))]
    for attr in ("prompt", "cue"):
        text = getattr(exercise, attr, None)
        if isinstance(text, str) and text:
            lines.append(text)
    summary = exercise.summary() if callable(getattr(exercise, "summary", None)) else {}
    counts = [f"{k.replace('_', ' ')} {v}" for k, v in summary.items() if isinstance(v, int) and not isinstance(v, bool)]
    if counts:
        lines.append(", ".join(counts[:4]))
    y = int(h * 0.62)
    for i, line in enumerate(lines):
        y = draw_text_block(surface, line, th.font("body", bold=i == 0), pal.text, y, margin=w // 10)
