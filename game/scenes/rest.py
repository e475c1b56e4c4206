"""Rest break: a calm screen with a countdown, driven by the session runner's clock.

The runner decides when a rest starts and how long it lasts (the dose); this
scene keeps stepping it (so the rest time passes on the session clock) and
returns when the runner is no longer resting. Result: "done", "stop", or
"pain_stop" (the patient chose "Stop for today" at a pain pause).

With `ask_pain` the rest opens with the in-session pain question
(game/scenes/pain_check.py): the answer goes to the runner's pain rule, and
when that trips, the pause screen stays up until the patient continues. The
countdown waits while a question or the pause is on screen, so the patient
always gets the whole rest. Every runner event (the check-in, the pause, the
resume, the staircase's drop) goes to `sink` through the runner's `drain()`;
an answered rating also goes to `on_pain(rating, t)` at once (the flow stores
it as the session's "in_session" check-in, stamped when it was answered).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pygame

from exercises.events import Event
from game.context import DrawContext
from game.scenes.base import Scene
from game.scenes.common import pain_button, stop_button
from game.scenes.pain_check import CONTINUE, STOP_TODAY, PainEasierScene, PainNowScene, easier_words
from game.widgets import draw_hands, draw_text_block, place_rail, rail_text_margin
from vision.intents import Intents


def runner_events(runner: Any, returned: list[Event]) -> list[Event]:
    """The runner's events since the last call: its `drain()` when it has one (it also
    holds what calls between steps raised), else what the call returned."""
    drain = getattr(runner, "drain", None)
    return drain() if callable(drain) else returned


class RestScene(Scene[str]):
    name = "rest"
    camera_view = False

    def __init__(self, runner: Any, sink: Callable[[list[Event]], None] | None = None, affected: str = "right",
                 *, ask_pain: bool = False, pace: float = 1.0,
                 on_pain: Callable[[int, float], None] | None = None,
                 breathing: Any = None) -> None:
        super().__init__()
        # The plan's [breathing] pacer (exercises.breathing) paces the circle; the shoulders'
        # movement is read meanwhile and kept as one "breathing" event when the rest ends.
        self.breathing = breathing
        self.pacer: Any = None
        if breathing is not None:
            from exercises.breathing import Pacer

            self.pacer = Pacer.of(breathing)
        self._breath: tuple[list[float], list[float]] = ([], [])
        self.runner = runner
        self.sink = sink or (lambda events: None)
        self.affected = affected
        self.pace = pace
        self.stop_btn = stop_button("left" if affected == "left" else "right")
        self.pain_btn = pain_button("left" if affected == "left" else "right",
                                    dwell_s=1.0 / max(0.25, pace))
        self.t = 0.0
        self._ask = ask_pain
        self.on_pain = on_pain
        self.decision: Any = None  # the runner's PainDecision, when the patient answered
        self.note = ""  # said on the rest screen after a pain pause

    def _emit(self, returned: list[Event]) -> None:
        events = runner_events(self.runner, returned)
        if events:
            self.sink(events)

    def update(self, intents: Intents, dt: float) -> None:
        self.t = intents.t
        if self._ask and self.stack is not None:
            self._ask = False
            question = PainNowScene(self.pace)
            question.t = self.t
            self.stack.push(question, lambda answers: self._after_pain_now(answers, question.t))
            return
        if intents.stop or self.stop_btn.update(intents, dt):
            self.dismiss("stop")
            return
        if self.pain_btn.update(intents, dt):  # the rail's Pain: the rest's own pain question
            self._ask = True
            return
        self._emit(self.runner.step(intents, dt))
        if self.pacer is not None and intents.body_visible and intents.tracking_quality >= 0.5:
            self._breath[0].append(self.t)
            self._breath[1].append(intents.trunk_dy)
        if self.runner.state != "resting":
            self._breathing_event()
            self.dismiss("done")

    def _breathing_event(self) -> None:
        """The rest's breathing reading (honest "pacer_only" when too short or too weak)."""
        if self.pacer is None or not self._breath[0]:
            return
        from core.events import BREATHING
        from exercises.breathing import estimate

        reading = estimate(self._breath[0], self._breath[1], self.pacer)
        self.sink([Event(self.t, BREATHING, {**reading.to_dict(), "where": "rest",
                                             "breaths_per_min_paced":
                                                 self.breathing.breaths_per_min})])

    def _after_pain_now(self, answers: dict[str, int] | None, t: float) -> None:
        self.t = max(self.t, t)  # this scene's clock stood still while the question was up
        if answers is None:  # stopped at the question
            self.dismiss("stop")
            return
        if "pain" not in answers:  # skipped: nothing recorded
            return
        if self.on_pain is not None:
            self.on_pain(answers["pain"], self.t)
        decision = self.runner.in_session_pain(answers["pain"], self.t)
        events = runner_events(self.runner, [])
        if events:
            self.sink(events)
        self.decision = decision
        if not decision.paused or self.stack is None:
            return
        dose = self.runner.dose
        easier = easier_words(events)
        self.note = "The next part will be a little easier." if easier else ""
        pause = PainEasierScene(nrs=decision.nrs, pre_pain=decision.pre_pain,
                                threshold=dose.pain_stop_threshold, rise_limit=dose.pain_rise_limit,
                                easier=easier, pace=self.pace)
        pause.t = self.t
        self.stack.push(pause, lambda choice: self._after_pause(choice, pause.t))

    def _after_pause(self, choice: str | None, t: float) -> None:
        self.t = max(self.t, t)
        if choice == STOP_TODAY and self.decision is not None:  # the recommended, gentle end
            self._emit(self.runner.pain_stop(self.decision.nrs, self.t))
            self.dismiss("pain_stop")
            return
        if choice != CONTINUE:
            self.dismiss("stop")
            return
        self._emit(self.runner.resume(self.t))

    def draw(self, surface: pygame.Surface, ctx: DrawContext) -> None:
        th, pal = ctx.theme, ctx.theme.palette
        surface.fill(pal.background)
        w, h = surface.get_size()
        margin = rail_text_margin(w)
        y = draw_text_block(surface, "Rest", th.font("title", bold=True), pal.rest, h // 20, margin=margin)
        if self.pacer is not None:  # the plan's pacer: in as the circle grows, out as it shrinks
            phase, _ = self.pacer.phase(self.t)
            words = "Let your arms rest. " + ("Breathe in..." if phase == "inhale"
                                              else "Breathe out...")
            level = self.pacer.level(self.t)
        else:
            words = "Let your arms rest. Breathe slowly."
            level = 0.5 + 0.5 * math.sin(self.t * 2 * math.pi / 8.0)
        y = draw_text_block(surface, words, th.font("body"), pal.text, y, margin=margin)
        if self.note:
            draw_text_block(surface, self.note, th.font("body"), pal.text, y, margin=margin)
        remaining = max(0.0, float(self.runner.rest_remaining_s))
        # A breathing circle and the seconds left.
        r = int(min(w, h) * (0.13 + 0.06 * level))
        c = (w // 2, int(h * 0.6))
        pygame.draw.circle(surface, pal.rest, c, r)
        img = th.font("title", bold=True).render(f"{math.ceil(remaining)}", True, (0, 0, 0))
        surface.blit(img, img.get_rect(center=c))
        side = "right" if self.affected == "left" else "left"
        place_rail(ctx, (w, h), side, self.stop_btn, self.pain_btn)
        self.pain_btn.draw(surface, ctx)
        self.stop_btn.draw(surface, ctx, font_kind="title")
        draw_hands(surface, ctx, [self.stop_btn, self.pain_btn])
