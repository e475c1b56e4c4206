"""The real services the session flow calls: store, calibration, exercise + runner.

Thin wiring between game/flow.py and the other folders: the exercise comes
from `exercises.registry.make_exercise` with a dose from `make_dose` (or
the progression engine's, when a plan supplies one), wrapped in
`exercises.session.SessionRunner`; calibrations go through the store.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from exercises.doses import SessionDose, make_dose
from exercises.registry import make_exercise
from exercises.session import SessionRunner
from game.flow import SessionSetup
from game.scenes.base import Scene
from game.scenes.calibration import CalibrationScene
from telemetry.api import TelemetryStore


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
    game: str = "reaching"
    seed: int = 0
    session_dose: SessionDose = field(default_factory=SessionDose)
    dose_values: Mapping[str, Any] = field(default_factory=dict)
    dose: Any = None  # a ready dose (from the progression engine); overrides dose_values
    affected: str = "right"
    source: str = "camera"
    mirror: str | None = None
    require_hand: bool = True
    default_calibration: Any = None  # used when nothing is saved and no procedure is given
    procedure_factory: Callable[[], Any] | None = None  # live calibration (vision)
    frame_source: Callable[[], Any] | None = None
    decisions: tuple[str, ...] = ()
    wrap_runner: Callable[[Any], Any] | None = None  # e.g. the within-session staircase

    def calibration_scene(self, patient_id: str) -> Scene[Any]:
        if self.procedure_factory is not None:
            return CalibrationScene(self.procedure_factory(), frame_source=self.frame_source,
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

    def make_session(self, patient_id: str, calibration: Any, pre: Mapping[str, int]) -> SessionSetup:
        if self.dose is not None:
            dose = self.dose
        else:
            values = dict(self.dose_values)
            if self.game in ("reaching", "tapping", "pinch", "openclose") and "side" not in values:
                values["side"] = self.affected
            dose = make_dose(self.game, **values)
        cal = calibration if calibration not in ({}, None) else None
        exercise = make_exercise(self.game, dose, cal, np.random.default_rng(self.seed),
                                 session_dose=self.session_dose)
        runner: Any = SessionRunner(exercise, self.session_dose, pre.get("pain"),
                                    require_hand=self.require_hand)
        if self.wrap_runner is not None:
            runner = self.wrap_runner(runner)
        dose_record = {"session": _dc_dict(self.session_dose), self.game: _dc_dict(dose)}
        return SessionSetup(runner=runner, exercise=self.game, dose=dose_record, source=self.source,
                            mirror=self.mirror, decisions=self.decisions)


def _dc_dict(obj: Any) -> dict[str, Any]:
    from dataclasses import fields

    return {f.name: (list(v) if isinstance(v := getattr(obj, f.name), tuple) else v) for f in fields(obj)}
