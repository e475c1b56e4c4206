"""Between sessions: baseline, weekly raise, flare, plateau, easier-for-today."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from itertools import pairwise
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exercises.plans import Plan, load_plan
from exercises.progression import HarderThanPlan, next_dose, todays_dose
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
flare_rise = 2
flare_days = 2
flare_hold_sessions = 3
plateau_weeks = 3
progress = ["reaching.repetitions", "reaching.reach_fraction"]

[session]
session_minutes = { start = 10.0, min = 5.0, max = 20.0, step = 1.0 }
pace = { start = 1.0, min = 0.5, max = 1.0, step = 0.1 }

[reaching]
reach_fraction = { start = 0.6, min = 0.3, max = 0.8, step = 0.01 }
target_radius = { start = 0.30, min = 0.15, max = 0.40, step = 0.025 }
repetitions = { start = 12, min = 6, max = 20, step = 1 }
"""

T0 = datetime(2026, 3, 2, 10, tzinfo=timezone.utc)  # a Monday


@pytest.fixture
def plan() -> Plan:
    return load_plan(PLAN, "test.toml")


def session(day: int, *, hits: int = 15, reach: float = 0.75, met: bool = True,
            pre: int | None = 3, post: int | None = 3, reps: int = 12) -> SessionRecord:
    return SessionRecord(
        session_id=f"s{day}", exercise="reaching", started_at=T0 + timedelta(days=day),
        dose={"reaching": {"repetitions": reps, "reach_fraction": 0.6}}, completed=True,
        quota_met=met, pain_pre=pre, pain_post=post,
        summary={"hits": hits, "reach_fraction": reach, "quota_met": met})


def daily(day: int, pain: int) -> CheckinRecord:
    return CheckinRecord(day, "p", None, "daily", T0 + timedelta(days=day, hours=-2),
                         {"pain": pain})


# ------------------------------------------------------------------ baseline
def test_tolerance_sessions_use_the_plans_start_values(plan: Plan) -> None:
    d = next_dose(plan, [])
    assert d.phase["reaching"] == "baseline"
    assert (d.dose("reaching").repetitions, d.dose("reaching").reach_fraction) == (12, 0.6)
    assert d.session.session_minutes == 10.0 and d.session.pain_stop_threshold == 5
    assert "tolerance session 1 of 3" in d.reasons[0]


def test_baseline_is_mean_achieved_and_quota_starts_at_80_percent(plan: Plan) -> None:
    hist = [session(0, hits=14, reach=0.70), session(1, hits=15, reach=0.75),
            session(2, hits=16, reach=0.80)]
    d = next_dose(plan, hist)
    assert d.phase["reaching"] == "progressing"
    assert d.dose("reaching").repetitions == 12  # 0.8 x 15
    assert d.dose("reaching").reach_fraction == pytest.approx(0.60)  # 0.8 x 0.75
    assert any("baseline from 3 tolerance session(s)" in r and "80 % of baseline" in r
               for r in d.reasons)


# ------------------------------------------------------------------ weekly rule
def baseline_and_week(**kw: Any) -> list[SessionRecord]:
    base = [session(0), session(1), session(2)]
    week = [session(d, **kw) for d in (3, 4, 7)]  # the week runs from day 3 to day 9
    return base + week


def test_raise_after_a_week_with_every_quota_met(plan: Plan) -> None:
    hist = baseline_and_week()
    assert next_dose(plan, hist, on=date(2026, 3, 11)).dose("reaching").repetitions == 12
    d = next_dose(plan, hist, on=date(2026, 3, 12))  # day 10: the week has closed
    assert d.dose("reaching").repetitions == 13  # 12 + 10 % rounded to the step
    assert d.dose("reaching").reach_fraction == pytest.approx(0.66)
    assert ("reaching: repetitions 12 -> 13, reach 60 % -> 66 %: quota met in 3 of 3 sessions "
            "this week, pain within limits") in d.reasons


def test_a_good_day_earns_nothing_extra(plan: Plan) -> None:
    hist = baseline_and_week(hits=30)  # did far more than the quota
    assert next_dose(plan, hist, on=date(2026, 3, 12)).dose("reaching").repetitions == 13


def test_held_when_a_quota_was_missed(plan: Plan) -> None:
    hist = baseline_and_week()
    hist[4] = session(4, met=False)
    d = next_dose(plan, hist, on=date(2026, 3, 12))
    assert d.dose("reaching").repetitions == 12
    assert "reaching: held: quota met in 2 of 3 sessions this week" in d.reasons


def test_held_when_pain_rose_too_much(plan: Plan) -> None:
    hist = baseline_and_week()
    hist[5] = session(7, pre=2, post=5)
    d = next_dose(plan, hist, on=date(2026, 3, 12))
    assert d.dose("reaching").repetitions == 12
    assert any("pain rose more than 2 in 1 of 3 sessions" in r for r in d.reasons)


def test_held_when_too_few_sessions(plan: Plan) -> None:
    hist = [session(0), session(1), session(2), session(3)]
    d = next_dose(plan, hist, on=date(2026, 3, 12))
    assert d.dose("reaching").repetitions == 12
    assert any("1 session(s) this week" in r for r in d.reasons)


def test_pure_and_order_independent(plan: Plan) -> None:
    hist = baseline_and_week()
    checks = [daily(d, 3) for d in range(8)]
    a = next_dose(plan, hist, checks, on=date(2026, 3, 12))
    shuffled = hist[:]
    random.Random(4).shuffle(shuffled)
    b = next_dose(plan, shuffled, list(reversed(checks)), on=date(2026, 3, 12))
    assert a == b


# ------------------------------------------------------------------ simulated patients
def raises(steps: list[SimStep], key: str) -> list[tuple[int, float, float]]:
    out = []
    for a, b in pairwise(steps):
        if a.decision.phase["reaching"] == "baseline":
            continue  # the baseline sets the first quota; it is not a weekly raise
        if b.dose[key] > a.dose[key]:
            out.append((b.session, a.dose[key], b.dose[key]))
    return out


def test_improving_rises_about_10_percent_a_week_and_stops_at_the_max(plan: Plan) -> None:
    steps = simulate(plan, "improving", 60, seed=3)
    reach = raises(steps, "reach_fraction")
    assert len(reach) >= 3
    for _, old, new in reach:
        assert 1.05 <= new / old <= 1.15  # about 10 % (on the 0.01 grid, capped at the max)
    days = [steps[i - 1].day for i, _, _ in reach]
    assert all((b - a).days >= 7 for a, b in pairwise(days))  # once a week
    assert max(s.dose["reach_fraction"] for s in steps) == pytest.approx(0.8)
    assert max(s.dose["repetitions"] for s in steps) == 20
    assert steps[-1].dose["reach_fraction"] == pytest.approx(0.8)
    assert steps[-1].dose["repetitions"] == 20
    assert any("held at the plan's maximum" in r for s in steps for r in s.decision.reasons)
    assert not any(s.decision.flags for s in steps)


def test_flaring_drops_one_level_holds_and_flags(plan: Plan) -> None:
    steps = simulate(plan, "flaring", 30, seed=1)
    first = next(i for i, s in enumerate(steps) if any(f.kind == "flare"
                                                      for f in s.decision.flags))
    before, at = steps[first - 1].dose, steps[first].dose
    assert at["repetitions"] == before["repetitions"] - 1  # one step down
    assert at["reach_fraction"] == pytest.approx(before["reach_fraction"] - 0.01)
    assert any(r.startswith("flare: pain") and "held for 3 sessions" in r
               for r in steps[first].decision.reasons)
    held = steps[first:first + 4]  # the dropped session plus the 3 held ones
    assert len({(s.dose["repetitions"], s.dose["reach_fraction"]) for s in held}) == 1
    flag = next(f for f in steps[first].decision.flags if f.kind == "flare")
    assert "review" in flag.message and flag.evidence["threshold"] >= 4
    assert any("flare hold over" in r for s in steps[first:] for r in s.decision.reasons)


def test_plateau_stops_rising_and_flags(plan: Plan) -> None:
    steps = simulate(plan, "plateau", 40, seed=2)
    flagged = [s for s in steps if any(f.kind == "plateau" for f in s.decision.flags)]
    assert flagged, "a plateau is flagged for the therapist"
    first = flagged[0].session
    assert not raises(steps[first - 1:], "repetitions")  # no rise once flagged
    msg = next(f for f in flagged[-1].decision.flags if f.kind == "plateau").message
    assert "no rise for" in msg and "weeks" in msg
    assert steps[-1].dose["repetitions"] < 20


def test_simulation_is_seeded(plan: Plan) -> None:
    a = [s.to_dict() for s in simulate(plan, "fearful", 20, seed=9)]
    b = [s.to_dict() for s in simulate(plan, "fearful", 20, seed=9)]
    assert a == b


# ------------------------------------------------------------------ easier today
def test_easier_today_is_allowed_and_explained(plan: Plan) -> None:
    t = todays_dose(plan, [], [], "reaching",
                    easier={"session_minutes": 6, "pace": 0.7, "repetitions": 8,
                            "reach_fraction": 0.5, "target_radius": 0.35})
    assert t.session.session_minutes == 6.0 and t.session.pace == 0.7
    assert (t.dose.repetitions, t.dose.reach_fraction, t.dose.target_radius) == (8, 0.5, 0.35)
    assert "easier today at the patient's request: session 10 min -> 6 min" in t.reasons
    # the staircase may not undo the patient's choice
    assert t.bounds["reach_fraction"] == (0.3, 0.5)
    assert t.bounds["target_radius"] == (0.35, 0.40)
    # the plan itself is untouched
    assert next_dose(plan, []).dose("reaching").repetitions == 12


@pytest.mark.parametrize(("key", "value"), [
    ("session_minutes", 12), ("pace", 1.0 + 1e-6), ("repetitions", 13),
    ("reach_fraction", 0.65), ("target_radius", 0.25), ("inter_target_s", 0.5),
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
    hist = baseline_and_week()
    d = next_dose(plan, hist, on=date(2026, 3, 12))
    assert (d.dose("reaching").repetitions, d.dose("reaching").reach_fraction) == (12, 0.6)
    assert d.reasons == ("reaching: fixed dose (the plan progresses nothing for reaching)",)
    assert not d.flags


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 90), st.booleans(), st.integers(0, 10),
                          st.integers(0, 10), st.integers(0, 40)), max_size=60),
       st.lists(st.tuples(st.integers(0, 90), st.integers(0, 10)), max_size=60))
def test_any_history_keeps_the_dose_inside_the_plan(
        sessions: list[tuple[int, bool, int, int, int]], pains: list[tuple[int, int]]) -> None:
    plan = load_plan(PLAN)
    hist = [replace(session(d, met=m, pre=pre, post=post, hits=h), session_id=f"s{i:03d}")
            for i, (d, m, pre, post, h) in enumerate(sessions)]
    checks = [daily(d, p) for d, p in pains]
    d = next_dose(plan, hist, checks)
    r = plan.ranges("reaching")
    dose = d.dose("reaching")
    for k in ("repetitions", "reach_fraction", "target_radius"):
        assert r[k].min - 1e-9 <= getattr(dose, k) <= r[k].max + 1e-9
    assert isinstance(dose.repetitions, int) and d.reasons
    assert {f.kind for f in d.flags} <= {"flare", "plateau"}
    assert d == next_dose(plan, list(reversed(hist)), list(reversed(checks)))
