"""Test helpers for tests/game: services wired to the real exercise, runner and store.

The only stand-in is the player: a hand that moves toward the current
target at a human speed (what the mouse does in keyboard/mouse play).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from exercises.doses import SessionDose, make_dose
from exercises.registry import make_exercise
from exercises.session import SessionRunner
from game.flow import SessionSetup
from game.scenes.calibration import CalibrationScene
from game.scenes.exercise import ExerciseScene
from game.script import ScriptedMenus
from vision.intents import HandIntent, Intents

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

    def make_session(self, patient_id: str, calibration: Any, pre: Mapping[str, int]) -> SessionSetup:
        dose = make_dose("reaching", repetitions=self.reps, hold_s=0.5, inter_target_s=0.5)
        ex = make_exercise("reaching", dose, calibration, np.random.default_rng(1),
                           session_dose=self.session_dose)
        runner = SessionRunner(ex, self.session_dose, pre.get("pain"))
        return SessionSetup(runner=runner, exercise="reaching", dose={"reps": self.reps}, source="test")


class ChasingPlayer:
    """Driver: scripted menu answers, and a right hand that chases the current target."""

    finished = False

    def __init__(self, speed: float = 2.0) -> None:
        self.menus = ScriptedMenus()
        self.speed = speed
        self.hand = (0.5, -1.0)
        self._last_t = 0.0

    def poll(self, t: float, scene: Any) -> tuple[None, Intents | None]:
        dt = max(1e-6, t - self._last_t)
        self._last_t = t
        menu = self.menus.intents(t, dt, scene)
        if menu is not None:
            return None, menu
        if isinstance(scene, ExerciseScene):
            live = [tv for tv in scene.runner.exercise.targets if tv.state in ("waiting", "holding")]
            if live:
                gx, gy = live[-1].x, live[-1].y
                x, y = self.hand
                d = math.hypot(gx - x, gy - y)
                step = self.speed * dt
                self.hand = (gx, gy) if d <= step else (x + (gx - x) / d * step, y + (gy - y) / d * step)
            return None, Intents(t=t, right=HandIntent(*self.hand))
        return None, Intents(t=t)
