"""Every pain rule of the dosing core as an invariant, checked on random plans and random
pain histories (hypothesis), not only on the examples of test_progression_rules.py.

The checks here restate each rule from CLINICAL.md 4/4b in the test's own words, on what a
reviewer can see from outside: the doses given, the scripted answers and the decision's
recorded changes (each rise names the week and the sessions that earned it). They do not
call the engine's helpers, so an engine bug cannot hide behind the same bug in the check.
"""

from __future__ import annotations

from datetime import date
from itertools import pairwise
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exercises.dosing import InSessionDosing, day_options, todays_dose
from exercises.dosing.between import DoseChange
from exercises.events import REPETITION, Event
from exercises.plans import Plan, load_plan
from exercises.simulated_patients import ScriptRow, SimStep, simulate_script

SETTINGS = settings(max_examples=120, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


# ------------------------------------------------------------------ strategies
@st.composite
def plans(draw: st.DrawFn) -> Plan:
    """Any plan the checker accepts without an override: every safeguard on, but every
    number free inside its safe range."""
    reps_min = draw(st.integers(2, 10))
    reps_step = draw(st.integers(1, 3))
    reps_max = reps_min + reps_step * draw(st.integers(1, 15))
    reps_start = reps_min + reps_step * draw(st.integers(0, (reps_max - reps_min) // reps_step))
    reach_step = draw(st.sampled_from([0.01, 0.025, 0.05, 0.1]))
    reach_min = 0.3
    reach_max = round(reach_min + reach_step * draw(st.integers(1, int(0.6 / reach_step))), 4)
    reach_start = round(reach_min + reach_step * draw(
        st.integers(0, round((reach_max - reach_min) / reach_step))), 4)
    acceptable = draw(st.integers(2, 6))
    text = f"""\
[plan]
name = "property plan"
exercises = ["reaching"]
sessions_per_week = 7

[progression]
baseline_sessions = {draw(st.integers(1, 4))}
start_fraction = {draw(st.sampled_from([0.5, 0.7, 0.8, 0.9, 1.0]))}
weekly_increase = {draw(st.sampled_from([0.02, 0.05, 0.1, 0.15, 0.2]))}
min_sessions_per_week = {draw(st.integers(1, 4))}
max_pain_rise = {draw(st.integers(0, 4))}
acceptable_pain = {acceptable}
next_day_margin = {draw(st.integers(1, 4))}
flare_rise = {draw(st.integers(1, 4))}
flare_days = {draw(st.integers(1, 3))}
flare_hold_sessions = {draw(st.integers(1, 5))}
plateau_weeks = {draw(st.integers(1, 4))}
progress = {draw(st.sampled_from([
        '["reaching.repetitions", "reaching.reach_fraction"]',
        '["reaching.reach_fraction", "reaching.repetitions"]',
        '["reaching.repetitions"]']))}

[guardrails]
pain_stop_threshold = {draw(st.integers(3, 7))}
pain_rise_limit = {draw(st.integers(1, 4))}
pre_session_stop = {draw(st.integers(max(acceptable + 1, 5), 9))}

[session]
session_minutes = {{ start = 10.0, min = 5.0, max = 20.0, step = 1.0 }}
pace = {{ start = 1.0, min = 0.5, max = 1.0, step = 0.1 }}

[reaching]
reach_fraction = {{ start = {reach_start}, min = {reach_min}, max = {reach_max}, step = {reach_step} }}
repetitions = {{ start = {reps_start}, min = {reps_min}, max = {reps_max}, step = {reps_step} }}
"""
    return load_plan(text, "property.toml")


pain = st.integers(0, 10)
maybe_pain = st.one_of(st.none(), pain, pain, pain)  # mostly answered


@st.composite
def scripts(draw: st.DrawFn, min_size: int = 1, max_size: int = 45) -> list[ScriptRow]:
    """A patient's sessions: answers (some missing), pain pauses, quota met or not. Calm
    stretches are likelier than noise, so rises (and what must stop them) both happen."""
    n = draw(st.integers(min_size, max_size))
    calm = draw(st.integers(0, 4))
    rows = []
    for i in range(1, n + 1):
        if draw(st.integers(0, 3)):  # a calm session
            pre = post = calm
            during: int | None = calm
            pauses, met = 0, True
        else:
            pre, post, during = draw(maybe_pain), draw(maybe_pain), draw(maybe_pain)
            pauses, met = draw(st.integers(0, 2)), draw(st.booleans())
        rows.append(ScriptRow(i, pre, during, pauses, post, met))
    return rows


# ------------------------------------------------------------------ what the rules say
def over(row: ScriptRow, acceptable: int) -> bool:
    return any(v is not None and v > acceptable
               for v in (row.pain_pre, row.pain_in_session_max, row.pain_post))


def within_limits(row: ScriptRow, nxt: ScriptRow | None, plan: Plan) -> list[str]:
    """CLINICAL.md 4b in the test's words: why this session may NOT count toward a rise."""
    p = plan.progression
    why = []
    if row.pain_pre is None or row.pain_post is None:
        why.append("missing answer")
    if over(row, p.acceptable_pain):
        why.append("above acceptable")
    if row.pain_pre is not None and row.pain_post is not None and \
            row.pain_post - row.pain_pre > p.max_pain_rise:
        why.append("rose too much")
    if row.pain_pauses:
        why.append("pain pause")
    if not row.quota_met:
        why.append("quota not met")
    if nxt is not None and nxt.pain_pre is not None:
        if nxt.pain_pre > p.acceptable_pain:
            why.append("next start above acceptable")
        if row.pain_pre is not None and nxt.pain_pre - row.pain_pre > p.next_day_margin:
            why.append("next start worse")
    return why


def run(plan: Plan, rows: list[ScriptRow]) -> tuple[list[SimStep], tuple[DoseChange, ...]]:
    steps = simulate_script(plan, rows)
    # The last decision holds every change since the start (and each cites its sessions).
    return steps, steps[-1].decision.changes


def session_number(sid: str) -> int:
    assert sid.startswith("sim-"), sid
    return int(sid.removeprefix("sim-"))


# ------------------------------------------------------------------ invariants
@SETTINGS
@given(plans(), scripts())
def test_every_dose_given_is_inside_the_plans_range(plan: Plan, rows: list[ScriptRow]) -> None:
    steps, _ = run(plan, rows)
    ranges = plan.ranges("reaching")
    for s in steps:
        for k in plan.progressed("reaching"):
            assert ranges[k].min - 1e-9 <= s.dose[k] <= ranges[k].max + 1e-9, (s.session, k)


@SETTINGS
@given(plans(), scripts())
def test_a_rise_only_follows_a_week_where_every_session_was_complete_and_within_limits(
        plan: Plan, rows: list[ScriptRow]) -> None:
    _, changes = run(plan, rows)
    by_number = {r.session: r for r in rows}
    for c in changes:
        if c.kind != "raise":
            continue
        numbers = [session_number(s) for s in c.sessions]
        assert len(numbers) >= plan.progression.min_sessions_per_week
        for n in numbers:
            problems = within_limits(by_number[n], by_number.get(n + 1), plan)
            assert not problems, (c, n, problems)


@SETTINGS
@given(plans(), scripts())
def test_one_parameter_a_week_by_at_most_the_weekly_rate(plan: Plan,
                                                         rows: list[ScriptRow]) -> None:
    _, changes = run(plan, rows)
    rate, week = plan.progression.weekly_increase, plan.progression.week_days
    raises = sorted((c for c in changes if c.kind == "raise"), key=lambda c: c.on)
    for a, b in pairwise(raises):
        assert (b.on - a.on).days >= week, (a, b)  # never two rises (of anything) in a week
    for c in raises:
        assert c.new > c.old
        # The previous change of the same parameter (baseline, drop or rise) starts the
        # clock: a rise that waited k weeks may be at most k x the rate (a step bigger than
        # one week's rate is allowed only once enough weeks have passed).
        before = [p.on for p in changes if p.name == c.name and p.kind != "today"
                  and p.on < c.on]
        weeks = max(1, (c.on - max(before)).days // week) if before else 1
        assert c.new - c.old <= rate * c.old * weeks + 1e-9, (c, weeks)


@SETTINGS
@given(plans(), scripts())
def test_two_sessions_in_a_row_above_the_acceptable_level_drop_the_quota(
        plan: Plan, rows: list[ScriptRow]) -> None:
    steps, changes = run(plan, rows)
    ranges = plan.ranges("reaching")
    acceptable = plan.progression.acceptable_pain
    drops = {c.sessions for c in changes if c.kind == "drop"}
    given = {s.session: s.dose for s in steps}
    # Counted as the rule says: a pair closes the streak, a third starts a new one.
    streak: list[ScriptRow] = []
    for r in rows:
        if not over(r, acceptable):
            streak = []
            continue
        streak.append(r)
        if len(streak) == 2:
            after = streak[1].session + 1  # the session decided after the pair
            if after in given:
                at_min = all(abs(given[after][k] - ranges[k].min) < 1e-9
                             for k in plan.progressed("reaching"))
                pair = tuple(f"sim-{x.session}" for x in streak)
                assert at_min or pair in drops, (pair, drops)
                for k in plan.progressed("reaching"):  # and never harder than before it
                    assert given[after][k] <= given[streak[0].session][k] + 1e-9
            streak = []


@SETTINGS
@given(plans(), scripts())
def test_a_pain_worse_start_makes_that_session_easier_and_never_the_full_dose_at_the_stop(
        plan: Plan, rows: list[ScriptRow]) -> None:
    steps, _ = run(plan, rows)
    stop = plan.guardrails.pre_session_stop
    margin = plan.progression.next_day_margin
    for prev, s in pairwise(steps):
        if s.pain_pre is not None and s.pain_pre >= stop:
            assert s.easier and s.dose["session_minutes"] < \
                plan.ranges("session")["session_minutes"].start
        worse = prev.pain_pre is not None and s.pain_pre is not None and \
            s.pain_pre - prev.pain_pre > margin
        today = [c for c in s.decision.changes if c.kind == "today" and c.on == s.day]
        if worse:
            at_min = all(abs(s.dose[k] - plan.ranges("reaching")[k].min) < 1e-9
                         for k in plan.progressed("reaching"))
            assert today or at_min, s.session
            for c in today:
                assert c.new < c.old and s.dose[c.name] == pytest.approx(c.new)
        else:
            assert not today, s.session


@SETTINGS
@given(plans(), scripts(max_size=20))
def test_the_same_history_always_gives_the_same_decision(plan: Plan,
                                                         rows: list[ScriptRow]) -> None:
    a, b = simulate_script(plan, rows), simulate_script(plan, rows)
    assert [(s.dose, s.decision.reasons) for s in a] == [(s.dose, s.decision.reasons) for s in b]


@SETTINGS
@given(plans(), st.integers(0, 10))
def test_the_full_dose_is_offered_only_below_the_stop_level(plan: Plan, pre: int) -> None:
    opts = day_options(plan, [], [], "reaching", pre_pain=pre)
    stop = plan.guardrails.pre_session_stop
    assert (opts.full is None) == (pre >= stop)
    assert opts.gate.suggest_easier == (pre > plan.progression.acceptable_pain)
    assert opts.easier.session.session_minutes < opts.easier.plan.ranges("session")[  # type: ignore[union-attr]
        "session_minutes"].start


# ------------------------------------------------------------------ within a session
class Target:
    def __init__(self) -> None:
        self.values: dict[str, float] = {}

    def set_difficulty(self, **changes: float) -> None:
        self.values.update(changes)


def past_baseline(plan: Plan) -> Any:
    from exercises.simulated_patients import SimSession, _at

    r = plan.ranges("reaching")
    return [SimSession("reaching", _at(date(2026, 1, 1 + i), 10), True, True, 1, 1,
                       {"quota_met": True, "hits": r["repetitions"].start, "pain_pauses": 0},
                       {"reaching": {"repetitions": r["repetitions"].start,
                                     "reach_fraction": r["reach_fraction"].start}},
                       session_id=f"t{i}", pain_in_session_max=1)
            for i in range(plan.progression.baseline_sessions)]


events = st.lists(st.one_of(st.booleans(), st.just("pain")), min_size=1, max_size=80)


@SETTINGS
@given(plans(), events)
def test_after_a_pain_pause_the_level_never_climbs_above_where_it_dropped(
        plan: Plan, seq: list[bool | str]) -> None:
    today = todays_dose(plan, past_baseline(plan), [], "reaching")
    dosing: InSessionDosing = today.in_session(Target())
    bounds = today.bounds
    ceiling: int | None = None
    for i, e in enumerate(seq):
        t = float(i)
        if e == "pain":
            dosing.pain_pause("pain 7/10", t)
            ceiling = dosing.level if ceiling is None else min(ceiling, dosing.level)
        else:
            dosing.on_events([Event(t, REPETITION, {"index": i, "hit": e})])
        if ceiling is not None:
            assert dosing.level <= ceiling
        if dosing.staircase is not None:
            for param in dosing.staircase.params:
                lo, hi = bounds[param.name]
                assert lo - 1e-9 <= dosing.staircase.values[param.name] <= hi + 1e-9
    log = dosing.log()
    assert log[0]["t_s"] == 0.0 and len(log) >= 1 + seq.count("pain")


@SETTINGS
@given(plans(), scripts())
def test_the_baseline_comes_only_from_tolerated_sessions_and_never_exceeds_what_was_given(
        plan: Plan, rows: list[ScriptRow]) -> None:
    steps, changes = run(plan, rows)
    given = {s.session: s.dose for s in steps}
    by_number = {r.session: r for r in rows}
    ranges, fraction = plan.ranges("reaching"), plan.progression.start_fraction
    baselines = [c for c in changes if c.kind == "baseline"]
    assert len({c.name for c in baselines}) == len(baselines)  # set once per parameter
    for c in baselines:
        assert len(c.sessions) == plan.progression.baseline_sessions
        for sid in c.sessions:
            problems = [p for p in within_limits(by_number[session_number(sid)], None, plan)
                        if p != "quota not met"]  # tolerance is measured, not a quota
            assert not problems, (c, sid, problems)
        # what was tolerated counts at most what was given in each tolerance session, times
        # the start fraction, on the plan's grid rounded easier
        mean_given = sum(given[session_number(sid)][c.name] for sid in c.sessions) / \
            len(c.sessions)
        assert c.new <= max(ranges[c.name].min, mean_given * fraction) + 1e-9, c
