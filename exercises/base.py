"""The contract every mini-game meets.

An exercise is pure logic: it is given a frozen dose (its difficulty
parameters, chosen by the progression engine) and advanced with
`step(intents, dt)`, returning the events that happened. It never draws,
never reads a clock, never touches the disk. The game walks its public
state to draw it, as pymunk's debug_draw walks a space.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol, runtime_checkable

from exercises.events import Event
from vision.calibration import Calibration
from vision.intents import Intents

CalibrationInput = Calibration | Mapping[str, Any] | None
"""What a game is built from: a Calibration, a stored calibration mapping, or none
(a typical framing); exercises.reaching.reach_setup reads all three."""


@runtime_checkable
class Exercise(Protocol):
    name: str  # "reaching", "tapping", "pinch", "openclose"

    def step(self, intents: Intents, dt: float) -> list[Event]:
        """Advance by the fixed timestep `dt` seconds with the newest input."""
        ...

    @property
    def done(self) -> bool:
        """True when the dose's quota is met or its time is up."""
        ...

    def summary(self) -> dict[str, Any]:
        """JSON-serialisable session summary (counts, means) for this game."""
        ...
