"""The patient's flare plan, in the therapist's words (game/flare.py decides when).

Result: True to go on (to "How much for today?", where easier and rest are
offered), None when the patient stops.
"""

from __future__ import annotations

from collections.abc import Sequence

import pygame

from game.context import DrawContext
from game.scenes.common import MenuScene
from game.widgets import DwellButton, draw_hands, draw_text_block, rail_text_margin
from vision.intents import Intents


class FlarePlanScene(MenuScene):
    name = "flare_plan"

    def __init__(self, lines: Sequence[str], pace: float = 1.0) -> None:
        super().__init__(pace)
        self.title = lines[0] if lines else "Your flare plan"
        self.lines = list(lines[1:])
        self.buttons = [DwellButton("Go on", center=(0.0, -1.15), half=(0.9, 0.28),
                                    dwell_s=self.dwell_s, value=True)]

    def update(self, intents: Intents, dt: float) -> None:
        if self.stop_requested(intents, dt):
            self.dismiss(None)
            return
        if self.pressed(intents, dt) is not None:
            self.dismiss(True)

    def draw(self, surface: pygame.Surface, ctx: DrawContext) -> None:
        th, pal = ctx.theme, ctx.theme.palette
        surface.fill(pal.background)
        y = self.draw_text(surface, ctx)
        margin = rail_text_margin(surface.get_width())
        f = th.font("small")
        for i, line in enumerate(self.lines):
            color = pal.cue if i == 0 else pal.text
            y = draw_text_block(surface, line, f, color, y, margin=margin) + th.small_px // 4
        for b in self.buttons:
            b.draw(surface, ctx)
        self.draw_stop(surface, ctx)
        draw_hands(surface, ctx, self.controls)
