"""Check-ins: 0-10 answers by hand (dwell), mouse, or number keys.

Questions and anchors come from telemetry.proms (our own words, no licensed
instrument text). One question per screen, eleven big buttons laid out in
body space within a seated patient's reach; either hand may answer. The
result is `{item: 0..10}` for every question asked, or None if the patient
stopped (nothing is recorded for a check-in that was not finished).

The weekly PSFS uses the same scene with its own questions (`psfs_items`):
one screen per activity the patient named, 0 = unable to do it, 10 = as
well as before the problem.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pygame

from game.context import DrawContext
from game.scenes.common import MenuScene
from game.theme import OKABE_ITO
from game.widgets import DwellButton, draw_hands, draw_text_block, rail_text_margin
from telemetry.proms import ITEMS, Item
from vision.intents import Intents

PRE_ITEMS: tuple[str, ...] = ("pain", "sleep", "mood", "interference")
POST_ITEMS: tuple[str, ...] = ("pain",)
PSFS_PREFIX = "psfs:"


def psfs_items(activities: Sequence[tuple[int, str]]) -> dict[str, Item]:
    """One question per PSFS activity (id, the patient's own words), keyed "psfs:<id>"."""
    # The activity as the patient named it, on its own line (no grammar forced onto it).
    return {f"{PSFS_PREFIX}{aid}": Item(f"{PSFS_PREFIX}{aid}",
                                         f"\u201c{name.strip()}\u201d\nHow well can you do this today?",
                                         "unable to do it", "as well as before your problem", False)
            for aid, name in activities}


def number_buttons(dwell_s: float) -> list[DwellButton]:
    """0..10 in one row from x = -1.65 to +1.65 body units, just below shoulder height."""
    out = []
    for n in range(11):
        out.append(DwellButton(str(n), center=(-1.65 + 0.33 * n, -0.35), half=(0.15, 0.32),
                               dwell_s=dwell_s, value=n))
    return out


class CheckinScene(MenuScene):
    """Result: dict item -> 0..10, or None when stopped."""

    name = "checkin"

    def __init__(self, phase: str, items: tuple[str, ...] = PRE_ITEMS, pace: float = 1.0, *,
                 questions: Mapping[str, Item] | None = None, heading: str = "") -> None:
        super().__init__(pace)
        self.heading = heading  # what these questions are about (e.g. the weekly PSFS)
        self.questions = questions if questions is not None else ITEMS
        unknown = [i for i in items if i not in self.questions]
        if unknown:
            raise ValueError(f"unknown check-in item(s): {', '.join(unknown)}")
        self.phase = phase
        self.name = f"checkin_{phase}"
        # The pain questions themselves have no Pain button (it would open them again).
        self.pain_rail = phase not in ("pain_stop", "in_session")
        self.items = items
        self.index = 0
        self.answers: dict[str, int] = {}
        self.selected: int | None = None  # keyboard arrows move this, Enter confirms
        self.buttons = number_buttons(self.dwell_s)

    @property
    def item(self) -> str:
        return self.items[self.index]

    def _answer(self, value: int) -> None:
        self.answers[self.item] = value
        self.index += 1
        self.selected = None
        for b in self.buttons:
            b.progress = 0.0
        if self.index >= len(self.items):
            self.dismiss(dict(self.answers))

    def update(self, intents: Intents, dt: float) -> None:
        if self.stop_requested(intents, dt):
            self.dismiss(None)
            return
        if intents.number is not None and 0 <= intents.number <= 10:
            self._answer(intents.number)
            return
        b = self.pressed(intents, dt)  # dwell, click, or Enter on the highlighted number
        if b is not None:
            self._answer(int(b.value))  # type: ignore[arg-type]

    def adjust(self, delta: int) -> None:
        """Keyboard arrows: move the highlighted number."""
        self.selected = min(10, max(0, (5 if self.selected is None else self.selected) + delta))

    @property
    def chosen(self) -> int | None:
        """The number being chosen: the one a hand is filling (the fullest), else the
        highlighted one; None while nothing is."""
        filling = [b for b in self.buttons if b.hovered and b.progress > 0 and isinstance(b.value, int)]
        if filling:
            return int(max(filling, key=lambda b: b.progress).value)  # type: ignore[call-overload]
        return self.selected

    def draw_chosen(self, surface: pygame.Surface, ctx: DrawContext, top: int, bottom: int) -> pygame.Rect | None:
        """"You chose 3" in large type between the question and the numbers, so the
        patient sees the value whatever covers the buttons."""
        n = self.chosen
        if n is None:
            return None
        f = ctx.theme.font("title", bold=True)
        if bottom - top < f.get_linesize():
            f = ctx.theme.font("body", bold=True)
        img = f.render(f"You chose {n}", True, ctx.theme.palette.text)
        rect = img.get_rect(center=(surface.get_width() // 2, (top + bottom) // 2))
        surface.blit(img, rect)
        return rect

    def draw(self, surface: pygame.Surface, ctx: DrawContext) -> None:
        th, pal = ctx.theme, ctx.theme.palette
        surface.fill(pal.background)
        item = self.questions[self.item]
        margin = rail_text_margin(surface.get_width())
        step = f"Question {self.index + 1} of {len(self.items)}" if len(self.items) > 1 else ""
        step = f"{self.heading} - {step[:1].lower()}{step[1:]}" if self.heading and step else self.heading or step
        y = max(10, surface.get_height() // 40)
        if step:
            y = draw_text_block(surface, step, th.font("small"), pal.text_dim, y, margin=margin)
        y = draw_text_block(surface, item.question, th.font("title", bold=True), pal.text, y, margin=margin)
        for b in self.buttons:
            b.color = OKABE_ITO["orange"] if b.value == self.selected else pal.button
            b.draw(surface, ctx, font_kind="title")
        left, right = self.buttons[0].rect(ctx.transform), self.buttons[-1].rect(ctx.transform)
        self.draw_chosen(surface, ctx, y, left.top - 24)
        f = th.font("small")
        lo = f.render(f"0 = {item.low}", True, pal.text)
        hi = f.render(f"10 = {item.high}", True, pal.text)
        ty = left.bottom + th.small_px // 2
        surface.blit(lo, (max(4, left.left), ty))
        if lo.get_width() + hi.get_width() + 24 < surface.get_width():
            surface.blit(hi, (min(surface.get_width() - hi.get_width() - 4, right.right - hi.get_width()), ty))
        else:
            surface.blit(hi, (max(4, right.right - hi.get_width()), ty + f.get_linesize()))
        draw_text_block(surface, "Hold a hand on a number, click it, or type it (T = 10).",
                        th.font("small"), pal.text_dim, int(surface.get_height() * 0.88), margin=margin)
        self.draw_stop(surface, ctx)
        draw_hands(surface, ctx, self.controls)
