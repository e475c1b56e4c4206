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


# ------------------------------------------------ the game's own terms, week 1, the plan
from telemetry.results import (
    ENCOURAGEMENT,
    encouragement,
    game_count,
    plan_line,
    result_line,
    week1_line,
)


def test_the_result_is_said_in_each_games_own_terms() -> None:
    assert result_line("reaching", {"hits": 9, "targets": 12}) == "Cups moved to the table: 9 of 12"
    assert result_line("tapping", {"taps": 24, "on_beat_fraction": 0.75}) == "Beats on time: 18 of 24 taps"
    assert result_line("pinch", {"objects_moved": 5}) == "Berries picked into the jar: 5"
    assert result_line("openclose", {"repetitions": 8}) == "Oranges squeezed: 8"
    assert result_line("openclose", {}) is None
    assert game_count("tapping", {"taps": 0, "on_beat_fraction": None}) == 0


def srec(sid: str, days_ago: int, exercise: str, summary: dict) -> SessionRecord:
    return SessionRecord(session_id=sid, exercise=exercise, started_at=TODAY - timedelta(days=days_ago),
                         dose={}, completed=True, quota_met=True, pain_pre=3, pain_post=3, summary=summary)


def test_reach_is_compared_with_the_first_week_once_it_is_over() -> None:
    week1 = [srec("a", 20, "reaching", {"hits": 6, "reach_fraction": 0.5}),
             srec("b", 18, "reaching", {"hits": 8, "reach_fraction": 0.5})]
    c = compare({"hits": 10, "reach_fraction": 0.56}, "reaching", week1, TODAY)
    assert c.week1_reach == 0.5 and c.week1_count == 7.0
    assert week1_line(c) == "You reach 12 % further than in week 1."
    assert "You reach 12 % further than in week 1." in comparison_lines(c)
    # still in the first week: nothing to compare with yet
    early = compare({"hits": 10, "reach_fraction": 0.56}, "reaching", [srec("a", 3, "reaching", {"hits": 6})], TODAY)
    assert early.week1_count is None and week1_line(early) is None
    # the same reach as week 1 but more cups: said in cups
    more = compare({"hits": 10, "reach_fraction": 0.5}, "reaching", week1, TODAY)
    assert week1_line(more) == "3 more cups than in week 1."


def test_hand_games_compare_their_own_count_with_last_time_and_week_1() -> None:
    hist = [srec("a", 10, "pinch", {"objects_moved": 3}), srec("b", 1, "pinch", {"objects_moved": 5})]
    c = compare({"objects_moved": 6}, "pinch", hist, TODAY)
    assert c.last_hits == 5 and c.delta == 1
    assert comparison_lines(c)[:2] == ["1 more than last time!", "3 more berries than in week 1."]


def test_the_week_is_counted_against_the_plan_as_a_streak() -> None:
    hist = [srec("m", 3, "reaching", {"hits": 5}), srec("w", 1, "reaching", {"hits": 5})]
    c = compare({"hits": 5}, "reaching", hist, TODAY, session_id="now", planned_per_week=5)
    assert c.week_sessions == 3
    assert plan_line(c) == "This week: 3 of 5 sessions [###--]"
    done = compare({"hits": 5}, "reaching", hist, TODAY, planned_per_week=3)
    assert encouragement(done) == "That is this week's plan done. Well done!"


def test_encouragement_is_one_sentence_that_never_names_pain() -> None:
    cases = [compare({"hits": h}, "reaching", hist, TODAY, planned_per_week=p)
             for h in (0, 5, 12) for p in (None, 2, 5)
             for hist in ([], [rec("a", 1, 5)], [rec("a", 1, 5), rec("b", 2, 5), rec("c", 3, 5)])]
    said = {encouragement(c, reason) for c in cases for reason in ("completed", "time_cap", "stopped", "pain_stop")}
    said |= set(ENCOURAGEMENT)
    assert len(said) >= 4
    for sentence in said:
        assert "pain" not in sentence.lower() and "hurt" not in sentence.lower()
        assert sentence.count(".") + sentence.count("!") <= 2 and not sentence[0].islower()
