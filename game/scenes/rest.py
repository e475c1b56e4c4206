"""Rest break: a calm screen with a countdown, driven by the session runner's clock.

The runner decides when a rest starts and how long it lasts (the dose); this
scene keeps stepping it (so the rest time passes on the session clock) and
returns when the runner is no longer resting. Result: "done" or "stop".
"""

from __future__ import annotations

import math
from typing import Any

import pygame

from game.context import DrawContext
from game.scenes.base import Scene
from game.scenes.common import stop_button
from game.widgets import anchor_button, draw_hands, draw_text_block
from vision.intents import Intents


class RestScene(Scene[str]):
    name = "rest"
    camera_view = False

    def __init__(self, runner: Any, sink: Any = None, affected: str = "right") -> None:
        super().__init__()
        self.runner = runner
        self.sink = sink or (lambda events: None)
        self.affected = affected
        self.stop_btn = stop_button("left" if affected == "left" else "right")
        self.t = 0.0

    def update(self, intents: Intents, dt: float) -> None:
        self.t = intents.t
        if intents.stop or self.stop_btn.update(intents, dt):
            self.dismiss("stop")
            return
        events = self.runner.step(intents, dt)
        if events:
            self.sink(events)
        if self.runner.state != "resting":
            self.dismiss("done")

    def draw(self, surface: pygame.Surface, ctx: DrawContext) -> None:
        th, pal = ctx.theme, ctx.theme.palette
        surface.fill(pal.background)
        w, h = surface.get_size()
        margin = max(16, w // 24)
        y = draw_text_block(surface, "Rest", th.font("title", bold=True), pal.rest, h // 20, margin=margin)
        draw_text_block(surface, "Let your arms rest. Breathe slowly.", th.font("body"), pal.text, y, margin=margin)
        remaining = max(0.0, float(self.runner.rest_remaining_s))
        # A slowly breathing circle and the seconds left.
        r = int(min(w, h) * (0.16 + 0.03 * math.sin(self.t * 2 * math.pi / 8.0)))
        c = (w // 2, int(h * 0.6))
        pygame.draw.circle(surface, pal.rest, c, r)
        img = th.font("title", bold=True).render(f"{math.ceil(remaining)}", True, (0, 0, 0))
        surface.blit(img, img.get_rect(center=c))
        side = "right" if self.affected == "left" else "left"
        anchor_button(self.stop_btn, ctx.transform, (w, h), screen_side=side, top=h * 0.3)
        self.stop_btn.draw(surface, ctx, font_kind="title")
        draw_hands(surface, ctx)
