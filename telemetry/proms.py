"""Patient-reported measures: our own 0-10 check-in items and the PSFS.

The wording is ours (no licensed questionnaire text). Every item is an
integer 0-10 with plain-words anchors; pain is asked before and after each
session, at each rest break ("in_session": the answer the runner's pain rule
reads, which may pause the session) and whenever the patient stops for pain. The Patient-Specific
Functional Scale holds up to five activities the patient names, each rated
weekly 0 (cannot do it) to 10 (as well as before the problem).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Item:
    key: str
    question: str
    low: str  # anchor for 0
    high: str  # anchor for 10
    higher_is_worse: bool
    max_value: int = 10  # yes/no items (the daily diary's) are 0 = no, 1 = yes


ITEMS: dict[str, Item] = {
    "pain": Item("pain", "How strong is your pain right now?",
                 "no pain", "the worst pain you can imagine", True),
    "interference": Item("interference", "Over the last day, how much did pain get in the way "
                         "of what you wanted to do?", "not at all", "completely", True),
    "sleep": Item("sleep", "How well did you sleep last night?",
                  "very badly", "very well", False),
    "mood": Item("mood", "How is your mood today?", "very low", "very good", False),
    # the daily diary (exercises/diary.py; docs/therapies.md)
    "worst_pain": Item("worst_pain", "How strong was your worst pain in the last day?",
                       "no pain", "the worst pain you can imagine", True),
    "activity": Item("activity", "How much of what you planned to do today did you do?",
                     "none of it", "all of it", False),
    "medication_change": Item("medication_change", "Has your pain medication changed since "
                              "your last entry?", "no", "yes", True, max_value=1),
    "flare": Item("flare", "Are you having a flare?", "no", "yes", True, max_value=1),
}

PHASES = ("pre", "post", "pain_stop", "daily", "in_session")
PSFS_MAX_ACTIVITIES = 5
PSFS_QUESTION = ("How well can you do this activity today? "
                 "0 = unable to do it, 10 = as well as before your problem.")


def validate_answers(phase: str, answers: Mapping[str, int]) -> dict[str, int]:
    """Checked copy of a check-in; ValueError names the bad phase, item or value."""
    if phase not in PHASES:
        raise ValueError(f"unknown check-in phase {phase!r}; expected one of {', '.join(PHASES)}")
    if not answers:
        raise ValueError("a check-in needs at least one answer")
    out: dict[str, int] = {}
    for key, value in answers.items():
        if key not in ITEMS:
            raise ValueError(f"unknown check-in item {key!r}; expected one of {', '.join(ITEMS)}")
        out[key] = validate_score(value, what=key, top=ITEMS[key].max_value)
    return out


def validate_score(value: object, *, what: str, top: int = 10) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        else:
            raise ValueError(f"{what} must be a whole number 0-10, got {value!r}")
    if not 0 <= value <= top:
        raise ValueError(f"{what} must be {'0 (no) or 1 (yes)' if top == 1 else f'0-{top}'}, "
                         f"got {value}")
    return value
