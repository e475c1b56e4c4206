"""Test helpers for tests/game: services wired to the real exercise, runner and store.

The player is game.players.PointerPlayer: a hand that moves toward the
current target at a human speed (what the mouse does in keyboard/mouse play).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from exercises.doses import SessionDose
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

    def day_options(self, pre: Mapping[str, int]) -> Any:
        from exercises.dosing import day_options

        return day_options(None, [], [], "reaching", pre_pain=pre.get("pain"),
                           session=self.session_dose,
                           defaults={"repetitions": self.reps, "hold_s": 0.5,
                                     "inter_target_s": 0.5})

    def make_session(self, patient_id: str, calibration: Any, pre: Mapping[str, int], *,
                     easier: bool = False) -> SessionSetup:
        today = self.day_options(pre).choose(easier)
        ex = make_exercise("reaching", today.dose, calibration, np.random.default_rng(1),
                           session_dose=today.session)
        runner = SessionRunner(ex, today.session, pre.get("pain"), dosing=today.in_session(ex))
        return SessionSetup(runner=runner, exercise="reaching", dose={"reps": self.reps}, source="test")


def tolerated_session(store: Any, patient_id: str, exercise: str = "reaching", *,
                      hits: int = 12, pre: int = 3, post: int = 3) -> str:
    """A finished session in the store with every pain answer within limits (what the
    dosing core counts as a tolerance session)."""
    rec = store.start_session(patient_id, exercise, {exercise: {}})
    rec.checkin("pre", {"pain": pre})
    rec.checkin("post", {"pain": post})
    rec.close({"hits": hits, "session": {"completed": True, "quota_met": True, "rests": 0}},
              completed=True)
    return str(rec.session_id)


def patient_with_plan(store: Any, patient_id: str = "p1", *,
                      template: str = "neuropathic_upper_limb_seated", tolerated: int = 3) -> None:
    """A patient on a template plan, past its tolerance sessions (so today's staircase runs)."""
    from importlib.resources import files

    store.ensure_patient(patient_id)
    store.save_plan(patient_id, (files("assets.plans") / f"{template}.toml").read_text(),
                    author="test")
    for _ in range(tolerated):
        tolerated_session(store, patient_id)
