"""The result screen's comparison with last time and the week (pure)."""

from __future__ import annotations

from datetime import datetime, timedelta

from telemetry.records import SessionRecord
from telemetry.results import compare, comparison_lines

TODAY = datetime(2026, 12, 3, 10, 0)  # a Thursday


def rec(sid: str, days_ago: int, hits: int | None, exercise: str = "reaching") -> SessionRecord:
    summary = {} if hits is None else {"hits": hits, "targets": 12}
    return SessionRecord(session_id=sid, exercise=exercise, started_at=TODAY - timedelta(days=days_ago, hours=1),
                         dose={}, completed=True, quota_met=False, pain_pre=3, pain_post=3, summary=summary)


def test_more_than_last_time_against_the_latest_session_of_the_same_game() -> None:
    history = [rec("a", 5, 9), rec("b", 2, 7), rec("c", 1, 4, exercise="tapping"), rec("now", 0, 10)]
    c = compare({"hits": 10}, "reaching", history, TODAY, session_id="now")
    assert c.last_hits == 7 and c.delta == 3  # b, not a (older) nor c (another game) nor today
    assert comparison_lines(c)[0] == "3 more than last time!"


def test_week_days_count_this_iso_week_only_and_the_streak_ends_today() -> None:
    # Mon (3 days ago), Wed (1), Thu (today, twice); last week's Sunday (4) is not this week.
    history = [rec("s", 4, 5), rec("m", 3, 5), rec("w", 1, 6), rec("t1", 0, 6)]
    c = compare({"hits": 8}, "reaching", history, TODAY, session_id="t2")
    assert c.week_days == 3
    assert c.streak_days == 2  # Wed, Thu (Tue missing)
    lines = comparison_lines(c)
    assert lines == ["2 more than last time!", "This week: 3 days of exercise", "2 days in a row"]


def test_first_time_and_fewer_are_said_kindly_without_pain() -> None:
    first = comparison_lines(compare({"hits": 4}, "reaching", [], TODAY))
    assert first == ["Your first time with this game: well done.", "This week: 1 day of exercise"]
    fewer = comparison_lines(compare({"hits": 4}, "reaching", [rec("a", 1, 9)], TODAY))
    assert fewer[0] == "Last time: 9. Every session counts."
    same = comparison_lines(compare({"hits": 9}, "reaching", [rec("a", 1, 9)], TODAY))
    assert same[0] == "As many as last time (9)."
    assert not any("pain" in line.lower() for line in first + fewer + same)


def test_a_game_without_a_count_gets_only_the_week() -> None:
    c = compare({}, "openclose", [rec("a", 1, None, exercise="openclose")], TODAY)
    assert c.hits is None and c.delta is None
    assert comparison_lines(c) == ["This week: 2 days of exercise", "2 days in a row"]
