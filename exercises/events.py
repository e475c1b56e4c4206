"""Timestamped facts that exercises emit and telemetry stores.

Events are append-only. Trials and session summaries are derived from them,
so a crash loses at most the events not yet flushed (about a second).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

# Kinds shared by every exercise (add game-specific ones as module constants
# in the exercise's own module, prefixed with its name, e.g. "tap").
TARGET_SHOWN = "target_shown"
MOVEMENT_ONSET = "movement_onset"
TOUCH = "touch"
HOLD_COMPLETE = "hold_complete"  # a hit
MISS = "miss"
TIMEOUT = "timeout"
COMPENSATION = "compensation"
PAUSE = "pause"
RESUME = "resume"
STOP = "stop"
PAIN_STOP = "pain_stop"
REST_START = "rest_start"
REST_END = "rest_end"
DIFFICULTY_STEP = "difficulty_step"
TRACKING_LOST = "tracking_lost"
TRACKING_RESTORED = "tracking_restored"
SESSION_START = "session_start"
SESSION_END = "session_end"
CHECKIN = "checkin"
MIRROR_MODE = "mirror_mode"
REPETITION = "repetition"  # one completed repetition with its metrics in data


@dataclass(frozen=True, slots=True)
class Event:
    """`t` is seconds on the session clock; `data` is JSON-serialisable."""

    t: float
    kind: str
    data: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"t": self.t, "kind": self.kind, "data": dict(self.data)}
