"""One session, scene after scene: the order of issue 3 and what each result means.

title -> safety -> patient -> pre-session check-in -> calibration (or the
saved one) -> exercise (rest breaks and pain stop inside) -> post-session
check-in -> summary. Each scene hands its typed result to the next step
here; this is the only place that knows the order, and the only place
(besides the exercise scene's event sink) that writes telemetry, always
through the `TelemetryStore` / `SessionRecorder` protocols.

Stopping at any point ends the flow cleanly: a session that was started is
closed as not completed with its summary; nothing is recorded for a
session that never started.
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from game.scenes.base import Scene, SceneStack
from game.scenes.checkin import POST_ITEMS, PRE_ITEMS, CheckinScene
from game.scenes.exercise import ExerciseOutcome, ExerciseScene, SessionLike
from game.scenes.menus import PatientScene, SafetyScene, TitleScene
from game.scenes.rest import RestScene
from game.scenes.summary import SummaryScene
from telemetry.api import SessionRecorder, TelemetryStore

Side = Literal["left", "right"]


@dataclass
class SessionSetup:
    """What the flow needs to start the exercise once calibration is known."""

    runner: SessionLike
    exercise: str
    dose: Mapping[str, Any]
    source: str = "camera"
    mirror: str | None = None
    decisions: tuple[str, ...] = ()


class Services(Protocol):
    """Everything outside game/ the flow calls (the CLI wires the real ones)."""

    store: TelemetryStore | None

    def calibration_scene(self, patient_id: str) -> Scene[Any]: ...

    def save_calibration(self, patient_id: str, calibration: Any) -> None: ...

    def make_session(self, patient_id: str, calibration: Any, pre: Mapping[str, int]) -> SessionSetup: ...


@dataclass
class FlowResult:
    patient_id: str | None = None
    pre: dict[str, int] | None = None
    calibration: Any = None
    outcome: ExerciseOutcome | None = None
    post: dict[str, int] | None = None
    session_id: str | None = None
    exercise: str | None = None
    ended_at: str | None = None  # name of the scene where the flow ended early
    finished: bool = False
    events: list[Any] = field(default_factory=list)


class SessionFlow:
    def __init__(self, stack: SceneStack, services: Services, *, patient: str | None = None,
                 known_patients: list[str] | None = None, affected: Side = "right",
                 pace: float = 1.0, rng: random.Random | None = None,
                 keep_events: bool = False) -> None:
        self.stack = stack
        self.services = services
        self.patient = patient
        self.known = known_patients or []
        self.affected = affected
        self.pace = pace
        self.rng = rng or random.Random()
        self.keep_events = keep_events
        self.result = FlowResult()
        self.recorder: SessionRecorder | None = None
        self.setup: SessionSetup | None = None
        self.on_session_start: Callable[[SessionSetup], None] | None = None
        self.listeners: list[Callable[[list[Any]], None]] = []  # e.g. audio cues
        self.on_calibrated: list[Callable[[Any], None]] = []  # e.g. the intents builder

    @property
    def done(self) -> bool:
        return self.result.finished or self.result.ended_at is not None

    def start(self) -> None:
        self.stack.push(TitleScene(self.pace), self._after_title)

    def _end(self, where: str) -> None:
        self.result.ended_at = where

    # ----------------------------------------------------------------- steps
    def _after_title(self, ok: bool | None) -> None:
        if not ok:
            return self._end("title")
        self.stack.push(SafetyScene(self.pace), self._after_safety)

    def _after_safety(self, ok: bool | None) -> None:
        if not ok:
            return self._end("safety")
        self.stack.push(PatientScene(self.known, preselected=self.patient, rng=self.rng, pace=self.pace),
                        self._after_patient)

    def _after_patient(self, patient_id: str | None) -> None:
        if not patient_id:
            return self._end("patient")
        self.result.patient_id = patient_id
        store = self.services.store
        if store is not None:
            store.ensure_patient(patient_id, affected_side=self.affected)
        self.stack.push(CheckinScene("pre", PRE_ITEMS, self.pace), self._after_pre)

    def _after_pre(self, answers: dict[str, int] | None) -> None:
        if answers is None:
            return self._end("checkin_pre")
        self.result.pre = answers
        assert self.result.patient_id is not None
        self.stack.push(self.services.calibration_scene(self.result.patient_id), self._after_calibration)

    def _after_calibration(self, calibration: Any) -> None:
        if calibration is None:
            return self._end("calibration")
        pid = self.result.patient_id
        assert pid is not None and self.result.pre is not None
        self.result.calibration = calibration
        self.services.save_calibration(pid, calibration)
        for hook in self.on_calibrated:
            hook(calibration)
        setup = self.services.make_session(pid, calibration, self.result.pre)
        self.setup = setup
        self.result.exercise = setup.exercise
        store = self.services.store
        if store is not None:
            self.recorder = store.start_session(pid, setup.exercise, setup.dose, source=setup.source,
                                                mirror=setup.mirror, decisions=setup.decisions)
            self.result.session_id = self.recorder.session_id
            self.recorder.checkin("pre", self.result.pre)
        if self.on_session_start is not None:
            self.on_session_start(setup)
        self.stack.push(ExerciseScene(setup.runner, affected=self.affected, sink=self._record,
                                      on_pain_rating=self._pain_rating, rest_factory=self._rest,
                                      pace=self.pace), self._after_exercise)

    def _record(self, events: list[Any]) -> None:
        if self.keep_events:
            self.result.events.extend(events)
        if self.recorder is not None:
            self.recorder.record(events)
        for listener in self.listeners:
            listener(events)

    def _rest(self, runner: SessionLike) -> Scene[Any]:
        return RestScene(runner, sink=self._record, affected=self.affected)

    def _pain_rating(self, rating: int) -> None:
        if self.recorder is not None:
            self.recorder.checkin("pain_stop", {"pain": rating})

    def _after_exercise(self, outcome: ExerciseOutcome | None) -> None:
        assert outcome is not None
        self.result.outcome = outcome
        self.stack.push(CheckinScene("post", POST_ITEMS, self.pace), self._after_post)

    def _after_post(self, answers: dict[str, int] | None) -> None:
        outcome = self.result.outcome
        assert outcome is not None
        self.result.post = answers
        if self.recorder is not None:
            if answers:
                self.recorder.checkin("post", answers)
            self.recorder.close(outcome.summary, completed=outcome.reason in ("completed", "time_cap"))
            self.recorder = None
        pre = self.result.pre or {}
        self.stack.push(SummaryScene(outcome.summary, outcome.reason, pain_pre=pre.get("pain"),
                                     pain_post=(answers or {}).get("pain"), pace=self.pace),
                        self._after_summary)

    def _after_summary(self, _: object) -> None:
        self.result.finished = True

    def record_events(self, events: list[Any]) -> None:
        """App-level events (e.g. the patient turning the mirror off) into the session's log."""
        if self.recorder is not None:
            self._record(events)

    def record_frame(self, frame: Any, scene: Any) -> None:
        """Keep the landmark stream of the exercise (never video: the image is dropped)."""
        if self.recorder is not None and getattr(scene, "name", "") in ("exercise", "rest"):
            if getattr(frame, "image", None) is not None:
                frame = dataclasses.replace(frame, image=None)  # the picture never leaves the game
            self.recorder.record_frame(frame)

    def abort(self) -> None:
        """Close a started session as incomplete (window closed, error)."""
        if self.recorder is not None and self.result.outcome is None and self.setup is not None:
            self.recorder.close(self.setup.runner.summary(), completed=False)
            self.recorder = None
