"""Forward reaching in 2-D: a gauge of how far forward the hand reads, against the target's need.

Why: in the 2-D view a forward target looks like any other disc; the depth it also
asks for is invisible, so a patient with the hand on the spot but not far enough
forward would not know why nothing happens. The gauge shows the hand's forward
reading beyond rest (exercises/reaching_forward.py `depth_of`) as a filled bar and
the target's threshold as a tick, with the word "forward" (never colour alone).
The reading is coarse (docs/benchmarks.md: 0.58 arm lengths median error), which
is why the threshold is low; the gauge shows what the game uses, nothing finer.
"""

from __future__ import annotations

from typing import Any

import pygame

GAUGE_FULL_BU = 2.0  # a full bar: two shoulder widths beyond rest (about a long arm)


def draw_forward_gauge(surface: pygame.Surface, exercise: Any, intents: Any, theme: Any,
                       rail_side: str) -> pygame.Rect | None:
    """Under the header on the side away from the safety rail; None when there is no
    live forward target."""
    live = [tv for tv in getattr(exercise, "targets", ()) if tv.state in ("waiting", "holding")
            and getattr(tv, "depth", None) is not None]
    if not live or not hasattr(exercise, "forward"):
        return None
    tv = live[0]
    threshold = exercise.forward.threshold(tv.side, tv.depth)
    hand = intents.hand(tv.side) if intents is not None else None
    beyond = exercise.depth_of(tv.side, hand.forward) if hand is not None else None
    pal = theme.palette
    w, h = surface.get_size()
    font = theme.font("small", bold=True)
    label = font.render("forward", True, pal.text)
    bar = pygame.Rect(0, 0, max(120, w // 6), max(14, h // 40))
    margin = max(8, w // 50)
    top = int(h * 0.12)
    if rail_side == "left":
        bar.topright = (w - margin, top + label.get_height() + 4)
    else:
        bar.topleft = (margin, top + label.get_height() + 4)
    surface.blit(label, label.get_rect(bottomleft=(bar.left, bar.top - 2)))
    pygame.draw.rect(surface, pal.panel, bar)
    if beyond is not None:
        k = min(1.0, max(0.0, beyond / GAUGE_FULL_BU))
        pygame.draw.rect(surface, pal.hit if beyond >= threshold else pal.target,
                         (bar.x, bar.y, round(bar.w * k), bar.h))
    x = bar.x + round(bar.w * min(1.0, threshold / GAUGE_FULL_BU))
    pygame.draw.line(surface, pal.text, (x, bar.top - 4), (x, bar.bottom + 4), 3)
    pygame.draw.rect(surface, pal.text, bar, 2)
    return bar
