"""The dexterity games: finger tapping, pinch-carry-place, hand open/close.

Importing this package registers "tapping", "pinch" and "openclose" with
`exercises.registry` (which imports it lazily). Each is pure logic over
`Intents` (`HandIntent.pinch` / `.grasp`, filled by the IntentsBuilder when
hand landmarks are tracked); the game draws them from game/views/dexterity.py.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from exercises.base import Exercise
from exercises.dexterity.openclose import OpenCloseExercise
from exercises.dexterity.pinch import PinchExercise
from exercises.dexterity.tapping import TappingExercise
from exercises.doses import SessionDose
from exercises.registry import register

__all__ = ["OpenCloseExercise", "PinchExercise", "TappingExercise"]


def _tapping(dose: Any, calibration: Any, rng: np.random.Generator, *,
             session_dose: SessionDose | None = None) -> Exercise:
    return TappingExercise(dose, calibration, rng, session_dose=session_dose)


def _pinch(dose: Any, calibration: Any, rng: np.random.Generator, *,
           session_dose: SessionDose | None = None) -> Exercise:
    return PinchExercise(dose, calibration, rng, session_dose=session_dose)


def _openclose(dose: Any, calibration: Any, rng: np.random.Generator, *,
               session_dose: SessionDose | None = None) -> Exercise:
    return OpenCloseExercise(dose, calibration, rng, session_dose=session_dose)


register("tapping", _tapping)
register("pinch", _pinch)
register("openclose", _openclose)
