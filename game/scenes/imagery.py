"""GMI stage 2 scene: imagine moving into the shown hand posture, without moving.

The limb's points come from the camera frame (exercises.gmi.stillness, in body
units); the rules and the clock are in exercises.gmi.imagery. After each set
the pain/effort rating is the check-in scene (same buttons, keys, dwell), run
as a child of this one; its answers go to `ImageryRun.rate`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pygame

from exercises.events import Event
from exercises.gmi.imagery import ImageryRun
from game.context import DrawContext
from game.scenes.checkin import CheckinScene
from game.scenes.common import MenuScene
from game.scenes.laterality import draw_hand
from game.widgets import draw_hands, draw_text_block, rail_text_margin
from telemetry.proms import ITEMS, Item
from vision.intents import Intents

RATING_ITEMS: dict[str, Item] = {
    "pain": ITEMS["pain"],
    "effort": Item("effort", "How much effort did imagining take?", "no effort",
                   "the most effort possible", True),
}
MOVED = "Your arm moved a little. That is fine. Next picture: let the arm rest."


class ImageryScene(MenuScene):
    name = "imagery"
    title = "Imagine the movement"

    def __init__(self, run: ImageryRun, poses: Any, repeats: int, *, pace: float = 1.0) -> None:
        super().__init__(pace)
        self.run = run
        self.poses = poses
        self.repeats = repeats
        self.rating: CheckinScene | None = None
        self.points: Any = None  # the newest limb points (body units), set by the caller
        # Where the run's events go as they happen (the session flow's recorder); None: the
        # caller drains `run` itself (the demo's virtual arm).
        self.sink: Callable[[list[Event]], None] | None = None

    def update(self, intents: Intents, dt: float) -> None:
        if self.rating is not None:
            self.rating.update(intents, dt)
            if self.rating.dismissed:
                answers = self.rating.result
                self.rating = None
                if answers is None:  # stopped during the rating
                    self.dismiss(self.run.summary())
                    return
                self.run.rate(answers.get("pain"), answers.get("effort"))
                if self.sink is not None:
                    self.sink(self.run.drain())
            return
        if self.stop_requested(intents, dt):
            self.dismiss(self.run.summary())
            return
        self.run.step(dt, self.points)
        if self.sink is not None:
            self.sink(self.run.drain())
        if self.run.phase == "rate":
            self.rating = CheckinScene("gmi_set", ("pain", "effort"), self.pace,
                                       questions=RATING_ITEMS, heading="After this set")
        if self.run.done:
            self.dismiss(self.run.summary())

    def draw(self, surface: pygame.Surface, ctx: DrawContext) -> None:
        if self.rating is not None:
            self.rating.draw(surface, ctx)
            return
        th, pal = ctx.theme, ctx.theme.palette
        surface.fill(pal.background)
        w, h = surface.get_size()
        trial = self.run.current
        side = trial.side if trial is not None else "right"
        self.text = (f"Imagine moving your {side} hand into this position and back, "
                     f"{self.repeats} times. Keep your arm resting: move it only in your mind.")
        self.draw_text(surface, ctx)
        margin = rail_text_margin(w)
        if trial is not None and self.run.phase in ("imagine", "outcome", "ready"):
            draw_hand(surface, self.poses[trial.posture % len(self.poses)], trial.side,  # type: ignore[arg-type]
                      trial.view, 0.0, (w / 2, h * 0.52), h * 0.17)
        if self.run.phase == "imagine":
            left = f"{self.run.remaining_s:0.0f} s"
            img = th.font("title", bold=True).render(left, True, pal.rest)
            surface.blit(img, img.get_rect(topright=(w - margin, h * 0.25)))
        elif self.run.phase == "ready":
            draw_text_block(surface, "Get ready...", th.font("body", bold=True), pal.text_dim,
                            round(h * 0.80), margin=margin)
        elif self.run.phase == "outcome" and self.run.outcomes:
            moved = self.run.outcomes[-1] == "moved"
            draw_text_block(surface, MOVED if moved else "Well done.", th.font("body", bold=True),
                            pal.target if moved else pal.hit, round(h * 0.76), margin=margin)
        n = len(self.run.trials)
        prog = th.font("small").render(f"{min(self.run.index + 1, n)} / {n}", True, pal.text_dim)
        surface.blit(prog, prog.get_rect(topright=(w - 16, 16)))
        self.draw_stop(surface, ctx)
        draw_hands(surface, ctx, self.controls)
