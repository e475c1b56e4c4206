"""The boundary between the game and the store (what the game may call).

`telemetry.store.Store` implements `TelemetryStore`; `game/` codes against
these Protocols only. Telemetry imports neither game nor pygame nor
exercises: events arrive as anything with `t`, `kind` and `data`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from vision.bodyframe import BodyFrame


class EventLike(Protocol):
    """An event as the game emits it (read-only, so frozen dataclasses qualify)."""

    @property
    def t(self) -> float: ...

    @property
    def kind(self) -> str: ...

    @property
    def data(self) -> Mapping[str, Any]: ...


class SessionRecorder(Protocol):
    """One session being played. Append-only and crash-safe."""

    session_id: str

    def record(self, events: Sequence[EventLike]) -> None:
        """Queue events; they reach the disk within about a second."""

    def record_frame(self, frame: BodyFrame) -> None:
        """Keep the landmark stream (compact arrays; never video)."""

    def checkin(self, phase: str, answers: Mapping[str, int], *, t: float | None = None) -> None:
        """phase: "pre", "post", "in_session" (the pain check at a rest break) or
        "pain_stop"; answers: item -> 0..10; t: the game time it was answered."""

    def close(self, summary: Mapping[str, Any], completed: bool = True, *,
              t: float | None = None) -> None:
        """Flush everything, store the summary, mark the session ended (at game time t)."""


class TelemetryStore(Protocol):
    def ensure_patient(self, patient_id: str, *, display_name: str | None = None,
                       affected_side: str = "right", seated: bool = True) -> None: ...

    def patient_exists(self, patient_id: str) -> bool: ...

    def start_session(self, patient_id: str, exercise: str, dose: Mapping[str, Any], *,
                      source: str = "camera", mirror: str | None = None,
                      decisions: Sequence[str] = (), t0: float | None = None,
                      simulated_clock: bool = False) -> SessionRecorder:
        """t0: the game clock now (the time base of the events); simulated_clock:
        the game runs faster than real time, so the session's times follow it."""

    def save_calibration(self, patient_id: str, calibration: Mapping[str, Any]) -> None: ...

    def load_calibration(self, patient_id: str) -> Mapping[str, Any] | None: ...
