"""Paced breathing: a circle that grows as you breathe in and shrinks as you breathe out.

The pacer (exercises.breathing.Pacer, from the plan's [breathing] table) is the
exercise. The camera's reading (shoulder-midpoint height, `Intents.trunk_dy`, in
body units) is shown only when the breathing stands out of the tracking noise;
otherwise the screen says the guide alone is running, which is fine. "Finish" ends
early and keeps what was done; STOP (the safety rail) ends and hands back None.
Result: a dict with the reading over the whole set (rate, adherence, state), the
seconds breathed and the breaths paced.

The signal comes from one of two places: `Intents.trunk_dy` (the virtual patient of
`demo --game breathing`, and rest breaks after calibration), or, in a session of its
own (`play --game breathing`, game/flow.py), the camera frames themselves through
`add_sample` (`from_frames`): that session has no calibration, so the intents' trunk
displacement is zero there. `camera=False` (`play --mouse`): no signal at all, the
pacer alone, said so on screen and in the result (`pacer_only`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pygame

from core.events import BREATHING, Event
from exercises.breathing import BreathingReading, BreathingRules, Pacer, estimate
from game.context import DrawContext
from game.scenes.common import MenuScene
from game.theme import OKABE_ITO
from game.widgets import DwellButton, draw_hands, draw_text_block, rail_text_margin
from vision.intents import Intents

READ_EVERY_S = 2.0  # the on-screen reading is refreshed this often
READ_WINDOW_S = 60.0  # ... over this much of the newest signal
EVENT_EVERY_S = 10.0  # a "breathing" event with the reading, for the record
NO_CAMERA = "no camera (--mouse): the pacer alone, no breathing read"


class BreathingScene(MenuScene):
    name = "breathing"

    def __init__(self, rules: BreathingRules, pace: float = 1.0, *,
                 seconds: float | None = None, title: str = "Breathe with the circle",
                 from_frames: bool = False, camera: bool = True) -> None:
        super().__init__(pace)
        self.from_frames = from_frames or not camera  # samples only through `add_sample`
        self.camera = camera
        self.sink: Callable[[list[Event]], None] | None = None  # the flow's event log
        self.rules = rules
        self.pacer = Pacer.of(rules)
        self.seconds = rules.minutes * 60.0 if seconds is None else seconds
        self.title = title
        self.t = 0.0
        self.ts: list[float] = []
        self.ys: list[float] = []
        self.reading: BreathingReading | None = None
        self._next_read = READ_EVERY_S
        self._next_event = EVENT_EVERY_S
        self.events: list[Event] = []
        self.finish = DwellButton("Finish", center=(1.75, -1.2), half=(0.42, 0.2),
                                  dwell_s=self.dwell_s, value="finish")
        self.buttons = [self.finish]

    def drain(self) -> list[Event]:
        out, self.events = self.events, []
        return out

    def update(self, intents: Intents, dt: float) -> None:
        if self.stop_requested(intents, dt):
            self.dismiss(None)
            return
        self.t += dt
        if not self.from_frames and intents.body_visible and intents.tracking_quality >= 0.5:
            self.ts.append(self.t)
            self.ys.append(intents.trunk_dy)
        if self.t >= self._next_read:
            self._next_read += READ_EVERY_S
            self.reading = self.read(window_s=READ_WINDOW_S)
        if self.t >= self._next_event:
            self._next_event += EVENT_EVERY_S
            if self.reading is not None:
                # stamped on the game clock (the session's time base), not the scene's
                self.events.append(Event(intents.t, BREATHING, self.reading.to_dict()))
                if self.sink is not None:
                    self.sink(self.drain())
        if self.pressed(intents, dt) is not None or self.t >= self.seconds:
            self.dismiss(self.result_dict())

    def add_sample(self, shoulder_bu: float | None) -> None:
        """One camera frame's shoulder height (body units; None: not seen), stamped with
        the scene's own clock, so the estimate's time base is the pacer's."""
        if shoulder_bu is not None and math.isfinite(shoulder_bu) and self.camera:
            self.ts.append(self.t)
            self.ys.append(float(shoulder_bu))

    def read(self, window_s: float | None = None) -> BreathingReading:
        t = np.asarray(self.ts)
        y = np.asarray(self.ys)
        if window_s is not None and t.size:
            keep = t >= t[-1] - window_s
            t, y = t[keep], y[keep]
        return estimate(t, y, self.pacer)

    def result_dict(self) -> dict[str, Any]:
        """The set in its own terms; `pacer_only` True when no breathing rate was read
        (no camera, or a signal too weak to claim one)."""
        whole = self.read()
        reading = whole.to_dict()
        # the reading's "seconds" is the signal it used: kept as signal_seconds, so that
        # "seconds" stays the time breathed (0 s of signal with no camera is not 0 s breathed)
        reading["signal_seconds"] = reading.pop("seconds")
        if not self.camera:
            reading = {**reading, "why": NO_CAMERA}
        return {"pacer_only": whole.state != "tracking", "camera": self.camera,"seconds": round(self.t, 1), "planned_seconds": self.seconds,
                "breaths_paced": int(self.t // self.pacer.period_s),
                "breaths_per_min_paced": self.rules.breaths_per_min,
                "inhale_exhale": [self.rules.inhale, self.rules.exhale],
                "completed": self.t >= self.seconds - 1e-6, **reading}

    # ------------------------------------------------------------------ drawing
    def status_words(self) -> list[str]:
        r = self.reading
        if not self.camera:
            return ["Guide only (no camera): just follow the circle."]
        if r is None:
            return ["Getting ready to read your breathing..."]
        if r.state != "tracking" or r.rate_per_min is None:
            return ["Guide only: the camera cannot see your breathing clearly.",
                    "That is fine: just follow the circle."]
        out = [f"Your breathing: about {r.rate_per_min:.0f} breaths a minute"]
        if r.adherence is not None:
            out.append(f"in time with the circle {r.adherence:.0%} of the time")
        return out

    def draw(self, surface: pygame.Surface, ctx: DrawContext) -> None:
        th, pal = ctx.theme, ctx.theme.palette
        surface.fill(pal.background)
        margin = rail_text_margin(surface.get_width())
        y = max(12, surface.get_height() // 30)
        y = draw_text_block(surface, self.title, th.font("title", bold=True), pal.text, y,
                            margin=margin)
        phase, left = self.pacer.phase(self.t)
        level = self.pacer.level(self.t)
        tr = ctx.transform
        cx, cy = tr.to_screen(-0.3, 0.55)
        unit = abs(tr.to_screen(1.0, 0.0)[0] - tr.to_screen(0.0, 0.0)[0])
        r_max, r_min = 1.0 * unit, 0.4 * unit
        pygame.draw.circle(surface, pal.panel, (round(cx), round(cy)), round(r_max))
        pygame.draw.circle(surface, pal.text_dim, (round(cx), round(cy)), round(r_max), 2)
        color = OKABE_ITO["sky_blue"] if phase == "inhale" else OKABE_ITO["bluish_green"]
        pygame.draw.circle(surface, color, (round(cx), round(cy)),
                           round(r_min + (r_max - r_min) * level))
        words = "Breathe in" if phase == "inhale" else "Breathe out"
        big = th.font("body", bold=True).render(words, True, pal.cue_text)
        surface.blit(big, big.get_rect(center=(round(cx), round(cy) - th.small_px // 2)))
        secs = th.font("body", bold=True).render(f"{math.ceil(left - 1e-6)}", True, pal.cue_text)
        surface.blit(secs, secs.get_rect(center=(round(cx), round(cy) + th.body_px)))
        small = th.font("small")
        left_s = max(0.0, self.seconds - self.t)
        pace = (f"{self.rules.breaths_per_min:g} breaths a minute, in {self.rules.inhale:g} : "
                f"out {self.rules.exhale:g}")
        info = [pace,
                f"{int(left_s // 60)}:{int(left_s % 60):02d} left"]
        y2 = round(tr.to_screen(0, -0.6)[1])
        for line in (*self.status_words(), *info):
            img = small.render(line, True, pal.text if line == info[0] else pal.text_dim)
            surface.blit(img, img.get_rect(midtop=(round(cx), y2)))
            y2 += th.small_px + 6
        warn = small.render("Dizzy or short of breath? Stop and breathe normally.", True,
                            pal.cue)
        surface.blit(warn, warn.get_rect(midtop=(surface.get_width() // 2, y + 4)))
        self.finish.draw(surface, ctx)
        self.draw_stop(surface, ctx)
        draw_hands(surface, ctx, self.controls)
