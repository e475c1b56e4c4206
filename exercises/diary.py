"""The daily diary and the patient-facing flare plan (pure).

Why: pain, sleep and mood vary from day to day, and a flare is a run of days,
so the record must exist on days without exercise too. A diary entry is a
"daily" check-in (telemetry's existing store; trends and the flare rule read
"pre" and "daily" answers alike). The flare plan is the therapist's own words
from the plan's [flare_plan] table; the game and `neuroplay diary` show it
when a flare is detected from the pain answers (exercises.dosing's rule:
pain >= personal baseline + flare_rise on flare_days days in a row) or when
the patient says "I'm having a flare".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

DIARY_ITEMS: tuple[str, ...] = ("pain", "worst_pain", "sleep", "mood", "activity",
                                "medication_change")


class FlarePlan(BaseModel):
    """[flare_plan] in the plan: written by the therapist for the patient."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)
    steps: list[str] = Field(default_factory=lambda: [
        "Flares happen and they settle. You have not harmed yourself.",
        "Keep moving gently: do the easier session, or rest today if that is what you need.",
        "Use what has helped you before (warmth, relaxation, breathing, a short walk).",
        "Write your pain in the diary each day so your therapist can see how it goes.",
    ], min_length=1, max_length=12)
    reduce: str = Field(default="Today's session is shorter and slower; the plan goes back up "
                                "step by step when the flare settles.", max_length=500)
    call_when: str = Field(default="Call your therapist if the flare lasts more than a week, if "
                                   "you have new numbness or weakness, or if you are worried.",
                           max_length=500)
    contact: str = Field(default="", max_length=200)  # e.g. the clinic's phone number
    written_by: str = Field(default="", max_length=200)  # "" = the default text, not yet edited


@dataclass(frozen=True, slots=True)
class DiaryEntry:
    pain: int
    worst_pain: int
    sleep: int
    mood: int
    activity: int
    medication_change: bool
    flare: bool = False  # the patient says "I'm having a flare"

    def answers(self) -> dict[str, int]:
        """The check-in answers (0-10; yes/no as 1/0)."""
        out: dict[str, int] = {k: int(getattr(self, k)) for k in DIARY_ITEMS}
        if self.flare:
            out["flare"] = 1
        return out

    def problems(self) -> list[str]:
        """What is inconsistent (the worst pain of the day cannot be below the pain now)."""
        return ([f"worst pain {self.worst_pain} is below the pain now {self.pain}"]
                if self.worst_pain < self.pain else [])


@dataclass(frozen=True, slots=True)
class FlareStatus:
    flare: bool
    reason: str  # "" when no flare


def flare_status(detected: bool, detected_why: str, reported: bool) -> FlareStatus:
    """Why the flare plan is shown (both reasons when both hold)."""
    why = []
    if reported:
        why.append("you said you are having a flare")
    if detected:
        why.append(detected_why)
    return FlareStatus(bool(why), "; ".join(why))


def flare_plan_lines(plan: FlarePlan, status: FlareStatus) -> list[str]:
    """The patient-facing text, in order: why, the steps, what changes, when to call."""
    lines = ["Your flare plan", f"Why you see this: {status.reason}."]
    lines += [f"{i}. {s}" for i, s in enumerate(plan.steps, 1)]
    lines.append(f"What changes: {plan.reduce}")
    lines.append(f"When to call: {plan.call_when}")
    if plan.contact:
        lines.append(f"Contact: {plan.contact}")
    if not plan.written_by:
        lines.append("(General advice: your therapist has not written their own plan yet.)")
    return lines


def flare_plan_record(status: FlareStatus, plan: FlarePlan) -> dict[str, Any]:
    """What the report keeps about a showing of the plan."""
    return {"reason": status.reason, "written_by": plan.written_by or None,
            "steps": len(plan.steps)}
