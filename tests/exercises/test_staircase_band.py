"""Within a session: the rolling-success staircase and the in-session pain drop."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exercises.doses import SessionDose, make_dose
from exercises.dosing import Staircase, StairParam, todays_dose
from exercises.events import DIFFICULTY_STEP, REPETITION, Event
from exercises.plans import load_plan
from exercises.registry import make_exercise
from exercises.session import SessionRunner
from telemetry.records import SessionRecord

REACH = StairParam("reach_fraction", 0.3, 0.9, 0.05, +1)
RADIUS = StairParam("target_radius", 0.15, 0.40, 0.025, -1)
START = {"reach_fraction": 0.6, "target_radius": 0.30}


def stair(**kw: object) -> Staircase:
    return Staircase([REACH, RADIUS], START, **kw)  # type: ignore[arg-type]


def test_nothing_moves_before_min_trials() -> None:
    s = stair()
    assert [s.update(True) for _ in range(4)] == [None] * 4
    assert s.values == START


def test_steps_up_above_the_band_alternating_distance_then_size() -> None:
    s = stair()
    steps = [x for x in (s.update(True) for _ in range(10)) if x]
    assert len(steps) == 2
    assert steps[0].changes() == {"reach_fraction": 0.65}
    assert steps[1].changes() == {"target_radius": 0.275}  # smaller is harder
    assert steps[0].direction == "up" and "above 85 %" in steps[0].why


def test_steps_down_below_the_band() -> None:
    s = stair()
    step = None
    for _ in range(5):
        step = s.update(False) or step
    assert step is not None and step.direction == "down"
    assert step.changes() == {"reach_fraction": 0.55}
    assert "below 70 %" in step.why and step.success_rate == 0.0


def test_inside_the_band_holds() -> None:
    s = stair(window=10, min_trials=10)
    pattern = [True, True, True, False, True, True, True, False, True, True]  # 80 %
    assert all(s.update(x) is None for x in pattern)
    assert s.success_rate == pytest.approx(0.8) and s.values == START


def test_rolling_window_is_the_last_n_trials() -> None:
    s = stair(window=10, min_trials=10, band=(0.5, 0.95))
    for x in [False] * 3 + [True] * 7:
        s.update(x)
    assert s.success_rate == pytest.approx(0.7)
    s.update(True)  # the oldest miss leaves the window
    assert s.success_rate == pytest.approx(0.8)


def test_event_carries_from_to_and_why() -> None:
    s = stair()
    step = next(x for x in (s.update(True) for _ in range(5)) if x)
    e = step.event(12.5)
    assert e.kind == DIFFICULTY_STEP and e.t == 12.5
    assert e.data["from"] == START
    assert e.data["to"] == {"reach_fraction": 0.65, "target_radius": 0.30}
    assert e.data["why"].startswith("success 100 % over the last 5 trials")


def test_at_the_bounds_nothing_moves_further() -> None:
    s = Staircase([StairParam("reach_fraction", 0.3, 0.4, 0.05, +1)], {"reach_fraction": 0.4})
    assert all(s.update(True) is None for _ in range(30))
    assert s.values == {"reach_fraction": 0.4}


@settings(max_examples=60, deadline=None)
@given(st.lists(st.booleans(), min_size=1, max_size=120))
def test_never_outside_the_days_bounds(trials: list[bool]) -> None:
    s = stair()
    for x in trials:
        step = s.update(x)
        if step is not None:
            assert sum(1 for k in step.after if step.after[k] != step.before[k]) == 1
        assert 0.3 - 1e-9 <= s.values["reach_fraction"] <= 0.9 + 1e-9
        assert 0.15 - 1e-9 <= s.values["target_radius"] <= 0.40 + 1e-9
        # on the plan's grid
        assert abs(round((s.values["reach_fraction"] - 0.3) / 0.05) * 0.05
                   - (s.values["reach_fraction"] - 0.3)) < 1e-9


def test_converges_into_the_band_for_a_patient_whose_success_depends_on_distance() -> None:
    rng = np.random.default_rng(5)
    s = stair(min_trials=5)
    hits = []
    for _ in range(400):
        p = float(np.clip(1.4 - s.values["reach_fraction"] * 1.2, 0.0, 1.0))  # farther = harder
        hit = bool(rng.uniform() < p)
        hits.append(hit)
        s.update(hit)
    late = np.mean(hits[-200:])
    assert 0.65 <= late <= 0.90


def test_drop_one_level_moves_every_parameter_easier() -> None:
    s = stair()
    step = s.drop_one_level("pain 7/10 is above 5")
    assert step is not None and step.direction == "down"
    assert step.after == {"reach_fraction": 0.55, "target_radius": 0.325}
    assert step.why == "one level down: pain 7/10 is above 5"
    floor = Staircase([StairParam("reach_fraction", 0.3, 0.9, 0.05, +1)],
                      {"reach_fraction": 0.3})
    assert floor.drop_one_level("pain") is None  # already easiest: nothing to log


def test_rejects_impossible_set_up() -> None:
    with pytest.raises(ValueError, match="band"):
        stair(band=(0.9, 0.8))
    with pytest.raises(ValueError, match="min_trials"):
        stair(window=4, min_trials=5)
    with pytest.raises(ValueError, match="step"):
        StairParam("x", 0, 1, 0, 1)


PLAN = """\
[plan]
name = "Staircase test"
exercises = ["reaching"]

[staircase]
band_low = 0.70
band_high = 0.85
window = 10
min_trials = 5

[reaching]
reach_fraction = { start = 0.6, min = 0.3, max = 0.9, step = 0.05 }
target_radius = { start = 0.30, min = 0.15, max = 0.40, step = 0.025 }
"""


def tolerated(n: int = 3) -> list[SessionRecord]:
    """n tolerance sessions within pain limits at the plan's start values: the plan is past
    its baseline, so today's staircase runs (tolerance sessions have none)."""
    t0 = datetime(2026, 3, 2, 10, tzinfo=timezone.utc)
    return [SessionRecord(session_id=f"t{i}", exercise="reaching",
                          started_at=t0 + timedelta(days=i),
                          dose={"reaching": {"reach_fraction": 0.6, "target_radius": 0.30}},
                          completed=True, quota_met=True, pain_pre=2, pain_post=2,
                          summary={"hits": 12}) for i in range(n)]


def test_tolerance_sessions_have_no_staircase() -> None:
    plan = load_plan(PLAN)
    today = todays_dose(plan, tolerated(2), [], "reaching")
    assert today.phase == "baseline" and today.bounds == {} and today.staircase() is None


def test_for_today_respects_an_easier_day() -> None:
    plan = load_plan(PLAN)
    today = todays_dose(plan, tolerated(), [], "reaching", easier={"reach_fraction": 0.4})
    s = today.staircase()
    assert s is not None and s.values["reach_fraction"] == 0.4
    for _ in range(60):
        s.update(True)
    assert s.values["reach_fraction"] == 0.4  # never harder than the patient chose today
    assert s.values["target_radius"] == 0.15  # size still follows the band, to the plan's min


def reaching(reach: float = 0.45, radius: float = 0.30) -> Any:
    return make_exercise("reaching", make_dose("reaching", reach_fraction=reach,
                                               target_radius=radius),
                         None, np.random.default_rng(0))


def test_pain_pause_drops_one_level_and_the_level_never_climbs_back_that_session() -> None:
    """The issue's first repro: after a pain pause the staircase must not climb past the
    level it dropped to, however well the patient does afterwards."""
    plan = load_plan(PLAN)
    today = todays_dose(plan, tolerated(), [], "reaching")
    exercise = reaching(today.dose.reach_fraction, today.dose.target_radius)
    dosing = today.in_session(exercise)
    runner = SessionRunner(exercise, SessionDose(), pre_pain=3, dosing=dosing)
    calm = runner.in_session_pain(4)
    assert not calm.must_drop and runner.state != "paused"
    before = dosing.level
    spike = runner.in_session_pain(6)  # > 5 and a rise of 3 over the pre-session 3
    assert spike.must_drop and runner.state == "paused"
    dropped = dosing.level
    assert dropped < before and dosing.ceiling == dropped  # every parameter one step easier
    reach_after = exercise.reach_fraction
    assert reach_after < today.dose.reach_fraction or \
        exercise.target_radius > today.dose.target_radius
    reps = [Event(10.0 + i, REPETITION, {"index": i, "hit": True}) for i in range(60)]
    out = dosing.on_events(reps)
    assert dosing.level <= dropped  # every hit, and still never above the ceiling
    assert exercise.reach_fraction <= reach_after + 1e-9
    assert all(e.kind == DIFFICULTY_STEP for e in out)
    log = [e.to_dict() for e in dosing.steps]
    assert log[0]["level"] == before and "pain pause" in str(log[1]["reason"])
    assert all(int(e["level"]) <= dropped for e in log[1:])


def test_in_session_dosing_steps_the_real_reaching_exercise_after_repetitions() -> None:
    plan = load_plan(PLAN)
    today = todays_dose(plan, tolerated(), [], "reaching")
    exercise = reaching(today.dose.reach_fraction, today.dose.target_radius)
    dosing = today.in_session(exercise, t0=0.5)
    noise = [Event(0.5, "target_shown", {"index": 0})]
    reps = [Event(1.0 + i, REPETITION, {"index": i, "hit": False}) for i in range(5)]
    out = dosing.on_events(noise + reps)
    assert [e.kind for e in out] == [DIFFICULTY_STEP]
    assert out[0].t == 5.0  # after the 5th trial (min_trials), below the band: easier
    frm, to = out[0].data["from"], out[0].data["to"]
    assert to["reach_fraction"] < frm["reach_fraction"] or \
        to["target_radius"] > frm["target_radius"]
    assert (exercise.reach_fraction, exercise.target_radius) == (to["reach_fraction"],
                                                                  to["target_radius"])
    assert [e.level for e in dosing.steps][1] == dosing.steps[0].level - 1


def test_fixed_plan_gives_a_staircase_that_never_steps() -> None:
    text = PLAN.replace("{ start = 0.6, min = 0.3, max = 0.9, step = 0.05 }", "0.6").replace(
        "{ start = 0.30, min = 0.15, max = 0.40, step = 0.025 }", "0.3")
    plan = load_plan(text)
    today = todays_dose(plan, tolerated(), [], "reaching")
    assert today.phase == "progressing" and today.staircase() is None
    s = Staircase.for_today(plan, "reaching", {"reach_fraction": 0.6, "target_radius": 0.3},
                            today.bounds)
    assert all(s.update(False) is None for _ in range(20))
    assert s.drop_one_level("pain") is None
    dosing = today.in_session(reaching(0.6, 0.3))
    assert dosing.pain_pause("pain 7/10", 3.0) == []
    assert "no level to drop today" in dosing.steps[-1].reason
