"""The real services the session flow calls: store, calibration, exercise + runner.

Thin wiring between game/flow.py and the other folders: the exercise comes
from `exercises.registry.make_exercise` with a dose from `make_dose` (or
the progression engine's, when a plan supplies one), wrapped in
`exercises.session.SessionRunner`; calibrations go through the store.

"Easier for today": the CLI passes the eased dose it got from game.dosing
(`easier`); without one, the session is eased here the same way (shorter
and slower, game.dosing.easier_values), so the choice always takes effect
and is never harder than what was planned.
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


@dataclass(frozen=True)
class DoseOption:
    """Another dose the flow may play instead (today's easier one), with its reasons."""

    session_dose: SessionDose
    dose: Any
    decisions: tuple[str, ...]
    wrap_runner: Callable[[Any], Any] | None = None


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
    easier: DoseOption | None = None  # played when the patient makes today easier

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

    def easier_option(self) -> DoseOption:
        """The easier dose: the CLI's, or this session eased (shorter, slower) with reasons."""
        if self.easier is not None:
            return self.easier
        from dataclasses import replace

        from game.dosing import eased_reasons, easier_values

        eased = replace(self.session_dose, **easier_values(self.session_dose))
        return DoseOption(eased, self.dose, (*self.decisions, *eased_reasons(self.session_dose, eased)),
                          self.wrap_runner)

    def make_session(self, patient_id: str, calibration: Any, pre: Mapping[str, int], *,
                     easier: bool = False) -> SessionSetup:
        if easier:
            option = self.easier_option()
            from dataclasses import replace

            return replace(self, session_dose=option.session_dose, dose=option.dose,
                           decisions=option.decisions, wrap_runner=option.wrap_runner,
                           easier=None).make_session(patient_id, calibration, pre)
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
