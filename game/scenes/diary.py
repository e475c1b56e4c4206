"""The one-minute daily diary as screens (exercises.diary.DiaryEntry), and its "saved" screen.

The 0-10 questions (pain now, worst pain in the last day, sleep, mood, activity done)
are the check-in screen's (game/scenes/checkin.py: hand, mouse or number keys); then
two yes/no screens: has the pain medication changed, and "are you having a flare?".
The worst pain of the day cannot be below the pain now: the screen says so and asks
the worst pain again (never a silent fix). Result: a DiaryEntry, or None when the
patient stopped (nothing is stored). Reached from the title screen's "Diary" button
(game/flow.py); `neuroplay diary` asks the same in a terminal.
"""

from __future__ import annotations

from collections.abc import Sequence

import pygame

from exercises.diary import DiaryEntry
from game.context import DrawContext
from game.scenes.checkin import CheckinScene
from game.scenes.common import MenuScene
from game.theme import OKABE_ITO
from game.widgets import DwellButton, draw_hands, draw_text_block, rail_text_margin
from telemetry.proms import ITEMS
from vision.intents import Intents

SCORE_ITEMS: tuple[str, ...] = ("pain", "worst_pain", "sleep", "mood", "activity")
YES_NO_ITEMS: tuple[str, ...] = ("medication_change", "flare")
HEADING = "Today's diary"


class DiaryScene(MenuScene):
    """Result: DiaryEntry, or None when stopped."""

    name = "diary"

    def __init__(self, pace: float = 1.0) -> None:
        super().__init__(pace)
        self.answers: dict[str, int] = {}
        self.note = ""  # why a question is asked again
        self.score_index = 0
        self.inner: CheckinScene | None = self._ask(SCORE_ITEMS[0])
        self.yes_no_index = 0
        self.selected: object = None
        self._yes_no_buttons()

    def _ask(self, item: str) -> CheckinScene:
        """One 0-10 question on the check-in screen, numbered within the whole diary."""
        return CheckinScene("daily", (item,), self.pace,
                            heading=f"{HEADING} - question {self.score_index + 1} of "
                                    f"{len(SCORE_ITEMS) + len(YES_NO_ITEMS)}")

    # the yes/no part ---------------------------------------------------------
    def _yes_no_buttons(self) -> None:
        self.buttons = [
            DwellButton("No", center=(-1.0, -0.3), half=(0.8, 0.42), dwell_s=self.dwell_s,
                        value=0),
            DwellButton("Yes", center=(1.0, -0.3), half=(0.8, 0.42), dwell_s=self.dwell_s,
                        value=1, color=OKABE_ITO["bluish_green"]),
        ]

    @property
    def item(self) -> str:
        if self.inner is not None:
            return self.inner.item
        return YES_NO_ITEMS[self.yes_no_index]

    @property
    def step_text(self) -> str:
        total = len(SCORE_ITEMS) + len(YES_NO_ITEMS)
        return f"{HEADING} - question {len(SCORE_ITEMS) + self.yes_no_index + 1} of {total}"

    def adjust(self, delta: int) -> None:
        if self.inner is not None:
            self.inner.adjust(delta)
        else:
            self.selected = 1 if self.selected in (None, 0) else 0

    def update(self, intents: Intents, dt: float) -> None:
        if self.inner is not None:
            self.inner.rail_side = self.rail_side
            self.inner.update(intents, dt)
            if not self.inner.dismissed:
                return
            got = self.inner.result
            if got is None:
                self.dismiss(None)
                return
            self.answers.update(got)
            a = self.answers
            if "worst_pain" in got and a["worst_pain"] < a["pain"]:
                self.note = (f"Your worst pain today ({a['worst_pain']}) cannot be lower than "
                             f"your pain now ({a['pain']}). Please answer again.")
                self.inner = self._ask("worst_pain")
                return
            self.note = ""
            self.score_index += 1
            self.inner = (self._ask(SCORE_ITEMS[self.score_index])
                          if self.score_index < len(SCORE_ITEMS) else None)
            return
        if self.stop_requested(intents, dt):
            self.dismiss(None)
            return
        value: int | None = None
        if intents.number in (0, 1):
            value = intents.number
        else:
            b = self.pressed(intents, dt)
            if b is not None:
                value = int(b.value)  # type: ignore[call-overload]
        if value is None:
            return
        self.answers[self.item] = value
        self.yes_no_index += 1
        self.selected = None
        for b in self.buttons:
            b.progress = 0.0
        if self.yes_no_index >= len(YES_NO_ITEMS):
            a = self.answers
            self.dismiss(DiaryEntry(a["pain"], a["worst_pain"], a["sleep"], a["mood"],
                                    a["activity"], bool(a["medication_change"]),
                                    bool(a["flare"])))

    def draw(self, surface: pygame.Surface, ctx: DrawContext) -> None:
        if self.inner is not None:
            self.inner.rail_side = self.rail_side  # STOP on the patient's rail side
            self.inner.draw(surface, ctx)
            if self.note:  # between the question and the numbers
                draw_text_block(surface, self.note, ctx.theme.font("small", bold=True),
                                ctx.theme.palette.cue, int(surface.get_height() * 0.4),
                                margin=rail_text_margin(surface.get_width()))
            return
        th, pal = ctx.theme, ctx.theme.palette
        surface.fill(pal.background)
        margin = rail_text_margin(surface.get_width())
        y = max(10, surface.get_height() // 40)
        y = draw_text_block(surface, self.step_text, th.font("small"), pal.text_dim, y,
                            margin=margin)
        draw_text_block(surface, ITEMS[self.item].question, th.font("title", bold=True),
                        pal.text, y, margin=margin)
        for b in self.buttons:
            b.focused = b.value == self.selected
            b.draw(surface, ctx, font_kind="title")
        hint = "Hold a hand on Yes or No, click it, or type 1 (yes) or 0 (no)."
        if self.item == "flare":
            hint = "Yes shows your flare plan from your therapist. " + hint
        draw_text_block(surface, hint, th.font("small"), pal.text_dim,
                        int(surface.get_height() * 0.82), margin=margin)
        self.draw_stop(surface, ctx)
        draw_hands(surface, ctx, self.controls)


class DiaryDoneScene(MenuScene):
    """"Saved": what was kept, in the patient's words. Result: True."""

    name = "diary_done"
    title = "Your diary is saved"

    def __init__(self, lines: Sequence[str], pace: float = 1.0) -> None:
        super().__init__(pace)
        self.text = "\n".join(lines)
        self.buttons = [DwellButton("Done", center=(0.0, -1.0), half=(0.9, 0.32),
                                    dwell_s=self.dwell_s, value=True)]

    def update(self, intents: Intents, dt: float) -> None:
        if self.stop_requested(intents, dt) or self.pressed(intents, dt) is not None:
            self.dismiss(True)

    def draw(self, surface: pygame.Surface, ctx: DrawContext) -> None:
        super().draw(surface, ctx)


def diary_lines(entry: DiaryEntry) -> list[str]:
    """The saved answers, as the patient gave them."""
    yn = {False: "no", True: "yes"}
    return [(f"Pain now {entry.pain}, worst today {entry.worst_pain}, sleep {entry.sleep}, "
            f"mood {entry.mood}, activity {entry.activity} (out of 10)."),
            (f"Medication changed: {yn[entry.medication_change]}. "
            f"Having a flare: {yn[entry.flare]}."),
            "Your therapist sees this with your sessions. Thank you."]
