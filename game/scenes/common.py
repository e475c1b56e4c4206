"""Pieces shared by the scenes: the menu transform, the stop button, the hand cursor.

Menu scenes (title, safety, patient, check-ins, rest, summary) lay their
buttons out in a fixed box of BODY space around the patient, so the same
buttons are reachable by hand at any camera distance and drawn at any
window size; the exercise and calibration scenes use the camera transform.
"""

from __future__ import annotations

from typing import Any, Literal

import pygame

from game.context import DrawContext
from game.scenes.base import Scene
from game.theme import OKABE_ITO, PALETTE
from game.transform import BodyToScreen, fit_body_box
from game.widgets import DwellButton, draw_hands, draw_text_block, place_rail, rail_text_margin
from vision.intents import Intents

# x0, y0, x1, y1 in body units: text in the top part, buttons within a
# seated patient's comfortable reach (about shoulder height and below).
MENU_BOX: tuple[float, float, float, float] = (-2.2, -1.5, 2.2, 2.3)
DWELL_S = 1.2  # seconds a hand must rest on a button (times 1/pace)


def menu_transform(size: tuple[int, int]) -> BodyToScreen:
    return fit_body_box(size, MENU_BOX)


def stop_button(affected: Literal["left", "right"] = "right", dwell_s: float = 1.0,
                label: str = "STOP") -> DwellButton:
    """The always-present stop, high on the UNAFFECTED side: away from the targets,
    reachable with the good hand, never under a reach toward a target."""
    x = -1.75 if affected == "right" else 1.75
    return DwellButton(label, center=(x, 1.7), half=(0.4, 0.28), dwell_s=dwell_s,
                       color=PALETTE.stop, value="stop")


def pain_button(affected: Literal["left", "right"] = "right", dwell_s: float = 1.0) -> DwellButton:
    """"Pain", under STOP on the safety rail: the patient says pain is too much, from any
    screen (the exercise's own, and every menu's)."""
    x = -1.75 if affected == "right" else 1.75
    return DwellButton("Pain", center=(x, 1.05), half=(0.4, 0.22), dwell_s=dwell_s,
                       color=OKABE_ITO["reddish_purple"], value="pain")


def ask_rail_pain(scene: Scene[Any], pace: float = 1.0) -> None:
    """The rail's Pain outside the exercise: "How is your pain now?" on top of `scene`;
    the rating goes to the stack's `on_rail_pain(scene, rating)` (the session flow keeps
    it and, before or after the exercise, ends the visit for today as the exercise's Pain
    does). The question itself has no Pain button (CheckinScene, phase pain_stop)."""
    stack = scene.stack
    if stack is None:
        return
    from game.scenes.checkin import CheckinScene

    def answered(answers: object) -> None:
        rating = answers.get("pain") if isinstance(answers, dict) else None
        if rating is not None and stack.on_rail_pain is not None:
            stack.on_rail_pain(scene, rating)

    stack.push(CheckinScene("pain_stop", ("pain",), pace), answered)


_NO_SELECTION = object()


class MenuScene(Scene[object]):
    """A scene of text and dwell buttons drawn on the menu transform.

    Three ways to press a button, each independent of the others: hold a hand on
    it (dwell), click it (`Intents.click`: the mouse hand's position), or press
    Enter (`Intents.confirm`), which presses the FOCUSED button whatever the
    hands are doing. The focus is drawn as a ring; Tab / arrows move it
    (`adjust`). A scene that keeps its own `selected` value (the check-in's
    highlighted number, "easier today"'s choice) has the button with that value
    focused, and none while nothing is selected (a check-in has no default answer).
    """

    camera_view = False
    title: str = ""
    text: str = ""
    pain_rail = True  # Pain under STOP (not on the pain question it opens)

    def __init__(self, pace: float = 1.0) -> None:
        super().__init__()
        self.buttons: list[DwellButton] = []
        self.pace = pace
        self.stop_btn = stop_button(dwell_s=1.0 / max(0.25, pace))
        self.pain_btn = pain_button(dwell_s=1.0 / max(0.25, pace))
        self.focus = 0  # index into `buttons` (scenes without a `selected` value)

    @property
    def focused(self) -> DwellButton | None:
        """The button Enter presses now."""
        selected = getattr(self, "selected", _NO_SELECTION)
        if selected is not _NO_SELECTION:
            return next((b for b in self.buttons if b.value == selected), None) \
                if selected is not None else None
        return self.buttons[self.focus % len(self.buttons)] if self.buttons else None

    def adjust(self, delta: int) -> None:
        """Tab / arrows: move the focus to the next (+1) or previous (-1) button."""
        if self.buttons:
            self.focus = (self.focus + delta) % len(self.buttons)

    def stop_requested(self, intents: Intents, dt: float) -> bool:
        """Esc/Space, or a hand held on the STOP button (on the safety rail). Every scene
        asks this first in its update, so the rail's Pain button is handled here too: it
        opens the pain question on top of this screen (see `ask_pain`)."""
        fired = self.stop_btn.update(intents, dt)
        if intents.stop or fired:
            return True
        if self.pain_rail and self.pain_btn.update(intents, dt):
            self.ask_pain()
        return False

    def ask_pain(self) -> None:
        ask_rail_pain(self, self.pace)

    def draw_stop(self, surface: pygame.Surface, ctx: DrawContext) -> None:
        place_rail(ctx, surface.get_size(), self.rail_side, self.stop_btn,
                   self.pain_btn if self.pain_rail else None)
        self.stop_btn.draw(surface, ctx, font_kind="title")
        if self.pain_rail:
            self.pain_btn.draw(surface, ctx)

    @property
    def dwell_s(self) -> float:
        return DWELL_S / max(0.25, self.pace)

    def pressed(self, intents: Intents, dt: float) -> DwellButton | None:
        """The button pressed this step: by dwell or click under a hand, else the focused
        one when Enter was pressed (wherever the hands are)."""
        focused = self.focused
        fired = None
        for b in self.buttons:
            b.focused = b is focused
            if b.update(intents, dt) and fired is None:
                fired = b
        if fired is None and intents.confirm and focused is not None:
            fired = focused
            fired.progress = 0.0
        return fired

    @property
    def controls(self) -> list[DwellButton]:
        """What a hand can hold on this screen (the cursor rings these, not their labels)."""
        return [*self.buttons, self.stop_btn, *((self.pain_btn,) if self.pain_rail else ())]

    def draw_text(self, surface: pygame.Surface, ctx: DrawContext) -> int:
        th = ctx.theme
        pal = th.palette
        margin = rail_text_margin(surface.get_width())
        y = max(12, surface.get_height() // 30)
        if self.title:
            y = draw_text_block(surface, self.title, th.font("title", bold=True), pal.text, y, margin=margin)
            y += th.small_px // 2
        if self.text:
            y = draw_text_block(surface, self.text, th.font("body"), pal.text, y, margin=margin)
        return y

    def draw(self, surface: pygame.Surface, ctx: DrawContext) -> None:
        surface.fill(ctx.theme.palette.background)
        self.draw_text(surface, ctx)
        for b in self.buttons:
            b.draw(surface, ctx)
        self.draw_stop(surface, ctx)
        draw_hands(surface, ctx, self.controls)
