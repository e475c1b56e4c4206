"""Calibration: the neutral posture and the reach envelope, or the saved one.

The measuring is vision's (`vision.calibration.CalibrationProcedure`); this
scene only feeds it the newest tracked frame each step, shows its prompt and
progress over the camera image, and returns its result. With a saved
calibration it says so briefly and returns it. Result: the calibration
object, or None if the patient stopped.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Protocol

import pygame

from game.context import DrawContext
from game.scenes.base import Scene
from game.scenes.common import ask_rail_pain, pain_button, stop_button
from game.theme import Theme
from game.widgets import (
    below_header,
    draw_background,
    draw_cue_banner,
    draw_hands,
    draw_text_block,
    place_rail,
    rail_rects,
    rail_text_margin,
)
from vision.bodyframe import BodyFrame
from vision.intents import Intents

SAVED_NOTICE_S = 2.0  # how long "using your saved calibration" stays up


class CalibrationStep(Protocol):
    """What the scene needs from a calibration procedure (an adapter over vision's)."""

    @property
    def prompt(self) -> str: ...

    @property
    def progress(self) -> float: ...

    @property
    def done(self) -> bool: ...

    def feed(self, frame: BodyFrame | None, intents: Intents, dt: float) -> None: ...

    def result(self) -> Any: ...


class CalibrationScene(Scene[Any]):
    name = "calibration"
    camera_view = True

    def __init__(self, procedure: CalibrationStep | None = None, *, saved: Any = None,
                 frame_source: Any = None, affected: str = "right") -> None:
        super().__init__()
        if procedure is None and saved is None:
            raise ValueError("calibration scene needs a procedure or a saved calibration")
        self.procedure = procedure
        self.saved = saved
        self.frame_source = frame_source  # callable -> newest BodyFrame | None
        self.affected = affected
        self.stop_btn = stop_button("left" if affected == "left" else "right")
        self.pain_btn = pain_button("left" if affected == "left" else "right")
        self.elapsed = 0.0
        self.drawn_transform: Any = None  # the body->screen transform of the last frame drawn
        # Screenshot once a reach phase is under way, or while the saved notice is up.
        self.screenshot_after_s = 5.0 if procedure is not None else SAVED_NOTICE_S / 2

    def update(self, intents: Intents, dt: float) -> None:
        self.elapsed += dt
        if intents.stop or self.stop_btn.update(intents, dt):
            self.dismiss(None)
            return
        if self.pain_btn.update(self._rail_hands(intents), dt) and self.stack is not None:
            ask_rail_pain(self)
            return
        if self.procedure is None:
            if self.elapsed >= SAVED_NOTICE_S or intents.confirm or intents.click:
                self.dismiss(self.saved)
            return
        frame = self.frame_source() if self.frame_source is not None else None
        self.procedure.feed(frame, intents, dt)
        if self.procedure.done:
            self.dismiss(self.procedure.result())

    def _rail_hands(self, intents: Intents) -> Intents:
        """The hands that may press Pain now: not the arm being calibrated, whose reach
        toward the unaffected side's top corner (a "both arms" patient) ends near the rail
        and is held still there on purpose. Click and keys are unchanged."""
        phase = getattr(self.procedure, "phase", None)  # a live procedure's current step
        side = phase.side if phase is not None and phase.kind in ("reach", "forward") else None
        if side == "left":
            return dataclasses.replace(intents, left=None)
        if side == "right":
            return dataclasses.replace(intents, right=None)
        return intents

    @staticmethod
    def picture_top(theme: Theme) -> int:
        """Where the camera picture starts: below the header (the app scales it to fit)."""
        return int(theme.height * 0.3)

    def draw(self, surface: pygame.Surface, ctx: DrawContext) -> None:
        w, h = surface.get_size()
        ctx = below_header(ctx, (w, h), int(h * 0.3))  # the picture under the header: the whole head shows
        self.drawn_transform = ctx.transform  # the app reads the mouse through it (game/app.py)
        draw_background(surface, ctx, affected=self.affected)
        th, pal = ctx.theme, ctx.theme.palette
        margin = rail_text_margin(w)
        pygame.draw.rect(surface, pal.panel, (0, 0, w, int(h * 0.3)))
        y = draw_text_block(surface, "Calibration", th.font("title", bold=True), pal.text, h // 40, margin=margin)
        if self.procedure is None:
            text = "Using your saved calibration."
            progress = min(1.0, self.elapsed / SAVED_NOTICE_S)
        else:
            text = self.procedure.prompt
            progress = self.procedure.progress
        draw_text_block(surface, text, th.font("body"), pal.text, y, margin=margin)
        # the progress bar beside the safety rail, never under it
        side = "right" if self.affected == "left" else "left"
        _, pain_rect = rail_rects((w, h), side)
        gap = max(8, w // 60)
        left = pain_rect.right + gap if side == "left" else margin
        right = pain_rect.left - gap if side == "right" else w - margin
        bar = pygame.Rect(left, int(h * 0.3) - th.small_px, max(1, right - left), th.small_px // 2)
        pygame.draw.rect(surface, pal.text_dim, bar, 2)
        pygame.draw.rect(surface, pal.hit, (bar.x, bar.y, int(bar.w * max(0.0, min(1.0, progress))), bar.h))
        side = "right" if self.affected == "left" else "left"
        place_rail(ctx, (w, h), side, self.stop_btn, self.pain_btn)
        self.stop_btn.draw(surface, ctx, font_kind="title")
        self.pain_btn.draw(surface, ctx)
        draw_hands(surface, ctx, [self.stop_btn, self.pain_btn])
        if ctx.intents is not None and ctx.intents.cue:
            draw_cue_banner(surface, ctx, ctx.intents.cue)
