"""The webcam latency self-test: move a hand quickly left and right, a marker follows.

The scene records two paths: the hand where each tracked frame CAPTURED it
(`on_frame`, an App frame listener: the raw landmarks, before any smoothing)
and the marker where the game DREW it (the hand of the newest Intents, as every
game draws the hand). vision.lag.estimate_lag finds the delay between them by
cross-correlation (tracking time + the loop's wait + the smoothing filter's
lag; not the display's own scan-out, which the game cannot see). The result is
`LatencySamples`, or None if the patient stopped. STOP is on the safety rail.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pygame

from game.context import DrawContext
from game.scenes.base import Scene
from game.scenes.common import stop_button
from game.widgets import draw_background, draw_text_block, place_rail, rail_rects, rail_text_margin
from vision.body_model import reference_from_pose, to_body
from vision.bodyframe import BodyFrame
from vision.calibration import hand_centre_norm
from vision.intents import Intents

Side = Literal["left", "right"]
PROMPT = "Move your {side} hand quickly left and right, as far as is comfortable"
WARMUP_S = 1.0  # not recorded: the first frames come late while the tracker warms up


@dataclass
class LatencySamples:
    """The two paths (seconds on the session clock, body units) and the frame rate seen."""

    hand_t: list[float] = field(default_factory=list)
    hand_x: list[float] = field(default_factory=list)
    marker_t: list[float] = field(default_factory=list)
    marker_x: list[float] = field(default_factory=list)

    @property
    def fps(self) -> float:
        t = np.asarray(self.hand_t)
        return float((t.size - 1) / (t[-1] - t[0])) if t.size > 1 and t[-1] > t[0] else 0.0


class LatencyTestScene(Scene[LatencySamples | None]):
    name = "latency_test"
    camera_view = True

    def __init__(self, seconds: float = 10.0, side: Side = "right", *,
                 capture_time: Callable[[BodyFrame], float] | None = None,
                 marker_time: Callable[[], float] | None = None) -> None:
        """`capture_time(frame)` and `marker_time()` put both paths on ONE clock (a camera:
        its monotonic capture stamps and time.monotonic at the draw); by default the
        frame's own time and the game clock (a source already on the game clock)."""
        super().__init__()
        self.capture_time = capture_time or (lambda frame: frame.t)
        self.marker_time = marker_time
        self.seconds = seconds
        self.side: Side = side
        self.samples = LatencySamples()
        self.elapsed = 0.0
        self.stop_btn = stop_button(side)
        self.screenshot_after_s = min(3.0, seconds / 2)

    def on_frame(self, frame: BodyFrame, scene: object = None) -> None:
        """A tracked frame (App.frame_listeners): the raw hand at its capture time."""
        if scene is not self or frame.pose is None or self.elapsed < WARMUP_S:
            return
        try:
            ref = reference_from_pose(frame.pose, frame.width, frame.height)
        except ValueError:
            return
        x, _ = to_body(ref, *hand_centre_norm(frame.pose, self.side))
        if np.isfinite(x):
            self.samples.hand_t.append(self.capture_time(frame))
            self.samples.hand_x.append(float(x))

    def update(self, intents: Intents, dt: float) -> None:
        self.elapsed += dt
        if intents.stop or self.stop_btn.update(intents, dt):
            self.dismiss(None)
            return
        hand = intents.hand(self.side)
        if hand is not None and self.elapsed >= WARMUP_S:  # the marker is drawn where the game's hand is, at game time
            self.samples.marker_t.append(intents.t if self.marker_time is None else self.marker_time())
            self.samples.marker_x.append(hand.x)
        if self.elapsed >= WARMUP_S + self.seconds:
            self.dismiss(self.samples)

    def draw(self, surface: pygame.Surface, ctx: DrawContext) -> None:
        draw_background(surface, ctx)
        pygame.draw.rect(surface, ctx.theme.palette.panel, (0, 0, surface.get_width(),
                                                            int(surface.get_height() * 0.3)))
        th, pal = ctx.theme, ctx.theme.palette
        w, h = surface.get_size()
        margin = rail_text_margin(w)
        rail_side = "right" if self.side == "left" else "left"
        y = draw_text_block(surface, "Webcam speed test", th.font("title", bold=True), pal.text,
                            h // 40, margin=margin)
        y = draw_text_block(surface, PROMPT.format(side=self.side), th.font("body"), pal.text, y,
                            margin=margin)
        stop = rail_rects((w, h), rail_side)[0]
        x0 = stop.right + margin if rail_side == "left" else margin
        x1 = w - margin if rail_side == "left" else stop.left - margin
        bar = pygame.Rect(x0, y + th.small_px // 2, x1 - x0, th.small_px // 2)
        pygame.draw.rect(surface, pal.text_dim, bar, 2)
        done = min(1.0, self.elapsed / (WARMUP_S + self.seconds))
        pygame.draw.rect(surface, pal.hit, (bar.x, bar.y, int(bar.w * done), bar.h))
        hand = ctx.intents.hand(self.side) if ctx.intents is not None else None
        if hand is not None:  # the marker: a big ring that follows the hand
            c = ctx.transform.to_screen_int(hand.x, hand.y)
            r = max(12, round(ctx.transform.length(0.25)))
            pygame.draw.circle(surface, pal.text, c, r + 3, width=max(4, r // 4) + 6)
            pygame.draw.circle(surface, pal.target, c, r, width=max(4, r // 4))
        place_rail(ctx, (w, h), rail_side, self.stop_btn)
        self.stop_btn.draw(surface, ctx, font_kind="title")
