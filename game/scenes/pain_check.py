"""The in-session pain check at a rest break, and the pause when it says ease off.

Issue 5 (CLINICAL.md section 4, rule [D]): at each rest break the patient is
asked "How is your pain now?" (0-10, the check-ins' buttons, dwell, click or
keys; our own words). The answer goes to the session runner's pain rule
(`in_session_pain`); the runner, not this module, decides whether it trips.
A "Skip" button (or Enter with no number highlighted) leaves the question
unanswered, so it never holds up the rest.

When the rule trips the runner is paused and `PainEasierScene` says why, in
plain words, and what changes: with a staircase the rest of the session is
one level easier and never harder than that (read from the DIFFICULTY_STEP
the drop logged; the dosing core keeps the ceiling); without a plan, or at
the plan's easiest level already, there is no level to drop and the screen
says only that we paused. The session stays paused until the patient
chooses: "Stop for today" (recommended, the default for Enter) or
"Continue easier", two buttons of the same size, by hand, click, keys 1/2
or arrows + Enter.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pygame

from exercises.events import DIFFICULTY_STEP
from game.context import DrawContext
from game.scenes.checkin import CheckinScene
from game.scenes.common import MenuScene
from game.theme import OKABE_ITO, PALETTE
from game.widgets import DwellButton, blit_fit, draw_hands, draw_text_block, rail_text_margin
from telemetry.proms import ITEMS, Item
from vision.intents import Intents

SKIP = "skip"
CONTINUE = "continue"
STOP_TODAY = "stop_today"
SKIP_CENTER, SKIP_HALF = (1.35, -1.2), (0.45, 0.22)  # body units: under 8-10, within a seated reach
PAIN_NOW = Item("pain", "How is your pain now?", ITEMS["pain"].low, ITEMS["pain"].high, True)

# What a one-level drop means to the patient, per stepped parameter and direction.
_EASIER_WORDS = {("reach_fraction", -1): "the targets will be a little closer",
                 ("target_radius", +1): "the targets will be a little bigger"}


class PainNowScene(CheckinScene):
    """Result: {"pain": 0..10}, {} when skipped, or None when the patient stopped."""

    def __init__(self, pace: float = 1.0) -> None:
        super().__init__("in_session", ("pain",), pace, questions={"pain": PAIN_NOW},
                         heading="Rest break: a quick question")
        self.name = "checkin_in_session"
        self.t = 0.0
        self.skip_btn = DwellButton("Skip", center=SKIP_CENTER, half=SKIP_HALF,
                                    dwell_s=self.dwell_s, value=SKIP, color=PALETTE.panel)  # the quiet choice
        self.buttons.append(self.skip_btn)

    def update(self, intents: Intents, dt: float) -> None:
        self.t = intents.t  # when the answer came: the check-in's time stamp
        if self.stop_requested(intents, dt):
            self.dismiss(None)
            return
        if intents.number is not None and 0 <= intents.number <= 10:
            self.dismiss({"pain": intents.number})
            return
        b = self.pressed(intents, dt)
        if b is not None:
            self.dismiss({} if b.value == SKIP else {"pain": int(b.value)})  # type: ignore[call-overload]
        elif intents.confirm:  # a key press is deliberate: the highlighted number, or skip
            self.dismiss({} if self.selected is None else {"pain": self.selected})

    def draw(self, surface: pygame.Surface, ctx: DrawContext) -> None:
        th, pal = ctx.theme, ctx.theme.palette
        w, h = surface.get_size()
        surface.fill(pal.background)
        margin = rail_text_margin(w)
        y = draw_text_block(surface, self.heading, th.font("small"), pal.text_dim, max(10, h // 40), margin=margin)
        y = draw_text_block(surface, PAIN_NOW.question, th.font("title", bold=True), pal.text, y, margin=margin)
        y = draw_text_block(surface, "Your answer helps keep the game at the right level for you.",
                            th.font("small"), pal.text, y + th.small_px // 2, margin=margin)
        y = draw_text_block(surface, "Hold a hand on a number, click it, or type it (T = 10). "
                            "Not now? Skip (or Enter).", th.font("small"), pal.text_dim,
                            y + th.small_px // 2, margin=margin)
        numbers = [b for b in self.buttons if b is not self.skip_btn]
        for b in numbers:
            b.color = OKABE_ITO["orange"] if b.value == self.selected else pal.button
            b.draw(surface, ctx, font_kind="title")
        left, right = numbers[0].rect(ctx.transform), numbers[-1].rect(ctx.transform)
        self.draw_chosen(surface, ctx, y, left.top - 24)
        f = th.font("small")
        lo = f.render(f"0 = {PAIN_NOW.low}", True, pal.text)
        hi = f.render(f"10 = {PAIN_NOW.high}", True, pal.text)
        ty = left.bottom + th.small_px // 2
        surface.blit(lo, (max(4, left.left), ty))
        if lo.get_width() + hi.get_width() + 24 < w:
            surface.blit(hi, (min(w - hi.get_width() - 4, right.right - hi.get_width()), ty))
            text_bottom = ty + f.get_linesize()
        else:
            surface.blit(hi, (max(4, right.right - hi.get_width()), ty + f.get_linesize()))
            text_bottom = ty + 2 * f.get_linesize()
        # Skip stays within reach under the high numbers, moved down only as far as the
        # anchors need (in a narrow window they take two lines).
        below = ctx.transform.to_body(0.0, text_bottom + th.small_px / 2)[1]
        self.skip_btn.center = (SKIP_CENTER[0], min(SKIP_CENTER[1], below - SKIP_HALF[1]))
        self.skip_btn.draw(surface, ctx, font_kind="title")
        self.draw_stop(surface, ctx)
        draw_hands(surface, ctx, self.controls)


def easier_words(events: Sequence[Any]) -> list[str]:
    """What the pain drop changed, in the patient's words ([] when nothing dropped)."""
    out: list[str] = []
    for e in events:
        if getattr(e, "kind", None) != DIFFICULTY_STEP:
            continue
        before: Mapping[str, float] = e.data.get("from", {})
        after: Mapping[str, float] = e.data.get("to", {})
        for key, new in after.items():
            old = before.get(key)
            if old is None or old == new:
                continue
            words = _EASIER_WORDS.get((key, 1 if new > old else -1), "the game will be a little easier")
            if words not in out:
                out.append(words)
    return out


def why_words(nrs: int, pre_pain: int | None, threshold: int, rise_limit: int) -> str:
    """Why the rule tripped, in plain words (the runner's own test: above, or risen by)."""
    if pre_pain is not None and nrs - pre_pain >= rise_limit:
        return (f"Your pain is {nrs} out of 10 now; before the session it was {pre_pain}. "
                f"It has gone up by {nrs - pre_pain}, so we have paused.")
    if nrs > threshold:
        return f"Your pain is {nrs} out of 10 now, above {threshold}, so we have paused."
    return f"Your pain is {nrs} out of 10 now, so we have paused."


def _join(parts: Sequence[str]) -> str:
    """"the targets will be a little closer and a little bigger": one subject, said once."""
    if len(parts) == 2 and parts[0].startswith("the targets will be ") and \
            parts[1].startswith("the targets will be "):
        return f"{parts[0]} and {parts[1][len('the targets will be '):]}"
    return " and ".join(parts)


class PainEasierScene(MenuScene):
    pain_rail = False  # this screen is the answer to pain already

    """The pain pause. Result: "stop_today", "continue", or None when the patient pressed STOP."""

    name = "pain_easier"
    screenshot_after_s = 0.5  # `--screenshots`: before a scripted hand has filled a button

    def __init__(self, *, nrs: int, pre_pain: int | None, threshold: int, rise_limit: int,
                 easier: Sequence[str] = (), pace: float = 1.0) -> None:
        super().__init__(pace)
        self.easier = list(easier)
        self.title = "Let's pause here" if not self.easier else "Pause: stop, or go on easier"
        what = (f"If you go on, {_join(self.easier)}, and it will not get harder again today."
                if self.easier else
                "The game cannot be made easier today; if you go on, take your time.")
        self.text = f"{why_words(nrs, pre_pain, threshold, rise_limit)} {what}"
        self.advice = "We recommend stopping for today. Stopping is always a good choice."
        self.stop_today_btn = DwellButton("1  Stop for today", center=(-1.0, -0.3), half=(0.9, 0.42),
                                          dwell_s=self.dwell_s, value=STOP_TODAY,
                                          color=OKABE_ITO["bluish_green"])
        self.continue_btn = DwellButton("2  Continue easier" if self.easier else "2  Continue",
                                        center=(1.0, -0.3), half=(0.9, 0.42),
                                        dwell_s=self.dwell_s, value=CONTINUE, color=PALETTE.button)
        self.buttons = [self.stop_today_btn, self.continue_btn]
        self.selected = STOP_TODAY  # recommended: what Enter takes
        self.t = 0.0

    def update(self, intents: Intents, dt: float) -> None:
        self.t = intents.t  # when the patient chose: the resume's (or the stop's) time stamp
        if self.stop_requested(intents, dt):
            self.dismiss(None)
            return
        if intents.number in (1, 2):
            self.dismiss(STOP_TODAY if intents.number == 1 else CONTINUE)
            return
        b = self.pressed(intents, dt)
        if b is not None:
            self.dismiss(b.value)
        elif intents.confirm:  # a key press is deliberate: the highlighted choice
            self.dismiss(self.selected)

    def adjust(self, delta: int) -> None:
        """Keyboard arrows: left = stop for today, right = continue."""
        self.selected = CONTINUE if delta > 0 else STOP_TODAY

    def draw(self, surface: pygame.Surface, ctx: DrawContext) -> None:
        th, pal = ctx.theme, ctx.theme.palette
        w, h = surface.get_size()
        surface.fill(pal.background)
        margin = rail_text_margin(w)
        kind = "body" if w >= h else "small"  # a portrait window: the text stays above the buttons
        y = draw_text_block(surface, self.title, th.font("title", bold=True), pal.text,
                            max(12, h // 30), margin=margin) + th.small_px // 2
        y = draw_text_block(surface, self.text, th.font(kind), pal.text, y, margin=margin)
        draw_text_block(surface, self.advice, th.font(kind, bold=True), OKABE_ITO["orange"],
                        y + th.small_px // 2, margin=margin)
        below = 0
        for b in self.buttons:
            r = b.draw(surface, ctx, font_kind="title")
            if b.value == self.selected:  # the default choice: a thick outline besides the colour
                pygame.draw.rect(surface, OKABE_ITO["orange"], r.inflate(16, 16), width=max(4, r.h // 14),
                                 border_radius=max(6, r.h // 7))
            note = "(recommended)" if b.value == STOP_TODAY else "one level easier" if self.easier else ""
            if note:
                line = pygame.Rect(r.left, r.bottom + 12, r.w, th.small_px + 6)
                blit_fit(surface, note, line, th.small_px, pal.text, bold=False)
                below = max(below, line.bottom)
            below = max(below, r.bottom)
        draw_text_block(surface, "Hold a hand on a button, click it, or press 1 or 2.",
                        th.font("small"), pal.text_dim, below + th.small_px, margin=margin)
        self.draw_stop(surface, ctx)
        draw_hands(surface, ctx, self.controls)
