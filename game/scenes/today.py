""""How much for today?": as planned, or easier (shorter and slower), never harder.

Asked right after the pre-session check-in, so the answer can follow the
pain rating (the dosing core's `PreSessionGate` decides, exercises/dosing/
pain.py): when pain before the session is above the acceptable level,
"Easier" is suggested (highlighted, said in words, and the one Enter
picks); at or above the plan's stop level the full dose is not offered at
all: the choice is "Easier today" or "Rest today", with the reason on
screen. Two big buttons within a seated patient's reach, answered by dwell,
mouse click, keys 1/2, or arrows + Enter (Enter always takes the
highlighted choice, whatever the hands do). There is no "harder" button:
the plan is the ceiling.

Result: "planned", "easier", "rest", or None when the patient stopped.
`RestDayScene` then says that nothing is played today and the answers are kept.
"""

from __future__ import annotations

import pygame

from game.context import DrawContext
from game.scenes.common import MenuScene
from game.theme import OKABE_ITO
from game.widgets import DwellButton, blit_fit, draw_hands, draw_text_block, rail_text_margin
from vision.intents import Intents

PLANNED, EASIER, REST = "planned", "easier", "rest"


class TodayScene(MenuScene):
    """Result: "planned" / "easier" / "rest", or None when stopped."""

    name = "easier_today"
    title = "How much for today?"

    def __init__(self, *, suggest_easier: bool = False, pain: int | None = None,
                 reason: str = "", full_allowed: bool = True, minutes: float | None = None,
                 easier_minutes: float | None = None, pace: float = 1.0) -> None:
        super().__init__(pace)
        self.full_allowed = full_allowed
        self.suggest_easier = suggest_easier or not full_allowed
        self.selected = EASIER if self.suggest_easier else PLANNED  # arrows move it, Enter confirms
        if full_allowed:
            first = DwellButton("1  As planned", center=(-1.0, -0.2), half=(0.9, 0.42),
                                dwell_s=self.dwell_s, value=PLANNED)
            details = {PLANNED: "the session your plan sets", EASIER: "shorter and slower"}
        else:
            first = DwellButton("1  Rest today", center=(-1.0, -0.2), half=(0.9, 0.42),
                                dwell_s=self.dwell_s, value=REST, color=OKABE_ITO["blue"])
            details = {REST: "no exercise; your answers are kept",
                       EASIER: "shorter and slower"}
        easier = DwellButton("2  Easier today", center=(1.0, -0.2), half=(0.9, 0.42),
                             dwell_s=self.dwell_s, value=EASIER, color=OKABE_ITO["bluish_green"])
        self.details = details
        # The suggested choice first: it is the default (Enter), and what a scripted demo picks.
        # The layout on screen never changes: the first choice left, "Easier" right.
        self.buttons = [easier, first] if self.suggest_easier else [first, easier]
        n = round(minutes or 0)
        e = round(easier_minutes or 0)
        if full_allowed:
            plan = f"Your plan for today: about {n} minute{'s' if n != 1 else ''}. " if n >= 1 else ""
            self.text = (f"{plan}You can make today easier: a shorter session at a slower pace. "
                         "It never gets harder than your plan.")
        else:
            short = f" (about {e} minute{'s' if e != 1 else ''})" if e >= 1 else ""
            self.text = (f"With pain this strong, today is an easier session{short} or a rest "
                         "day. Both are good choices.")
        if not full_allowed and pain is not None:
            self.advice = f"Your pain is {pain} out of 10 before the session, so the full session is not offered today."
        elif suggest_easier and pain is not None:
            self.advice = f"Your pain is {pain} out of 10 today: we suggest the easier session."
        else:
            self.advice = ""
        self.reason = reason  # the dosing core's words, for the decision log and tests

    def update(self, intents: Intents, dt: float) -> None:
        if self.stop_requested(intents, dt):
            self.dismiss(None)
            return
        if intents.number in (1, 2):
            self.dismiss(self.buttons_by_number()[intents.number])
            return
        b = self.pressed(intents, dt)
        if b is not None:
            self.dismiss(b.value)
        elif intents.confirm:  # a key press is deliberate: the highlighted choice
            self.dismiss(self.selected)

    def buttons_by_number(self) -> dict[int, str]:
        first = PLANNED if self.full_allowed else REST
        return {1: first, 2: EASIER}

    def adjust(self, delta: int) -> None:
        """Keyboard arrows: left = the first choice, right = easier."""
        self.selected = EASIER if delta > 0 else self.buttons_by_number()[1]

    def draw(self, surface: pygame.Surface, ctx: DrawContext) -> None:
        th, pal = ctx.theme, ctx.theme.palette
        w, h = surface.get_size()
        surface.fill(pal.background)
        margin = rail_text_margin(w)
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
            detail = self.details[str(b.value)]
            if b.value == self.selected and self.suggest_easier:
                detail += " (suggested)"
            line = pygame.Rect(r.left, r.bottom + 12, r.w, th.small_px + 6)
            blit_fit(surface, detail, line, th.small_px, pal.text, bold=False)  # shrinks to its button
            below = max(below, line.bottom)
        draw_text_block(surface, "Hold a hand on a button, click it, or press 1 or 2.",
                        th.font("small"), pal.text_dim, below + th.small_px, margin=margin)
        self.draw_stop(surface, ctx)
        draw_hands(surface, ctx, self.controls)


class RestDayScene(MenuScene):
    """A rest day: nothing is played; the pain answers are kept. Result: None."""

    name = "rest_day"
    title = "Rest today"

    def __init__(self, *, pain: int | None = None, pace: float = 1.0) -> None:
        super().__init__(pace)
        said = f"Your pain is {pain} out of 10 today. " if pain is not None else ""
        self.text = (f"{said}Resting is part of your plan on a day like this. Your answers are "
                     "saved for your therapist. If the pain stays this high, or you have new "
                     "symptoms, contact your therapist or doctor.")
        self.buttons = [DwellButton("Finish", center=(0.0, -0.6), half=(0.9, 0.35),
                                    dwell_s=self.dwell_s, value="finish")]

    def update(self, intents: Intents, dt: float) -> None:
        if self.stop_requested(intents, dt) or self.pressed(intents, dt) is not None or \
                intents.confirm:
            self.dismiss(None)
