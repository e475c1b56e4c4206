"""Read-side records the store hands out (frozen dataclasses, plain values).

These are what the progression engine, trends, exports and the report read;
none of them knows about SQL. Timestamps are timezone-aware UTC datetimes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypedDict


class PlanVersion(TypedDict):
    """One stored version of a patient's plan (`Store.plan_history`), oldest first."""

    version: int
    author: str
    created_at: datetime | None
    toml_text: str


@dataclass(frozen=True, slots=True)
class PatientRecord:
    patient_id: str
    display_name: str | None
    affected_side: str
    seated: bool
    created_at: datetime


# A session whose `source` starts with this was played from a recording by `neuroplay demo`
# (--video / --replay): kept, but not part of the patient's record: history, check-ins and
# trials leave it out unless asked (`include_demo=True`), so trends, flags, adherence,
# progression, reports and exports never see it.
DEMO_SOURCE_PREFIX = "demo:"


@dataclass(frozen=True, slots=True)
class SessionRecord:
    """One session as the progression engine sees it."""

    session_id: str
    exercise: str
    started_at: datetime
    dose: dict[str, Any]
    completed: bool
    quota_met: bool
    pain_pre: int | None
    pain_post: int | None
    summary: dict[str, Any]
    ended_at: datetime | None = None
    source: str = "camera"
    mirror: str | None = None
    recovered: bool = False  # ended by crash recovery, summary derived from events
    decisions: tuple[str, ...] = ()
    pain_in_session_max: int | None = None  # the highest rest-break pain rating (in_session)
    pain_pauses: int = 0  # times the in-session pain rule paused the session

    @property
    def t0(self) -> float:
        """The game time at which the session started: event and trial times `t`
        are on the game's clock, which starts before the session (title, check-in,
        calibration); 0 for sessions recorded with t counted from their start."""
        clock = self.summary.get("clock")
        t0 = clock.get("t0_s") if isinstance(clock, Mapping) else None
        return float(t0) if isinstance(t0, (int, float)) and not isinstance(t0, bool) else 0.0

    @property
    def demo(self) -> bool:
        """Played from a recording by `neuroplay demo`: not one of the patient's sessions."""
        return self.source.startswith(DEMO_SOURCE_PREFIX)

    def at(self, t: float) -> datetime:
        """The moment of an event or trial at game time `t`."""
        return self.started_at + timedelta(seconds=t - self.t0)


@dataclass(frozen=True, slots=True)
class StoredEvent:
    session_id: str
    seq: int
    t: float
    kind: str
    data: dict[str, Any]
    recorded_at: datetime


@dataclass(frozen=True, slots=True)
class TrialRecord:
    session_id: str
    trial_index: int
    t: float
    outcome: str  # "hit", "miss", "timeout", or an exercise's own repetition outcome
    data: dict[str, Any]


@dataclass(frozen=True, slots=True)
class CheckinRecord:
    checkin_id: int
    patient_id: str
    session_id: str | None
    phase: str  # "pre", "post", "pain_stop", "daily" or "in_session" (at a rest break)
    at: datetime
    answers: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PsfsActivity:
    activity_id: int
    patient_id: str
    name: str
    created_at: datetime
    retired_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class PsfsRating:
    activity_id: int
    name: str
    at: datetime
    value: int


@dataclass(frozen=True, slots=True)
class FlagRecord:
    flag_id: int
    patient_id: str
    kind: str  # "flare", "decline", "plateau", "improvement", "adherence"
    measure: str
    raised_at: datetime
    message: str
    evidence: dict[str, Any]
    status: str  # "open" or "closed"
    closed_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class BodyMapRecord:
    """One stored sensory body map (telemetry.bodymap's compact form in `data`)."""

    map_id: int
    patient_id: str
    session_id: str | None
    at: datetime
    layer: str  # "patient" or "therapist"
    drawn_by: str  # "patient", "therapist" or "virtual_patient"
    data: dict[str, Any]
