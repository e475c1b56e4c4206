"""Read-side records the store hands out (frozen dataclasses, plain values).

These are what the progression engine, trends, exports and the report read;
none of them knows about SQL. Timestamps are timezone-aware UTC datetimes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class PatientRecord:
    patient_id: str
    display_name: str | None
    affected_side: str
    seated: bool
    created_at: datetime


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
    phase: str  # "pre", "post", "pain_stop" or "daily"
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
