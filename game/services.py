"""The real services the session flow calls: store, calibration, exercise + runner.

Thin wiring between game/flow.py and the other folders. Today's dose is not
decided here: `day_options(pre)` asks the dosing core (through
`game.dosing.DosingSource`) once the pain before the session is known, and
`make_session` plays the option the flow chose (full or easier): the
exercise from `exercises.registry.make_exercise`, wrapped in
`exercises.session.SessionRunner` with the dose's `InSessionDosing`
(staircase, pain-pause ceiling, therapist's remote easier/harder).
Calibrations go through the store.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from exercises.dosing import DayOptions
from exercises.registry import make_exercise
from exercises.session import SessionRunner
from game.flow import SessionSetup
from game.scenes.base import Scene
from game.scenes.calibration import CalibrationScene
from telemetry.api import TelemetryStore


class DoseSource(Protocol):
    """Today's options once the pain before the session is known (game.dosing.DosingSource)."""

    def options(self, pre_pain: int | None = None) -> DayOptions: ...


def _as_mapping(calibration: Any) -> Mapping[str, Any] | None:
    if calibration is None:
        return None
    if isinstance(calibration, Mapping):
        return calibration
    to_dict = getattr(calibration, "to_dict", None)
    return to_dict() if callable(to_dict) else None


@dataclass
class GameServices:
    store: TelemetryStore | None
    dosing: DoseSource
    game: str = "reaching"
    seed: int = 0
    affected: str = "right"
    source: str = "camera"
    mirror: str | None = None
    require_hand: bool = True
    default_calibration: Any = None  # used when nothing is saved and no procedure is given
    procedure_factory: Callable[[], Any] | None = None  # live calibration (vision)
    frame_source: Callable[[], Any] | None = None
    reach_mode: str | None = None  # `--reach-mode`: reaching's mode over the plan's ("forward")
    _options: dict[int | None, DayOptions] = field(default_factory=dict, repr=False)

    def flare_plan(self, patient_id: str | None, pre: Mapping[str, int], *,
                   reported: bool = False) -> list[str] | None:
        """The flare plan's lines when today's pain answer completes a flare (game/flare.py),
        recorded for the therapist; None otherwise or without a store."""
        from game.flare import FlarePlanError, flare_plan_for, record_showing

        if self.store is None or not patient_id or not hasattr(self.store, "checkins"):
            return None
        try:
            shown = flare_plan_for(self.store, patient_id, today_pain=pre.get("pain"),
                                   reported=reported)
            if shown is None:
                return None
            record_showing(self.store, patient_id, shown, "game")
        except FlarePlanError:
            return None  # the dose source reports a broken plan in its own words
        return shown.lines

    def bodymap_due(self, patient_id: str) -> Any:
        """False when no body map is due; else the last map to start from (None the first
        time): the first session, then every 7 days (exercises.bodymap.bodymap_due)."""
        from exercises.bodymap import bodymap_due
        from telemetry.bodymap import BodyMapError, from_compact

        if self.store is None or not hasattr(self.store, "body_maps"):
            return False
        maps = self.store.body_maps(patient_id, layer="patient")
        due, _ = bodymap_due(maps[-1].at if maps else None, self.store.now())
        if not due:
            return False
        try:
            return from_compact(maps[-1].data) if maps else None
        except BodyMapError:
            return None

    def breathing_rules(self) -> Any:
        """The plan's [breathing] table (exercises.breathing; the default without a plan),
        for the pacer at rest breaks; None when the plan turns that off."""
        from exercises.breathing import BreathingRules

        loaded = self.dosing.plan() if self.store is not None else None
        rules = loaded[1].breathing if loaded is not None else BreathingRules()
        return rules if rules.at_rest_breaks else None

    def day_options(self, pre: Mapping[str, int]) -> DayOptions:
        """Today's options for this pre-session pain (asked once per answer)."""
        pain = pre.get("pain")
        if pain not in self._options:
            self._options[pain] = self.dosing.options(pain)
        return self._options[pain]

    def forward_session(self) -> bool:
        """Whether today's reaching is forward (`--reach-mode`, else the plan's dose)."""
        if self.reach_mode is not None:
            return self.reach_mode == "forward"
        return any(getattr(getattr(today, "dose", None), "mode", None) == "forward"
                   for options in self._options.values() for today in (options.full, options.easier))

    def calibration_scene(self, patient_id: str) -> Scene[Any]:
        if self.procedure_factory is not None:
            procedure = self.procedure_factory()
            if self.forward_session() and hasattr(procedure, "add_forward_phases"):
                procedure.add_forward_phases()  # the forward envelope forward targets scale from
            return CalibrationScene(procedure, frame_source=self.frame_source,
                                    affected=self.affected)
        saved = self.default_calibration
        if saved is None and self.store is not None and self.store.patient_exists(patient_id):
            saved = self.store.load_calibration(patient_id)
        return CalibrationScene(saved=saved if saved is not None else {}, affected=self.affected)

    def save_calibration(self, patient_id: str, calibration: Any) -> None:
        if self.store is None or self.procedure_factory is None:
            return  # only a freshly measured calibration is saved
        data = _as_mapping(calibration)
        if data is not None:
            self.store.save_calibration(patient_id, data)

    def gmi_set(self, patient_id: str, pace: float = 1.0) -> Any:
        """A graded-motor-imagery set for this patient (game/gmi_sets.py), when the game
        is one; the flow plays it in place of a dosed exercise."""
        from game.gmi_sets import make_set

        return make_set(self.game, self.store, patient_id, self.affected, self.seed, pace=pace,
                        camera=self.source != "mouse")

    def make_session(self, patient_id: str, calibration: Any, pre: Mapping[str, int], *,
                     easier: bool = False) -> SessionSetup:
        today = self.day_options(pre).choose(easier)
        latency_event = getattr(self.dosing, "latency_events", {}).get(today.dose)
        if self.reach_mode is not None and hasattr(today.dose, "mode"):  # a task, not a level
            today = dataclasses.replace(today, dose=dataclasses.replace(today.dose, mode=self.reach_mode))
        reasons = tuple(today.reasons)
        if self.mirror:  # GMI stage 3: the plan's mirror sets (exercises/gmi/mirror.py)
            from exercises.gmi.mirror import mirror_session
            from exercises.gmi.rules import Mirror

            loaded = self.dosing.plan() if self.store is not None else None
            session, why = mirror_session(today.session,
                                          loaded[1].gmi.mirror if loaded else Mirror())
            today = dataclasses.replace(today, session=session)
            reasons = (*reasons, why)
        cal = calibration if calibration not in ({}, None) else None
        exercise = make_exercise(self.game, today.dose, cal, np.random.default_rng(self.seed),
                                 session_dose=today.session)
        runner = SessionRunner(exercise, today.session, pre.get("pain"),
                               require_hand=self.require_hand, dosing=today.in_session(exercise))
        dose_record = {"session": _dc_dict(today.session), self.game: _dc_dict(today.dose)}
        return SessionSetup(runner=runner, exercise=self.game, dose=dose_record, source=self.source,
                            mirror=self.mirror, decisions=reasons,
                            events=(latency_event,) if latency_event is not None else ())


def _dc_dict(obj: Any) -> dict[str, Any]:
    from dataclasses import fields

    return {f.name: (list(v) if isinstance(v := getattr(obj, f.name), tuple) else v)
            for f in fields(obj)}
