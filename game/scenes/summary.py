"""End of session: what was done, in large plain numbers. Result: None."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pygame

from game.context import DrawContext
from game.scenes.common import MenuScene
from game.widgets import DwellButton, draw_hands, draw_text_block, rail_text_margin
from telemetry.results import result_line
from vision.intents import Intents

REASONS = {
    "completed": "Well done: today's exercise is complete.",
    "time_cap": "Time is up for today. Well done.",
    "stopped": "You stopped the session. That is always fine.",
    "pain_stop": "You stopped for pain. Your rating was saved for your therapist.",
    "video_ended": "The recording has ended.",
    "replay_ended": "The recording has ended.",
}


def summary_lines(summary: Mapping[str, Any], pain_pre: int | None, pain_post: int | None,
                  exercise: str | None = None) -> list[str]:
    """The result in the game's own terms (cups moved, beats on time, berries, oranges),
    then the details the patient knows how to read."""
    lines = []
    name = exercise or str(summary.get("exercise", ""))
    result = result_line(name, summary)
    if result is not None:
        lines.append(result)
    elif "targets" in summary:
        lines.append(f"Targets reached: {summary.get('hits', 0)} of {summary.get('targets', 0)}")
    mt = summary.get("mean_movement_time_s")
    if mt is not None:
        lines.append(f"Average reach time: {float(mt):.1f} s")
    if "compensations" in summary:
        lines.append(f"Leaning reminders: {summary.get('compensations', 0)}")
    if pain_pre is not None or pain_post is not None:
        fmt = lambda v: "-" if v is None else str(v)
        lines.append(f"Pain before {fmt(pain_pre)}, after {fmt(pain_post)} (0-10)")
    return lines


class SummaryScene(MenuScene):
    name = "summary"
    title = "Session summary"

    def __init__(self, summary: Mapping[str, Any], reason: str, *, pain_pre: int | None = None,
                 pain_post: int | None = None, pace: float = 1.0,
                 comparison: Sequence[str] = (), result: Sequence[str] = (), exercise: str | None = None,
                 cheer: str | None = None) -> None:
        super().__init__(pace)
        self.summary = dict(summary)
        self.reason = reason
        self.text = REASONS.get(reason, reason)
        # `result`: a game's own result lines (a GMI set's answers), before the pain line;
        # a movement game's result in its own terms comes from summary_lines (`exercise`)
        self.lines = [*result, *summary_lines(summary, pain_pre, pain_post, exercise)]
        self.cheer = cheer  # one sentence of encouragement (never about pain)
        self.comparison = list(comparison)  # against last time and the week (telemetry/results.py)
        self.buttons = [DwellButton("Finish", center=(0.0, -1.05), half=(0.9, 0.3), dwell_s=self.dwell_s)]

    def update(self, intents: Intents, dt: float) -> None:
        if self.stop_requested(intents, dt) or self.pressed(intents, dt) is not None:
            self.dismiss(None)

    def draw(self, surface: pygame.Surface, ctx: DrawContext) -> None:
        surface.fill(ctx.theme.palette.background)
        y = self.draw_text(surface, ctx)
        th = ctx.theme
        margin = rail_text_margin(surface.get_width())
        y += th.small_px // 2
        for line in self.lines:
            y = draw_text_block(surface, line, th.font("body", bold=True), th.palette.hit, y, margin=margin)
        if self.comparison:
            y += th.small_px // 3
        for line in self.comparison:
            y = draw_text_block(surface, line, th.font("body", bold=True), th.palette.rest, y, margin=margin)
        if self.cheer:
            y = draw_text_block(surface, self.cheer, th.font("body"), th.palette.text, y + th.small_px // 3,
                                margin=margin)
        for b in self.buttons:
            b.draw(surface, ctx)
        self.draw_stop(surface, ctx)
        draw_hands(surface, ctx, self.controls)
