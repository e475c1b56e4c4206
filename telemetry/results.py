"""The result screen's words (pure: no store, no pygame).

Given today's session summary and the patient's stored history (oldest first, today's
session included or not): the game's result in its own terms ("Cups moved: 9 of 12",
"Beats on time: 18 of 24"), how today compares with the last session of the same game
("3 more than last time") and with the patient's first week ("You reach 12 % further
than in week 1"), this week's sessions against the plan ("This week: 3 of 5 sessions")
and the days in a row, and one sentence of encouragement. Words are encouraging and
never name pain as the goal: fewer than last time is said neutrally ("Last time: 5"),
never as a loss.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any

from telemetry.records import SessionRecord

# game -> (summary key of its count, the thing counted, plural) for the result in its own terms
COUNTS: dict[str, tuple[str, str]] = {
    "reaching": ("hits", "cups"),
    "tapping": ("on_beat", "beats on time"),
    "pinch": ("objects_moved", "berries"),
    "openclose": ("repetitions", "oranges squeezed"),
}
WEEK = timedelta(days=7)


def game_count(exercise: str, summary: Mapping[str, Any]) -> int | None:
    """The game's count in a session summary (tapping: the taps on the beat)."""
    if exercise == "tapping":
        taps, frac = summary.get("taps"), summary.get("on_beat_fraction")
        if isinstance(taps, int) and isinstance(frac, (int, float)):
            return round(taps * float(frac))
        return 0 if taps == 0 else None
    key = COUNTS.get(exercise, ("hits", ""))[0]
    value = summary.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def result_line(exercise: str, summary: Mapping[str, Any]) -> str | None:
    """Today's result in the game's own terms (None: the game has no count)."""
    n = game_count(exercise, summary)
    if n is None:
        return None
    if exercise == "reaching":
        of = summary.get("targets")
        return f"Cups moved to the table: {n}" + (f" of {of}" if isinstance(of, int) and of else "")
    if exercise == "tapping":
        taps = summary.get("taps")
        return f"Beats on time: {n}" + (f" of {taps} taps" if isinstance(taps, int) and taps else "")
    if exercise == "pinch":
        return f"Berries picked into the jar: {n}"
    if exercise == "openclose":
        return f"Oranges squeezed: {n}"
    return f"Done: {n}"


@dataclass(frozen=True, slots=True)
class Comparison:
    hits: int | None  # today's count (None: the game has no count)
    last_hits: int | None  # the previous session of the same game (None: first time)
    week_days: int  # days of this ISO week (Mon-Sun) with a session, today included
    streak_days: int  # consecutive days with a session, ending today
    exercise: str = "reaching"
    week_sessions: int = 0  # sessions this ISO week, today's included
    planned_per_week: int | None = None  # the plan's sessions a week (None: no plan)
    week1_count: float | None = None  # the game's mean count in the patient's first week
    week1_reach: float | None = None  # reaching: the mean reach fraction of the first week
    reach: float | None = None  # reaching: today's reach fraction

    @property
    def delta(self) -> int | None:
        if self.hits is None or self.last_hits is None:
            return None
        return self.hits - self.last_hits


def _utc(t: datetime) -> datetime:
    """Naive UTC (stored times may be aware or naive UTC)."""
    return t.astimezone(timezone.utc).replace(tzinfo=None) if t.tzinfo is not None else t


def compare(summary: Mapping[str, Any], exercise: str, history: Sequence[SessionRecord],
            today: datetime, *, session_id: str | None = None,
            planned_per_week: int | None = None) -> Comparison:
    """Today's result against `history` (today's own session, by `session_id`, is left out
    of "last time" and counted as today's day). The first week is the 7 days from the
    patient's first session of this game, compared only once today is past it."""
    today = _utc(today)
    earlier = [s for s in history if s.session_id != session_id and _utc(s.started_at) <= today]
    same = [s for s in earlier if s.exercise == exercise and game_count(exercise, s.summary) is not None]
    last = max(same, key=lambda s: _utc(s.started_at), default=None)
    hits = game_count(exercise, summary)
    days: set[date] = {_utc(s.started_at).date() for s in earlier} | {today.date()}
    monday = today.date() - timedelta(days=today.weekday())
    week = sum(1 for d in days if monday <= d <= today.date())
    sessions = 1 + sum(1 for s in earlier if monday <= _utc(s.started_at).date() <= today.date())
    streak, d = 0, today.date()
    while d in days:
        streak += 1
        d -= timedelta(days=1)
    week1_count = week1_reach = None
    if same:
        start = min(_utc(s.started_at) for s in same)
        if today - start >= WEEK:
            first = [s for s in same if _utc(s.started_at) - start < WEEK]
            counts = [game_count(exercise, s.summary) for s in first]
            week1_count = sum(c for c in counts if c is not None) / len(first)
            reaches = [float(s.summary["reach_fraction"]) for s in first
                       if isinstance(s.summary.get("reach_fraction"), (int, float))]
            week1_reach = sum(reaches) / len(reaches) if reaches else None
    reach = summary.get("reach_fraction")
    return Comparison(hits=hits, last_hits=None if last is None else game_count(exercise, last.summary),
                      week_days=week, streak_days=streak, exercise=exercise, week_sessions=sessions,
                      planned_per_week=planned_per_week, week1_count=week1_count, week1_reach=week1_reach,
                      reach=float(reach) if isinstance(reach, (int, float)) else None)


def week1_line(c: Comparison) -> str | None:
    """Against the first week: how much further the reach, or how many more than then."""
    if c.exercise == "reaching" and c.reach is not None and c.week1_reach:
        pct = round(100.0 * (c.reach / c.week1_reach - 1.0))
        if pct >= 1:
            return f"You reach {pct} % further than in week 1."
    if c.hits is not None and c.week1_count is not None:
        more = c.hits - round(c.week1_count)
        noun = COUNTS.get(c.exercise, ("", "more"))[1]
        if more >= 1:
            return f"{more} more {noun} than in week 1."
    return None


def plan_line(c: Comparison) -> str:
    """This week's sessions against the plan, as a streak to keep."""
    if c.planned_per_week:
        done = min(c.week_sessions, c.planned_per_week)
        marks = "".join("#" if i < done else "-" for i in range(c.planned_per_week))
        word = "session" if c.planned_per_week == 1 else "sessions"
        return f"This week: {c.week_sessions} of {c.planned_per_week} {word} [{marks}]"
    day_word = "day" if c.week_days == 1 else "days"
    return f"This week: {c.week_days} {day_word} of exercise"


ENCOURAGEMENT = (
    "Every session builds your strength and confidence.",
    "Steady practice is what makes everyday tasks easier.",
    "You showed up today, and that is what counts.",
    "Well done for keeping your plan going.",
)


def encouragement(c: Comparison, reason: str = "completed") -> str:
    """One sentence for the end of the session: about doing, never about pain."""
    if reason in ("stopped", "pain_stop"):
        return "Stopping when you need to is part of the plan. See you next time."
    if c.planned_per_week and c.week_sessions >= c.planned_per_week:
        return "That is this week's plan done. Well done!"
    if c.delta is not None and c.delta > 0:
        return "You did more than last time. Keep it up!"
    if c.streak_days >= 3:
        return f"{c.streak_days} days in a row: that is how progress is made."
    return ENCOURAGEMENT[(c.week_sessions + c.streak_days) % len(ENCOURAGEMENT)]


def comparison_lines(c: Comparison) -> list[str]:
    """The result screen's comparison lines, in plain words."""
    lines: list[str] = []
    if c.delta is not None and c.last_hits is not None:
        if c.delta > 0:
            lines.append(f"{c.delta} more than last time!")
        elif c.delta == 0:
            lines.append(f"As many as last time ({c.last_hits}).")
        else:
            lines.append(f"Last time: {c.last_hits}. Every session counts.")
    elif c.hits is not None and c.last_hits is None:
        lines.append("Your first time with this game: well done.")
    first_week = week1_line(c)
    if first_week:
        lines.append(first_week)
    lines.append(plan_line(c))
    if c.streak_days >= 2:
        lines.append(f"{c.streak_days} days in a row")
    return lines
