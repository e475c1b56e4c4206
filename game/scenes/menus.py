"""Title, red-flag safety screen and patient choice.

Safety text is CLINICAL.md section 7: stop at once on chest pain,
dizziness, confusion or loss of coordination. The patient scene offers the
known pseudonymous ids and a new one; no names are asked for.
"""

from __future__ import annotations

import random

import pygame

from game.context import DrawContext
from game.input import help_line
from game.scenes.common import MenuScene
from game.widgets import DwellButton, draw_hands, draw_text_block, rail_text_margin
from vision.intents import Intents

SAFETY_TEXT = (
    "Stop straight away and seek help if you feel chest pain, dizziness, "
    "confusion or loss of coordination.\n"
    "Move gently. A little discomfort is fine; sharp or rising pain is a reason to stop.\n"
    "Stop any time: Esc or Space, or hold a hand on the orange STOP button."
)


DIARY, FLARE, BODYMAP = "diary", "flare", "bodymap"  # the title's other choices (game/flow.py)


class TitleScene(MenuScene):
    """Result: True to start, False to quit, "diary" for today's diary only, "flare" for
    "I'm having a flare" (the flare plan and the easier session after the check-in),
    "bodymap" for the sensory body map only (on demand, outside its weekly turn)."""

    name = "title"
    title = "NeuroPlay"
    text = ("Gentle movement games. Hold your hand on a button, click it, or press Enter "
            "(Tab moves the ring to another button).")

    def __init__(self, pace: float = 1.0) -> None:
        super().__init__(pace)
        self.buttons = [DwellButton("Start", center=(0.0, 0.2), half=(0.9, 0.4), dwell_s=self.dwell_s),
                        DwellButton("Diary", center=(-1.47, -0.95), half=(0.53, 0.28),
                                    dwell_s=self.dwell_s, value=DIARY, color=(0, 158, 115)),
                        DwellButton("Body map", center=(-0.22, -0.95), half=(0.62, 0.28),
                                    dwell_s=self.dwell_s, value=BODYMAP, color=(86, 180, 233)),
                        DwellButton("I'm having a flare", center=(1.25, -0.95), half=(0.75, 0.28),
                                    dwell_s=self.dwell_s, value=FLARE, color=(204, 121, 167))]

    def update(self, intents: Intents, dt: float) -> None:
        if self.stop_requested(intents, dt):
            self.dismiss(False)
            return
        b = self.pressed(intents, dt)  # dwell, click, or Enter (focused)
        if b is not None:
            self.dismiss(b.value if b.value in (DIARY, FLARE, BODYMAP) else True)

    def draw(self, surface: pygame.Surface, ctx: DrawContext) -> None:
        super().draw(surface, ctx)
        # The keys, from the bindings table (what each does, never a bare key code).
        # Above the Diary / Body map / flare row; on a tall narrow screen, where the wrapped
        # line would run into that row, below it instead.
        w, h = surface.get_size()
        f, margin = ctx.theme.font("small"), rail_text_margin(w)
        top = int(h * 0.70)
        row = [b.rect(ctx.transform) for b in self.buttons[1:]]
        below = top + (draw_text_block(pygame.Surface((w, h)), help_line(), f, (0, 0, 0), 0,
                                       margin=margin))
        if row and below > min(r.top for r in row) - 4 and top < max(r.bottom for r in row):
            top = max(r.bottom for r in row) + 8
        draw_text_block(surface, help_line(), f, ctx.theme.palette.text_dim, top, margin=margin)


class SafetyScene(MenuScene):
    """Red flags before every session. Result: True = understood, False = stop."""

    name = "safety"
    title = "Before you start"
    text = SAFETY_TEXT

    def __init__(self, pace: float = 1.0) -> None:
        super().__init__(pace)
        self.buttons = [DwellButton("I understand", center=(0.0, -0.75), half=(1.1, 0.35),
                                    dwell_s=self.dwell_s)]

    def update(self, intents: Intents, dt: float) -> None:
        if self.stop_requested(intents, dt):
            self.dismiss(False)
        elif self.pressed(intents, dt) is not None:  # dwell, click, or Enter (focused)
            self.dismiss(True)

    def draw(self, surface: pygame.Surface, ctx: DrawContext) -> None:
        surface.fill(ctx.theme.palette.background)
        th, pal = ctx.theme, ctx.theme.palette
        margin = rail_text_margin(surface.get_width())
        y = draw_text_block(surface, self.title, th.font("title", bold=True), pal.stop,
                            max(12, surface.get_height() // 30), margin=margin)
        draw_text_block(surface, self.text, th.font("small" if surface.get_height() < 500 else "body"),
                        pal.text, y + th.small_px // 2, margin=margin)
        for b in self.buttons:
            b.draw(surface, ctx)
        self.draw_stop(surface, ctx)
        draw_hands(surface, ctx, self.controls)


def new_patient_id(rng: random.Random) -> str:
    """A pseudonymous id (no name, no date of birth)."""
    return "P-" + "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(6))


class PatientScene(MenuScene):
    """Choose a known pseudonymous id or create one. Result: the id, or None to quit."""

    name = "patient"
    title = "Who is playing?"

    def __init__(self, known: list[str], *, preselected: str | None = None,
                 rng: random.Random | None = None, pace: float = 1.0) -> None:
        super().__init__(pace)
        self.rng = rng or random.Random()
        choices = ([preselected] if preselected else []) + [k for k in known if k != preselected]
        choices = choices[:3]
        self.text = ("Choose your code. " if choices else "No player yet: make a new code. ") + \
            "Codes keep your data private: no names are stored."
        self.buttons = []
        for i, pid in enumerate(choices):  # centred row
            x = 1.05 * (i - (len(choices) - 1) / 2.0)
            self.buttons.append(DwellButton(pid, center=(x, -0.1), half=(0.48, 0.3),
                                            dwell_s=self.dwell_s, value=pid))
        self.buttons.append(DwellButton("New player", center=(0.0, -0.95), half=(0.95, 0.3),
                                        dwell_s=self.dwell_s, color=(0, 158, 115), value=None))

    def update(self, intents: Intents, dt: float) -> None:
        if self.stop_requested(intents, dt):
            self.dismiss(None)
            return
        b = self.pressed(intents, dt)  # Enter: the focused one (first: the preselected choice)
        if b is not None:
            self.dismiss(b.value if b.value is not None else new_patient_id(self.rng))
