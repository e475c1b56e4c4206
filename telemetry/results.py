"""The result screen's comparison with earlier sessions (pure: no store, no pygame).

Given today's session summary and the patient's stored history (oldest first, today's
session included or not), says how today compares with the last session of the same
game ("3 more than last time") and how many days of this week had a session, and how
many days in a row up to today. Words are encouraging and never name pain as the goal:
fewer than last time is said neutrally ("Last time: 5"), never as a loss.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any

from telemetry.records import SessionRecord


@dataclass(frozen=True, slots=True)
class Comparison:
    hits: int | None  # today's count (None: the game has no count)
    last_hits: int | None  # the previous session of the same game (None: first time)
    week_days: int  # days of this ISO week (Mon-Sun) with a session, today included
    streak_days: int  # consecutive days with a session, ending today

    @property
    def delta(self) -> int | None:
        if self.hits is None or self.last_hits is None:
            return None
        return self.hits - self.last_hits


def _utc(t: datetime) -> datetime:
    """Naive UTC (stored times may be aware or naive UTC)."""
    return t.astimezone(timezone.utc).replace(tzinfo=None) if t.tzinfo is not None else t


def compare(summary: Mapping[str, Any], exercise: str, history: Sequence[SessionRecord],
            today: datetime, *, session_id: str | None = None) -> Comparison:
    """Today's result against `history` (today's own session, by `session_id`, is left out
    of "last time" and counted as today's day)."""
    today = _utc(today)
    earlier = [s for s in history if s.session_id != session_id and _utc(s.started_at) <= today]
    same = [s for s in earlier if s.exercise == exercise and isinstance(s.summary.get("hits"), int)]
    last = max(same, key=lambda s: _utc(s.started_at), default=None)
    hits = summary.get("hits")
    days: set[date] = {_utc(s.started_at).date() for s in earlier} | {today.date()}
    monday = today.date() - timedelta(days=today.weekday())
    week = sum(1 for d in days if monday <= d <= today.date())
    streak, d = 0, today.date()
    while d in days:
        streak += 1
        d -= timedelta(days=1)
    return Comparison(hits=hits if isinstance(hits, int) else None,
                      last_hits=None if last is None else int(last.summary["hits"]),
                      week_days=week, streak_days=streak)


def comparison_lines(c: Comparison) -> list[str]:
    """The result screen's lines, in plain words."""
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
    day_word = "day" if c.week_days == 1 else "days"
    lines.append(f"This week: {c.week_days} {day_word} of exercise")
    if c.streak_days >= 2:
        lines.append(f"{c.streak_days} days in a row")
    return lines
