""""How much for today?": as planned, or easier (shorter and slower), never harder.

Asked right after the pre-session check-in, so the answer can follow the
pain rating: when pain before the session is above the plan's in-session
stop threshold, "Easier" is suggested (highlighted, said in words, and the
one Enter picks). Two big buttons within a seated patient's reach,
answered by dwell, mouse click, keys 1/2, or arrows + Enter. There is no
"harder" button: the plan is the ceiling.

Result: "planned", "easier", or None when the patient stopped.
"""

from __future__ import annotations

import pygame

from game.context import DrawContext
from game.scenes.common import MenuScene
from game.theme import OKABE_ITO
from game.widgets import DwellButton, blit_fit, draw_hands, draw_text_block
from vision.intents import Intents

PLANNED, EASIER = "planned", "easier"


class TodayScene(MenuScene):
    """Result: "planned" / "easier", or None when stopped."""

    name = "easier_today"
    title = "How much for today?"

    def __init__(self, *, suggest_easier: bool = False, pain: int | None = None,
                 threshold: int | None = None, minutes: float | None = None, pace: float = 1.0) -> None:
        super().__init__(pace)
        self.suggest_easier = suggest_easier
        self.selected = EASIER if suggest_easier else PLANNED  # arrows move it, Enter confirms
        planned = DwellButton("1  As planned", center=(-1.0, -0.2), half=(0.9, 0.42),
                              dwell_s=self.dwell_s, value=PLANNED)
        easier = DwellButton("2  Easier today", center=(1.0, -0.2), half=(0.9, 0.42),
                             dwell_s=self.dwell_s, value=EASIER, color=OKABE_ITO["bluish_green"])
        # The suggested choice first: it is the default (Enter), and what a scripted demo picks.
        # The layout on screen never changes: "As planned" left, "Easier" right.
        self.buttons = [easier, planned] if suggest_easier else [planned, easier]
        n = round(minutes or 0)
        plan = f"Your plan for today: about {n} minute{'s' if n != 1 else ''}. " if n >= 1 else ""
        self.text = (f"{plan}You can make today easier: a shorter session at a slower pace. "
                     "It never gets harder than your plan.")
        self.advice = (f"Your pain is {pain} out of 10 today (above {threshold}): we suggest the easier "
                       "session." if suggest_easier and pain is not None and threshold is not None else "")

    def update(self, intents: Intents, dt: float) -> None:
        if self.stop_requested(intents, dt):
            self.dismiss(None)
            return
        if intents.number in (1, 2):
            self.dismiss(PLANNED if intents.number == 1 else EASIER)
            return
        b = self.pressed(intents, dt)
        if b is not None:
            self.dismiss(b.value)
        elif intents.confirm and not any(x.hovered for x in self.buttons):
            self.dismiss(self.selected)

    def adjust(self, delta: int) -> None:
        """Keyboard arrows: left = as planned, right = easier."""
        self.selected = EASIER if delta > 0 else PLANNED

    def draw(self, surface: pygame.Surface, ctx: DrawContext) -> None:
        th, pal = ctx.theme, ctx.theme.palette
        w, h = surface.get_size()
        surface.fill(pal.background)
        margin = max(16, w // 24)
        # A narrow (portrait) window gets the smaller text so it stays above the buttons.
        kind = "body" if w >= h else "small"
        y = draw_text_block(surface, self.title, th.font("title", bold=True), pal.text,
                            max(12, h // 30), margin=margin) + th.small_px // 2
        y = draw_text_block(surface, self.text, th.font(kind), pal.text, y, margin=margin)
        if self.advice:
            draw_text_block(surface, self.advice, th.font(kind, bold=True), OKABE_ITO["orange"],
                            y + th.small_px // 2, margin=margin)
        below = 0
        for b in self.buttons:
            r = b.draw(surface, ctx, font_kind="title")
            if b.value == self.selected:  # the default choice: a thick outline besides the colour
                pygame.draw.rect(surface, OKABE_ITO["orange"], r.inflate(16, 16), width=max(4, r.h // 14),
                                 border_radius=max(6, r.h // 7))
            detail = "the session your plan sets" if b.value == PLANNED else "shorter and slower"
            if b.value == self.selected and self.suggest_easier:
                detail += " (suggested)"
            line = pygame.Rect(r.left, r.bottom + 12, r.w, th.small_px + 6)
            blit_fit(surface, detail, line, th.small_px, pal.text, bold=False)  # shrinks to its button
            below = max(below, line.bottom)
        draw_text_block(surface, "Hold a hand on a button, click it, or press 1 or 2.",
                        th.font("small"), pal.text_dim, below + th.small_px, margin=margin)
        self.draw_stop(surface, ctx)
        draw_hands(surface, ctx)
