"""Between sessions, one readable example per rule: tolerance, weekly rise, pain limits,
absolute level, next morning, flare, plateau, easier today (exercises/dosing)."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from itertools import pairwise
from typing import Any

import pytest

from exercises.dosing import HarderThanPlan, next_dose, todays_dose
from exercises.plans import Plan, load_plan
from exercises.simulated_patients import SimStep, simulate
from telemetry.records import CheckinRecord, SessionRecord

PLAN = """\
[plan]
name = "Progression test"
affected_side = "right"
exercises = ["reaching"]
sessions_per_week = 5

[progression]
baseline_sessions = 3
start_fraction = 0.8
weekly_increase = 0.10
min_sessions_per_week = 2
max_pain_rise = 2
acceptable_pain = 5
next_day_margin = 2
flare_rise = 2
flare_days = 2
flare_hold_sessions = 3
plateau_weeks = 3
progress = ["reaching.repetitions", "reaching.reach_fraction"]

[session]
session_minutes = { start = 10.0, min = 5.0, max = 20.0, step = 1.0 }
pace = { start = 1.0, min = 0.5, max = 1.0, step = 0.1 }

[reaching]
reach_fraction = { start = 0.75, min = 0.3, max = 0.9, step = 0.01 }
target_radius = { start = 0.30, min = 0.15, max = 0.40, step = 0.025 }
repetitions = { start = 15, min = 6, max = 20, step = 1 }
"""

T0 = datetime(2026, 3, 2, 10, tzinfo=timezone.utc)  # a Monday


@pytest.fixture
def plan() -> Plan:
    return load_plan(PLAN, "test.toml")


def session(day: int, *, hits: int | None = None, met: bool = True, pre: int | None = 3,
            post: int | None = 3, during: int | None = None, pauses: int = 0,
            reps: int = 12, reach: float = 0.60, completed: bool = True,
            rests: int | None = None, answered: int | None = None) -> SessionRecord:
    summary: dict[str, Any] = {"hits": reps if hits is None else hits, "quota_met": met,
                               "pain_pauses": pauses}
    if rests is not None:
        summary["session"] = {"rests": rests}
        summary["pain_checks"] = rests if answered is None else answered
    return SessionRecord(
        session_id=f"s{day:03d}", exercise="reaching", started_at=T0 + timedelta(days=day),
        dose={"reaching": {"repetitions": reps, "reach_fraction": reach}}, completed=completed,
        quota_met=met, pain_pre=pre, pain_post=post, summary=summary,
        pain_in_session_max=during, pain_pauses=pauses)


def tolerance(**kw: Any) -> list[SessionRecord]:
    """Three tolerance sessions at the plan's start values (15 repetitions, reach 75 %)."""
    return [session(d, reps=15, reach=0.75, **kw) for d in (0, 1, 2)]


def daily(day: int, pain: int) -> CheckinRecord:
    return CheckinRecord(day, "p", None, "daily", T0 + timedelta(days=day, hours=-2),
                         {"pain": pain})


def quota(d: Any) -> tuple[int, float]:
    dose = d.dose("reaching")
    return dose.repetitions, dose.reach_fraction


# ------------------------------------------------------------------ tolerance
def test_tolerance_sessions_run_at_fixed_start_values_with_no_staircase(plan: Plan) -> None:
    d = next_dose(plan, [])
    assert d.phase["reaching"] == "baseline"
    assert quota(d) == (15, 0.75)
    assert "tolerance session 1 of 3" in d.reasons[0] and "no staircase" in d.reasons[0]
    today = todays_dose(plan, [], [], "reaching")
    assert today.bounds == {} and today.staircase() is None  # the baseline measures tolerance


def test_baseline_is_what_was_tolerated_and_the_quota_starts_at_80_percent(plan: Plan) -> None:
    hist = [session(0, reps=15, reach=0.75, hits=14), session(1, reps=15, reach=0.75, hits=15),
            session(2, reps=15, reach=0.75, hits=16)]  # 16 of 15 given: counted as 15
    d = next_dose(plan, hist)
    assert d.phase["reaching"] == "progressing"
    assert quota(d) == (11, pytest.approx(0.60))  # 0.8 x 14.67 = 11.7 -> 11 (easier side)
    assert any("baseline from 3 tolerance session(s) within limits" in r
               and "80 % of baseline" in r for r in d.reasons)
    assert todays_dose(plan, hist, [], "reaching").bounds["reach_fraction"] == (0.3, 0.6)


@pytest.mark.parametrize(("bad", "why"), [
    ({"post": 7}, "pain 7 after the session is above the acceptable 5"),
    ({"post": None}, "no post-session pain answer"),
    ({"pauses": 1}, "1 pain pause"),
    ({"completed": False}, "not completed"),
])
def test_a_tolerance_session_outside_the_limits_does_not_set_the_baseline(
        plan: Plan, bad: dict[str, Any], why: str) -> None:
    hist = [session(0, reps=15, reach=0.75), session(1, reps=15, reach=0.75, **bad),
            session(2, reps=15, reach=0.75)]
    d = next_dose(plan, hist[:2])
    assert any("does not count toward the baseline" in r and why in r for r in d.reasons)
    d = next_dose(plan, hist)
    assert d.phase["reaching"] == "baseline"  # two of three counted: tolerance goes on
    assert next_dose(plan, [*hist, session(3, reps=15, reach=0.75)]).phase["reaching"] == \
        "progressing"


# ------------------------------------------------------------------ the weekly rise
def with_week(**kw: Any) -> list[SessionRecord]:
    """Tolerance (quota 12 repetitions, reach 60 %), then a week of sessions on days 3, 4, 7."""
    return tolerance() + [session(d, **kw) for d in (3, 4, 7)]


def test_a_good_week_raises_one_parameter_by_at_most_10_percent(plan: Plan) -> None:
    hist = with_week()
    assert quota(next_dose(plan, hist, on=date(2026, 3, 11))) == (12, pytest.approx(0.60))
    d = next_dose(plan, hist, on=date(2026, 3, 12))  # day 10: the week has closed
    assert quota(d) == (13, pytest.approx(0.60))  # 1 of 1.2 (rounded down); reach waits its turn
    assert any(r.startswith("reaching: repetitions 12 -> 13: quota met in 3 of 3 sessions this "
                            "week, pain within limits; one parameter a week") for r in d.reasons)
    week2 = hist + [session(d, reps=13) for d in (10, 11, 14)]
    d2 = next_dose(plan, week2, on=date(2026, 3, 19))
    assert quota(d2) == (13, pytest.approx(0.66))  # then reach: 0.06 of 0.60, on the 0.01 grid
    raises = [c for c in d2.changes if c.kind == "raise"]
    assert [(c.name, c.week) for c in raises] == [
        ("repetitions", (date(2026, 3, 5), date(2026, 3, 12))),
        ("reach_fraction", (date(2026, 3, 12), date(2026, 3, 19)))]
    assert raises[0].sessions == ("s003", "s004", "s007")


def test_a_step_bigger_than_the_rate_rises_only_as_often_as_keeps_the_average() -> None:
    text = PLAN.replace("repetitions = { start = 15, min = 6, max = 20, step = 1 }",
                        "repetitions = { start = 15, min = 6, max = 30, step = 2 }").replace(
        'progress = ["reaching.repetitions", "reaching.reach_fraction"]',
        'progress = ["reaching.repetitions"]')
    plan = load_plan(text)
    hist = tolerance()  # quota 12 in steps of 2: one step is 17 %, more than 10 %
    reps = []
    for week in range(6):
        hist += [session(3 + 7 * week + k, reps=quota(next_dose(
            plan, hist, on=(T0 + timedelta(days=3 + 7 * week + k)).date()))[0]) for k in (0, 1)]
        reps.append(quota(next_dose(plan, hist, on=(T0 + timedelta(days=10 + 7 * week)).date()))[0])
    assert reps == [12, 14, 14, 16, 16, 18]  # one step every 2nd week: 8 % a week on average
    d = next_dose(plan, hist[:5], on=date(2026, 3, 12))
    assert any("repetitions waits: one step (2) is 17 % of 12, so it rises at most every 2 weeks"
               in r for r in d.reasons)


def test_a_good_day_earns_nothing_extra(plan: Plan) -> None:
    hist = with_week(hits=30)  # did far more than the quota
    assert quota(next_dose(plan, hist, on=date(2026, 3, 12)))[0] == 13


def test_held_when_a_quota_was_missed(plan: Plan) -> None:
    hist = with_week()
    hist[4] = session(4, met=False)
    d = next_dose(plan, hist, on=date(2026, 3, 12))
    assert quota(d)[0] == 12
    assert any(r.startswith("reaching: held: quota met in 2 of 3 sessions this week")
               for r in d.reasons)


@pytest.mark.parametrize(("change", "why"), [
    ({"pre": 2, "post": 5}, "pain rose 3 during the session (limit 2)"),
    ({"post": None}, "no post-session pain answer"),
    ({"pre": None}, "no pre-session pain answer"),
    ({"during": 6}, "pain 6 during the session is above the acceptable 5"),
    ({"post": 6, "pre": 5}, "pain 6 after the session is above the acceptable 5"),
    ({"pauses": 1}, "1 pain pause"),
    ({"rests": 2, "answered": 1}, "1 rest-break pain question not answered"),
])
def test_no_rise_in_a_week_with_a_missing_or_over_limit_answer_or_a_pain_pause(
        plan: Plan, change: dict[str, Any], why: str) -> None:
    hist = with_week()
    hist[4] = session(4, **change)
    d = next_dose(plan, hist, on=date(2026, 3, 12))
    assert quota(d) == (12, pytest.approx(0.60))
    held = next(r for r in d.reasons if r.startswith("reaching: held"))
    assert "pain not within limits" in held and why in held


def test_the_next_sessions_starting_pain_counts_toward_the_week(plan: Plan) -> None:
    hist = with_week()
    d = next_dose(plan, hist, on=date(2026, 3, 12), pre_pain=5)  # 2 worse: within the margin
    assert [c.kind for c in d.changes if c.kind != "baseline"] == ["raise"]
    d = next_dose(plan, hist, on=date(2026, 3, 12), pre_pain=6)  # 3 worse: more than it
    assert not [c for c in d.changes if c.kind == "raise"]
    held = next(r for r in d.reasons if r.startswith("reaching: held"))
    assert "3 worse" in held


def test_held_when_too_few_sessions(plan: Plan) -> None:
    hist = [*tolerance(), session(3)]
    d = next_dose(plan, hist, on=date(2026, 3, 12))
    assert quota(d)[0] == 12
    assert any("1 session(s) this week" in r for r in d.reasons)


# ------------------------------------------------------------------ drops
def test_above_the_acceptable_level_two_sessions_in_a_row_drops_one_level(plan: Plan) -> None:
    hist = [*tolerance(), session(3, post=6)]
    assert quota(next_dose(plan, hist)) == (12, pytest.approx(0.60))  # once: no drop
    hist.append(session(4, during=7))
    d = next_dose(plan, hist)
    assert quota(d) == (11, pytest.approx(0.59))  # every progressed field one step easier
    assert any(r.startswith("pain above the acceptable 5 in two sessions in a row") and
               "one level down" in r for r in d.reasons)
    drops = [c for c in d.changes if c.kind == "drop"]
    assert {c.sessions for c in drops} == {("s003", "s004")}


def test_one_session_above_then_one_within_does_not_drop(plan: Plan) -> None:
    hist = [*tolerance(), session(3, post=6), session(4), session(5, post=6)]
    assert quota(next_dose(plan, hist)) == (12, pytest.approx(0.60))


def test_pain_worse_the_next_morning_reduces_todays_dose(plan: Plan) -> None:
    hist = [*tolerance(), session(3, pre=3)]
    calm = next_dose(plan, hist, on=date(2026, 3, 6), pre_pain=5)  # 2 worse: the margin
    assert quota(calm) == (12, pytest.approx(0.60))
    worse = next_dose(plan, hist, on=date(2026, 3, 6), pre_pain=6)  # 3 worse: more than it
    assert quota(worse) == (11, pytest.approx(0.59))
    assert any("is 6, 3 worse than 3 at the start of the last one" in r and
               "the quota stays" in r for r in worse.reasons)
    assert [(c.kind, c.name) for c in worse.changes if c.kind != "baseline"] == [("today", "repetitions"),
                                                          ("today", "reach_fraction")]
    # Today only: the session after that one is back at the quota.
    later = next_dose(plan, [*hist, session(4, pre=6, reps=11, reach=0.59)])
    assert quota(later) == (12, pytest.approx(0.60))


def test_the_full_dose_is_never_offered_at_or_above_the_stop_level(plan: Plan) -> None:
    from exercises.dosing import day_options

    for pain, full, suggested in ((3, True, False), (6, True, True), (8, False, True),
                                  (10, False, True)):
        opts = day_options(plan, tolerance(), [], "reaching", pre_pain=pain)
        assert (opts.full is not None, opts.gate.suggest_easier) == (full, suggested), pain
        if not full:
            assert "not the full dose" in opts.gate.reason
            assert opts.easier.session.session_minutes < plan.ranges("session")[
                "session_minutes"].start


# ------------------------------------------------------------------ flare and plateau
def raises(steps: list[SimStep], key: str) -> list[tuple[int, float, float]]:
    out = []
    for a, b in pairwise(steps):
        if a.decision.phase["reaching"] == "baseline":
            continue  # the baseline sets the first quota; it is not a weekly raise
        if b.dose[key] > a.dose[key]:
            out.append((b.session, a.dose[key], b.dose[key]))
    return out


def test_improving_rises_at_most_10_percent_a_week_one_parameter_at_a_time(plan: Plan) -> None:
    steps = simulate(plan, "improving", 80, seed=3)
    both = raises(steps, "reach_fraction") + raises(steps, "repetitions")
    assert len(both) >= 6
    for _, old, new in both:
        assert new / old <= 1.10 + 1e-9
    rises_at = sorted(s for s, _, _ in both)
    assert len(rises_at) == len(set(rises_at))  # never two parameters at once
    days = [steps[i - 1].day for i in rises_at]
    assert all((b - a).days >= 7 for a, b in pairwise(days))  # once a week at most
    assert not any(s.decision.flags for s in steps)


def test_flaring_drops_one_level_holds_and_flags(plan: Plan) -> None:
    steps = simulate(plan, "flaring", 30, seed=1)
    first = next(i for i, s in enumerate(steps) if any(f.kind == "flare"
                                                      for f in s.decision.flags))
    drops = {c.name: c for c in steps[first].decision.changes
             if c.kind == "drop" and c.reason.startswith("flare")}
    assert drops["repetitions"].new == drops["repetitions"].old - 1  # one step down
    assert drops["reach_fraction"].new == pytest.approx(drops["reach_fraction"].old - 0.01)
    assert any(r.startswith("flare: pain") and "held for 3 completed sessions" in r
               for r in steps[first].decision.reasons)
    held = steps[first:first + 3]  # the 3 held sessions: nothing rises
    assert all(s.dose["repetitions"] <= drops["repetitions"].new for s in held)
    flag = next(f for f in steps[first].decision.flags if f.kind == "flare")
    assert "review" in flag.message and flag.evidence["threshold"] >= 4
    assert any("flare hold over" in r for s in steps[first:] for r in s.decision.reasons)


def test_the_flare_hold_counts_only_completed_sessions(plan: Plan) -> None:
    hist = [*tolerance(), session(3), session(4)]
    checks = [daily(d, 3) for d in range(5)] + [daily(5, 6), daily(6, 6)]
    d = next_dose(plan, hist, checks, on=date(2026, 3, 9))
    assert d.phase["reaching"] == "hold"
    # still in the flare when the first two sessions are started (and given up)
    played = [session(7, completed=False, pre=6), session(8, completed=False, pre=6),
              session(9), session(10)]
    checks += [daily(k, 3) for k in range(8, 12)]
    assert next_dose(plan, hist + played, checks).phase["reaching"] == "hold"  # 2 of 3
    assert next_dose(plan, [*hist, *played, session(11)], checks).phase["reaching"] == \
        "progressing"


def test_plateau_stops_rising_and_flags(plan: Plan) -> None:
    steps = simulate(plan, "plateau", 70, seed=2)
    flagged = [s for s in steps if any(f.kind == "plateau" for f in s.decision.flags)]
    assert flagged, "a plateau is flagged for the therapist"
    first = flagged[0]
    rises = [c.on for c in first.decision.changes if c.kind == "raise"]
    assert not rises or (first.day - max(rises)).days >= 3 * 7  # plateau_weeks without a rise
    msg = next(f for f in flagged[-1].decision.flags if f.kind == "plateau").message
    assert "no rise for" in msg and "weeks" in msg


def test_the_fearful_profile_never_rises_after_pain_above_the_acceptable_level() -> None:
    plan = load_plan((__import__("importlib.resources").resources.files("assets.plans")
                      / "neuropathic_upper_limb_seated.toml").read_text())
    steps = simulate(plan, "fearful", 40, seed=0)
    for a, b in pairwise(steps):
        recent = [s for s in steps if a.day - timedelta(days=7) <= s.day <= a.day]
        if any((s.pain_post or 0) > 5 or (s.pain_pre or 0) > 5 for s in recent):
            for k in b.dose:
                if k != "session_minutes":
                    assert b.dose[k] <= a.dose[k], (a.session, k)


def test_simulation_is_seeded(plan: Plan) -> None:
    a = [s.to_dict() for s in simulate(plan, "fearful", 20, seed=9)]
    b = [s.to_dict() for s in simulate(plan, "fearful", 20, seed=9)]
    assert a == b


def test_pure_and_order_independent(plan: Plan) -> None:
    hist = with_week()
    checks = [daily(d, 3) for d in range(8)]
    a = next_dose(plan, hist, checks, on=date(2026, 3, 12))
    shuffled = hist[:]
    random.Random(4).shuffle(shuffled)
    b = next_dose(plan, shuffled, list(reversed(checks)), on=date(2026, 3, 12))
    assert a == b


# ------------------------------------------------------------------ easier today
def test_easier_today_is_allowed_and_explained(plan: Plan) -> None:
    hist = tolerance()  # quota: 12 repetitions, reach 60 %
    t = todays_dose(plan, hist, [], "reaching",
                    easier={"session_minutes": 6, "pace": 0.7, "repetitions": 8,
                            "reach_fraction": 0.5, "target_radius": 0.35})
    assert t.session.session_minutes == 6.0 and t.session.pace == 0.7
    assert (t.dose.repetitions, t.dose.reach_fraction, t.dose.target_radius) == (8, 0.5, 0.35)
    assert "easier today: session 10 min -> 6 min" in t.reasons
    # the staircase may not undo the patient's choice, nor pass today's quota
    assert t.bounds["reach_fraction"] == (0.3, 0.5)
    assert t.bounds["target_radius"] == (0.35, 0.40)
    assert next_dose(plan, hist).dose("reaching").repetitions == 12  # the plan is untouched


@pytest.mark.parametrize(("key", "value"), [
    ("session_minutes", 12), ("pace", 1.0 + 1e-6), ("repetitions", 16),
    ("reach_fraction", 0.8), ("target_radius", 0.25), ("inter_target_s", 0.5),
])
def test_harder_than_the_plan_is_refused(plan: Plan, key: str, value: float) -> None:
    with pytest.raises(HarderThanPlan) as info:
        todays_dose(plan, [], [], "reaching", easier={key: value})
    assert key in str(info.value)


def test_easier_rejects_unknown_and_silly_values(plan: Plan) -> None:
    with pytest.raises(HarderThanPlan, match="cannot be changed"):
        todays_dose(plan, [], [], "reaching", easier={"pain_stop_threshold": 9})
    with pytest.raises(HarderThanPlan, match="above 0"):
        todays_dose(plan, [], [], "reaching", easier={"session_minutes": 0})


def test_an_exercise_without_progressed_fields_keeps_a_fixed_dose() -> None:
    text = PLAN.replace('progress = ["reaching.repetitions", "reaching.reach_fraction"]',
                        "progress = []")
    plan = load_plan(text)
    hist = [replace(s, dose={"reaching": {}}) for s in with_week()]
    d = next_dose(plan, hist, on=date(2026, 3, 12))
    assert quota(d) == (15, 0.75)
    assert d.reasons == ("reaching: fixed dose (the plan progresses nothing for reaching)",)
    assert not d.flags
