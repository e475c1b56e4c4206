"""Triage: who needs the therapist first, and what to do, in one sentence.

Role: the patient list, the patient page, the live view and the report all
ask the same question ("how is this patient, and what should I do?"), so
they ask here. A patient's open flags, recent pain answers, last session
date and adherence become a severity (urgent, review, on track) and the
reasons behind it, each with one suggested action in plain words, most
pressing first.

Rules (numbers are the plan's pain limits, CLINICAL.md 4/4b; defaults 5/8):
  urgent  - pain at or above the stop level (8) in the latest answers;
          - pain above the acceptable level (5) in the last two sessions;
          - pain rose by 3 or more over the last two sessions;
          - an open flare flag.
  review  - pain above the acceptable level once, or a pain pause, in the
            last session;
          - no session for `quiet_days` (6) days or more;
          - an open decline, plateau or adherence flag.
  on track - none of these.
Pure: "today" and the limits are arguments; no clock, no store.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal, Protocol

Severity = Literal["urgent", "review", "on_track"]
RANK: dict[str, int] = {"urgent": 0, "review": 1, "on_track": 2}
LABEL: dict[str, str] = {"urgent": "Urgent", "review": "Review", "on_track": "On track"}


class SessionPainLike(Protocol):
    """What triage reads of a session (telemetry.records.SessionRecord)."""

    @property
    def started_at(self) -> datetime: ...
    @property
    def pain_pre(self) -> int | None: ...
    @property
    def pain_post(self) -> int | None: ...
    @property
    def pain_in_session_max(self) -> int | None: ...
    @property
    def pain_pauses(self) -> int: ...


class FlagLike(Protocol):
    """What triage reads of a flag (telemetry.records.FlagRecord)."""

    @property
    def kind(self) -> str: ...
    @property
    def message(self) -> str: ...
    @property
    def status(self) -> str: ...


@dataclass(frozen=True, slots=True)
class TriageLimits:
    """The pain numbers of the patient's plan (defaults: CLINICAL.md)."""

    acceptable: int = 5
    stop: int = 8
    rise: int = 3  # a rise over two sessions that needs a look the same day
    quiet_days: int = 6  # no session for this long: contact
    in_session: int = 5  # guardrails.pain_stop_threshold: in-session pain above it pauses


@dataclass(frozen=True, slots=True)
class Reason:
    """One thing the therapist should know, with what to do about it."""

    severity: Severity
    sentence: str  # "Pain rose 3 points over 2 sessions: review the plan"


@dataclass(frozen=True, slots=True)
class Triage:
    """A patient's severity and its reasons, most pressing first."""

    severity: Severity
    reasons: tuple[Reason, ...] = field(default_factory=tuple)
    days_since_session: int | None = None

    @property
    def label(self) -> str:
        return LABEL[self.severity]

    @property
    def action(self) -> str:
        """The one sentence to show first."""
        if self.reasons:
            return self.reasons[0].sentence
        return "On track: no action needed"

    def sort_key(self) -> tuple[int, int, int]:
        """Most in need first: severity, then more reasons, then longer without a session."""
        quiet = self.days_since_session if self.days_since_session is not None else 10_000
        return RANK[self.severity], -len(self.reasons), -quiet

    def to_dict(self) -> dict[str, object]:
        return {"severity": self.severity, "label": self.label, "action": self.action,
                "reasons": [{"severity": r.severity, "sentence": r.sentence}
                            for r in self.reasons],
                "days_since_session": self.days_since_session}


def _answers(s: SessionPainLike) -> list[int]:
    return [v for v in (s.pain_pre, s.pain_in_session_max, s.pain_post) if v is not None]


def _pain_reasons(recent: Sequence[SessionPainLike], lim: TriageLimits) -> list[Reason]:
    """From the last two sessions (oldest first)."""
    out: list[Reason] = []
    if not recent:
        return out
    last = recent[-1]
    last_answers = _answers(last)
    top = max(last_answers, default=None)
    if top is not None and top >= lim.stop:
        out.append(Reason("urgent", f"Pain {top}/10 in the last session, at or above the stop "
                                    f"level {lim.stop}: call the patient today"))
    over = [max(_answers(s), default=-1) for s in recent[-2:]]
    if len(over) == 2 and all(v > lim.acceptable for v in over):
        out.append(Reason("urgent", f"Pain above {lim.acceptable} in the last 2 sessions "
                                    f"({over[0]}, {over[1]}): review the plan"))
    if len(recent) >= 2:
        first = recent[-2]
        start = first.pain_pre if first.pain_pre is not None else min(_answers(first), default=None)
        if start is not None and top is not None and top - start >= lim.rise:
            out.append(Reason("urgent", f"Pain rose {top - start} points over 2 sessions "
                                        f"({start} -> {top}): review the plan"))
    if not any(r.severity == "urgent" for r in out):
        if top is not None and top > lim.acceptable:
            out.append(Reason("review", f"Pain {top}/10 in the last session, above the "
                                        f"acceptable {lim.acceptable}: check how the patient is"))
        if last.pain_pauses:
            out.append(Reason("review", f"{last.pain_pauses} pain pause"
                                        f"{'s' if last.pain_pauses != 1 else ''} in the last "
                                        f"session: check the dose"))
    return out


def _headline(message: str) -> str:
    """A flag message's first clause, without a half-open parenthesis (its evidence)."""
    what = message.split(";")[0].split(". ")[0].rstrip(".").strip()
    if what.count("(") > what.count(")"):
        what = what[:what.rfind(" (")] if " (" in what else what.replace("(", "")
    return what[:140].rstrip()


FLAG_ACTIONS: dict[str, tuple[Severity, str]] = {
    "flare": ("urgent", "call the patient and go through the flare plan"),
    "decline": ("review", "review the plan"),
    "plateau": ("review", "review the plan"),
    "adherence": ("review", "contact the patient"),
}


def limits_from_plan_text(text: str | None) -> TriageLimits:
    """The pain numbers of a stored plan's TOML (telemetry does not import the plan checker:
    the text was validated when it was saved); the defaults where absent or unreadable."""
    import tomllib

    if not text:
        return TriageLimits()
    try:
        doc = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, RecursionError):
        return TriageLimits()

    def whole(table: str, key: str, default: int) -> int:
        v = doc.get(table, {}).get(key, default) if isinstance(doc.get(table), dict) else default
        return v if isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 10 else default

    return TriageLimits(acceptable=whole("progression", "acceptable_pain", 5),
                        stop=whole("guardrails", "pre_session_stop", 8),
                        in_session=whole("guardrails", "pain_stop_threshold", 5))


def triage(sessions: Sequence[SessionPainLike], flags: Iterable[FlagLike], *, today: date,
           limits: TriageLimits = TriageLimits()) -> Triage:
    """A patient's triage from their sessions (any order) and flags.

    Args:
        sessions: the patient's played sessions (demo recordings left out by the caller).
        flags: the patient's flags; only open ones count.
        today: the date triage is for (the caller's local date).
    """
    played = sorted(sessions, key=lambda s: s.started_at)
    reasons = _pain_reasons(played[-2:], limits)
    for f in flags:
        if f.status != "open" or f.kind not in FLAG_ACTIONS:
            continue
        severity, action = FLAG_ACTIONS[f.kind]
        reasons.append(Reason(severity, f"{_headline(f.message)}: {action}"))
    days = (today - played[-1].started_at.date()).days if played else None
    if days is not None and days >= limits.quiet_days:
        reasons.append(Reason("review", f"No session for {days} days: contact the patient"))
    reasons.sort(key=lambda r: RANK[r.severity])  # stable: rule order within a severity
    overall: Severity = reasons[0].severity if reasons else "on_track"
    return Triage(overall, tuple(reasons), days)


def by_need(items: Iterable[tuple[str, Triage]]) -> list[tuple[str, Triage]]:
    """(patient id, triage) pairs, most in need first (ties: by id, for a stable list)."""
    return sorted(items, key=lambda it: (*it[1].sort_key(), it[0]))


__all__ = ["LABEL", "RANK", "Reason", "Severity", "Triage", "TriageLimits", "by_need",
           "limits_from_plan_text", "triage"]
