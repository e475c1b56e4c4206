"""The dashboard's diary form <-> a daily diary entry (pure: no I/O, no web framework).

Why: a therapist who takes a phone call enters the patient's diary for them. The entry
must be the SAME as one from `neuroplay diary` (exercises.diary.DiaryEntry, stored as a
"daily" check-in), so the items, their 0-10 / yes-no ranges and their questions come
from telemetry.proms.ITEMS and exercises.diary.DIARY_ITEMS, each value is checked by
telemetry.proms.validate_score (the store's own check) and the consistency rule by
DiaryEntry.problems(); this module only maps form text onto them and puts each message
next to the field it is about. The day rule is the CLI's `--date` rule: the entry is
stored at noon local time of that day, and a day in the future is refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, tzinfo

from exercises.diary import DIARY_ITEMS, DiaryEntry
from telemetry.proms import ITEMS, validate_score

DATE_FIELD = "date"
SCORE_ITEMS: tuple[str, ...] = tuple(k for k in DIARY_ITEMS if ITEMS[k].max_value == 10)
YES_NO_ITEMS: tuple[str, ...] = tuple(k for k in DIARY_ITEMS if ITEMS[k].max_value == 1)
LABELS: dict[str, str] = {"pain": "Pain now", "worst_pain": "Worst pain", "sleep": "Sleep",
                          "mood": "Mood", "activity": "Activity done",
                          "medication_change": "Medication change", DATE_FIELD: "Date"}
ENTRY_HOUR = 12  # noon local time of the day, as `neuroplay diary --date`


@dataclass(frozen=True, slots=True)
class DiaryField:
    """One input of the form, as the template draws it."""

    name: str
    label: str
    question: str
    low: str  # the anchor of 0 (or "no")
    high: str  # the anchor of 10 (or "yes")
    yes_no: bool
    value: str
    error: str | None


@dataclass
class DiaryFormResult:
    entry: DiaryEntry | None
    day: date | None
    errors: dict[str, str] = field(default_factory=dict)  # field name -> one message

    @property
    def ok(self) -> bool:
        return self.entry is not None and self.day is not None and not self.errors


def empty_values(today: date) -> dict[str, str]:
    """A fresh form: today, nothing answered (no default score: a guess is not an answer)."""
    return {DATE_FIELD: today.isoformat(), **{k: "" for k in DIARY_ITEMS}}


def diary_fields(values: Mapping[str, str], errors: Mapping[str, str]) -> list[DiaryField]:
    """The date first, then the diary items in exercises.diary's order."""
    out = [DiaryField(DATE_FIELD, LABELS[DATE_FIELD], "The day the entry is for",
                      "", "", False, values.get(DATE_FIELD, ""), errors.get(DATE_FIELD))]
    for k in DIARY_ITEMS:
        it = ITEMS[k]
        out.append(DiaryField(k, LABELS[k], it.question, it.low, it.high, it.max_value == 1,
                              values.get(k, ""), errors.get(k)))
    return out


def _score(raw: str, key: str) -> tuple[int | None, str | None]:
    text = raw.strip()
    label = LABELS[key]
    if not text:
        return None, f"{label}: give a number 0-10"
    try:
        number = int(text)
    except ValueError:
        return None, f"{label}: {text[:20]!r} is not a whole number 0-10"
    try:
        return validate_score(number, what=label, top=ITEMS[key].max_value), None
    except ValueError as exc:
        return None, str(exc)


def _yes_no(raw: str, key: str) -> tuple[int | None, str | None]:
    text = raw.strip().lower()
    if text in ("yes", "1"):
        return 1, None
    if text in ("no", "0"):
        return 0, None
    return None, f"{LABELS[key]}: answer yes or no"


def _day(raw: str, today: date) -> tuple[date | None, str | None]:
    text = raw.strip()
    if not text:
        return None, "Date: give the day the entry is for (YYYY-MM-DD)"
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return None, f"Date: {text[:20]!r} is not a date (YYYY-MM-DD)"
    if day > today:
        return None, f"Date: {day.isoformat()} is in the future"
    return day, None


def parse_diary_form(values: Mapping[str, str], today: date) -> DiaryFormResult:
    """Form text -> a DiaryEntry and its day, or one message per invalid field."""
    errors: dict[str, str] = {}
    day, err = _day(values.get(DATE_FIELD, ""), today)
    if err:
        errors[DATE_FIELD] = err
    answers: dict[str, int] = {}
    for k in DIARY_ITEMS:
        v, err = (_yes_no if k in YES_NO_ITEMS else _score)(values.get(k, ""), k)
        if err:
            errors[k] = err
        elif v is not None:
            answers[k] = v
    # the diary's consistency rule (the worst pain of the day cannot be below the pain
    # now), checked as soon as both are numbers so every message comes at once
    probe = DiaryEntry(pain=answers.get("pain", 0), worst_pain=answers.get("worst_pain", 10),
                       sleep=answers.get("sleep", 0), mood=answers.get("mood", 0),
                       activity=answers.get("activity", 0),
                       medication_change=bool(answers.get("medication_change", 0)))
    problems = probe.problems()
    if problems:
        errors["worst_pain"] = f"{LABELS['worst_pain']}: {problems[0]}"
    if errors:
        return DiaryFormResult(None, day, errors)
    entry = probe
    return DiaryFormResult(entry, day)


def entry_time(day: date, tz: tzinfo) -> datetime:
    """When the entry is stored: noon local time of its day (as `neuroplay diary --date`)."""
    return datetime.combine(day, time(ENTRY_HOUR), tzinfo=tz)
