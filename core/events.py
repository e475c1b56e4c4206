"""Timestamped facts that exercises emit and telemetry stores: the `Event` type and
every event kind, spelled once.

Why here and not in exercises/: telemetry derives trials and summaries from
these kinds but may not import exercises (docs/ARCHITECTURE.md), so it used to
spell them as bare strings. Both now import the names from this module.

Events are append-only. Trials and session summaries are derived from them,
so a crash loses at most the events not yet flushed (about a second).
The values are stored in databases: never change one, only add.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

# Kinds shared by every exercise.
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
VIEW_MODE = "view_mode"  # the 3-D / stereo view turned off (back to 2-D) or on again
LATENCY_ADJUSTMENT = "latency_adjustment"  # time limits widened for this machine's latency
REPETITION = "repetition"  # one completed repetition with its metrics in data

# Kinds one game emits, prefixed with its name (tapping's predates the rule).
REACH_HOLD_BROKEN = "reaching_hold_broken"  # the hand left the target mid-hold
REACH_COMPENSATION_END = "reaching_compensation_end"  # the trunk is back within limits
TAP = "tap"
PINCH_GRAB = "pinch_grab"
PINCH_PLACE = "pinch_place"
PINCH_DROP = "pinch_drop"
OPENCLOSE_CLOSED = "openclose_closed"
BREATHING = "breathing"  # a paced-breathing reading (rate, adherence, state) every few seconds

KINDS: frozenset[str] = frozenset(
    v for k, v in dict(globals()).items() if k.isupper() and isinstance(v, str))
"""Every kind above (a stored kind outside it came from a newer or older build)."""


@dataclass(frozen=True, slots=True)
class Event:
    """`t` is seconds on the session clock; `data` is JSON-serialisable."""

    t: float
    kind: str
    data: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"t": self.t, "kind": self.kind, "data": dict(self.data)}

__all__ = [  # noqa: RUF022  (kinds in one block, then the type)
    "BREATHING",
    "CHECKIN",
    "COMPENSATION",
    "DIFFICULTY_STEP",
    "HOLD_COMPLETE",
    "LATENCY_ADJUSTMENT",
    "MIRROR_MODE",
    "MISS",
    "MOVEMENT_ONSET",
    "OPENCLOSE_CLOSED",
    "PAIN_STOP",
    "PAUSE",
    "PINCH_DROP",
    "PINCH_GRAB",
    "PINCH_PLACE",
    "REACH_COMPENSATION_END",
    "REACH_HOLD_BROKEN",
    "REPETITION",
    "REST_END",
    "REST_START",
    "RESUME",
    "SESSION_END",
    "SESSION_START",
    "STOP",
    "TAP",
    "TARGET_SHOWN",
    "TIMEOUT",
    "TOUCH",
    "TRACKING_LOST",
    "TRACKING_RESTORED",
    "VIEW_MODE",
    "KINDS",
    "Event",
]
