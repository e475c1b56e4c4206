"""One laterality set as a clock-driven state machine (pure: the scene feeds it).

Phases per trial: "ready" (a blank moment; with camera answers both hands must
be down first, so a hand still raised never answers the next picture), "show"
(the picture until an answer or the deadline), "feedback" (correct / not).
Times are seconds; nothing here knows about frames, pixels or input devices.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from exercises.events import Event
from exercises.gmi.laterality import Answer, LateralityScore, Side, Trial, score

Phase = Literal["ready", "show", "feedback", "done"]
GMI_TRIAL = "gmi_trial"  # event kind: one answered (or timed out) picture


@dataclass
class LateralityRun:
    trials: Sequence[Trial]
    deadline_s: float
    ready_s: float = 0.8
    feedback_s: float = 0.6
    affected: str | None = None
    t: float = 0.0
    phase: Phase = "ready"
    index: int = 0
    answers: list[Answer] = field(default_factory=list)
    modes: list[str] = field(default_factory=list)
    _phase_t: float = 0.0
    _events: list[Event] = field(default_factory=list)

    @property
    def current(self) -> Trial | None:
        return self.trials[self.index] if self.index < len(self.trials) else None

    @property
    def shown_for(self) -> float:
        """Seconds the current picture has been shown (0 outside "show")."""
        return self.t - self._phase_t if self.phase == "show" else 0.0

    @property
    def phase_started_t(self) -> float:
        """When the current phase began (run time, seconds)."""
        return self._phase_t

    @property
    def done(self) -> bool:
        return self.phase == "done"

    def step(self, dt: float, answer: Side | None = None, mode: str = "keys",
             hands_down: bool = True) -> None:
        """Advance `dt` seconds; `answer` is the side given during this step, if any."""
        if self.phase == "done":
            return
        self.t += dt
        elapsed = self.t - self._phase_t
        if self.phase == "ready":
            if elapsed >= self.ready_s and hands_down:
                self.phase, self._phase_t = "show", self.t
        elif self.phase == "show":
            trial = self.trials[self.index]
            if answer is not None:
                self._finish(Answer(trial, answer, round(elapsed, 4)), mode)
            elif elapsed >= self.deadline_s:
                self._finish(Answer(trial, None, None), "none")
        elif self.phase == "feedback" and elapsed >= self.feedback_s:
            self.index += 1
            self.phase = "done" if self.index >= len(self.trials) else "ready"
            self._phase_t = self.t

    def _finish(self, a: Answer, mode: str) -> None:
        self.answers.append(a)
        self.modes.append(mode)
        tr = a.trial
        self._events.append(Event(self.t, GMI_TRIAL, {
            "stage": 1, "index": tr.index, "side": tr.side, "view": tr.view,
            "angle_deg": tr.angle_deg, "posture": tr.posture, "answer": a.answer,
            "correct": a.correct, "rt_s": a.rt_s, "mode": mode}))
        self.phase, self._phase_t = "feedback", self.t

    def drain(self) -> list[Event]:
        out, self._events = self._events, []
        return out

    def score(self) -> LateralityScore:
        side = self.affected if self.affected in ("left", "right", "both") else None
        return score(self.answers, side)  # type: ignore[arg-type]

    @property
    def answer_mode(self) -> str | None:
        """The mode most answers were given in (the norm to compare with)."""
        given = [m for m in self.modes if m != "none"]
        return max(set(given), key=given.count) if given else None

    def summary(self) -> dict[str, object]:
        s = self.score().as_dict()
        return {**s, "answer_mode": self.answer_mode,
                "timeouts": sum(1 for a in self.answers if a.answer is None)}
