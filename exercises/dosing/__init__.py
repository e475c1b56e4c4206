"""The dosing core: every rule that decides how much a patient does, in one place.

Pure logic (no pygame, no store, no clock). The call chain a newcomer can follow:

    plan (exercises/plans.py, validated TOML)
      -> day_options(plan, history, check_ins, game, pre_pain=...)    today.py
           next_dose(...)            between sessions: tolerance, weekly rise,
                                     absolute level, next morning, flare   between.py
           choose_raise(...)         one parameter a week, <= the rate      weekly.py
           pre_session_gate(...)     full / easier / rest                   pain.py
      -> DayOptions.choose(easier) -> TodaysDose
      -> TodaysDose.in_session(exercise) -> InSessionDosing                 in_session.py
           staircase after each trial; pain pause = one level down + a
           ceiling for the rest of the session; the therapist's remote
           easier/harder; the session's level log (`difficulty_steps`)
           Staircase                                                        staircase.py

The game (game/) and the clinic station only call these and word their
reasons; `docs/safety.md` lists each rule as a hazard mitigation with its test.
"""

from __future__ import annotations

from exercises.dosing.between import (
    CheckinLike,
    DoseChange,
    DoseDecision,
    Flag,
    SessionLike,
    next_dose,
)
from exercises.dosing.in_session import InSessionDosing, LevelEntry
from exercises.dosing.pain import (
    PainDecision,
    PainLimits,
    PainVerdict,
    PreSessionGate,
    SessionPain,
    in_session_decision,
    pre_session_gate,
    session_verdict,
)
from exercises.dosing.staircase import DifficultyStep, Staircase, StairParam
from exercises.dosing.today import (
    DayOptions,
    FullDoseRefused,
    HarderThanPlan,
    TodaysDose,
    day_options,
    easier_values,
    todays_dose,
)
from exercises.dosing.words import change, fmt_value, label

__all__ = [
    "CheckinLike",
    "DayOptions",
    "DifficultyStep",
    "DoseChange",
    "DoseDecision",
    "Flag",
    "FullDoseRefused",
    "HarderThanPlan",
    "InSessionDosing",
    "LevelEntry",
    "PainDecision",
    "PainLimits",
    "PainVerdict",
    "PreSessionGate",
    "SessionLike",
    "SessionPain",
    "StairParam",
    "Staircase",
    "TodaysDose",
    "change",
    "day_options",
    "easier_values",
    "fmt_value",
    "in_session_decision",
    "label",
    "next_dose",
    "pre_session_gate",
    "session_verdict",
    "todays_dose",
]
