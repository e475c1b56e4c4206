"""Test helpers for tests/game: services wired to the real exercise, runner and store.

The player is game.players.PointerPlayer: a hand that moves toward the
current target at a human speed (what the mouse does in keyboard/mouse play).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from exercises.doses import SessionDose, make_dose
from exercises.registry import make_exercise
from exercises.session import SessionRunner
from game.flow import SessionSetup
from game.scenes.calibration import CalibrationScene

ENVELOPE = {"right": {d: 1.5 for d in ("out", "up_out", "up", "up_in", "in", "down_in", "down", "down_out")}}


class Services:
    def __init__(self, store: Any = None, *, reps: int = 3, session_dose: SessionDose | None = None) -> None:
        self.store = store
        self.reps = reps
        self.session_dose = session_dose or SessionDose(session_minutes=2.0, rest_every_s=600.0)
        self.saved: list[tuple[str, Any]] = []

    def calibration_scene(self, patient_id: str) -> CalibrationScene:
        return CalibrationScene(saved={"envelope": ENVELOPE})

    def save_calibration(self, patient_id: str, calibration: Any) -> None:
        self.saved.append((patient_id, calibration))

    def make_session(self, patient_id: str, calibration: Any, pre: Mapping[str, int], *,
                     easier: bool = False) -> SessionSetup:
        from dataclasses import replace

        from game.dosing import easier_values

        session = replace(self.session_dose, **easier_values(self.session_dose)) if easier else self.session_dose
        dose = make_dose("reaching", repetitions=self.reps, hold_s=0.5, inter_target_s=0.5)
        ex = make_exercise("reaching", dose, calibration, np.random.default_rng(1),
                           session_dose=session)
        runner = SessionRunner(ex, session, pre.get("pain"))
        return SessionSetup(runner=runner, exercise="reaching", dose={"reps": self.reps}, source="test")
