"""Within a session: the rolling-success staircase and the in-session pain drop."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exercises.doses import SessionDose, make_dose
from exercises.events import DIFFICULTY_STEP
from exercises.plans import load_plan
from exercises.progression import todays_dose
from exercises.registry import make_exercise
from exercises.session import SessionRunner
from exercises.staircase import Staircase, StairParam

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


def test_for_today_respects_an_easier_day() -> None:
    plan = load_plan(PLAN)
    today = todays_dose(plan, [], [], "reaching", easier={"reach_fraction": 0.5})
    start = {"reach_fraction": today.dose.reach_fraction,
             "target_radius": today.dose.target_radius}
    s = Staircase.for_today(plan, "reaching", start, today.bounds)
    for _ in range(60):
        s.update(True)
    assert s.values["reach_fraction"] == 0.5  # never harder than the patient chose today
    assert s.values["target_radius"] == 0.15  # size still follows the band, to the plan's min


def test_pain_spike_pauses_and_drops_one_level_in_session() -> None:
    """SessionRunner decides (pause, drop), the staircase drops, the game applies it."""
    plan = load_plan(PLAN)
    today = todays_dose(plan, [], [], "reaching")
    exercise = make_exercise("reaching", make_dose("reaching", reach_fraction=0.6),
                             None, np.random.default_rng(0))
    runner = SessionRunner(exercise, SessionDose(), pre_pain=3)
    s = Staircase.for_today(plan, "reaching", {"reach_fraction": 0.6, "target_radius": 0.30},
                            today.bounds)
    calm = runner.in_session_pain(4)
    assert not calm.must_drop and runner.state != "paused"
    spike = runner.in_session_pain(6)  # > 5 and a rise of 3 over the pre-session 3
    assert spike.must_drop and runner.state == "paused"
    step = s.drop_one_level(spike.reason)
    assert step is not None
    exercise.set_difficulty(**step.changes())
    assert (exercise.reach_fraction, exercise.target_radius) == (0.55, 0.325)
    event = step.event(runner.t)
    assert event.kind == DIFFICULTY_STEP and "pain 6/10 is above 5" in event.data["why"]


def test_driver_reads_repetitions_and_steps_the_real_reaching_exercise() -> None:
    from exercises.events import REPETITION, Event
    from exercises.staircase import StaircaseDriver

    exercise = make_exercise("reaching", make_dose("reaching", reach_fraction=0.6),
                             None, np.random.default_rng(0))
    driver = StaircaseDriver(stair(), exercise)  # type: ignore[arg-type]
    noise = [Event(0.5, "target_shown", {"index": 0})]
    reps = [Event(1.0 + i, REPETITION, {"index": i, "hit": True}) for i in range(5)]
    out = driver.feed(noise + reps)
    assert [e.kind for e in out] == [DIFFICULTY_STEP]
    assert out[0].t == 5.0 and out[0].data["to"]["reach_fraction"] == 0.65
    assert exercise.reach_fraction == 0.65  # applies to the next target
    more = driver.pain_drop("pain 7/10 is above 5", 9.0)
    assert more[0].data["why"] == "one level down: pain 7/10 is above 5"
    assert (exercise.reach_fraction, exercise.target_radius) == (0.6, 0.325)


def test_fixed_plan_gives_a_staircase_that_never_steps() -> None:
    text = PLAN.replace("{ start = 0.6, min = 0.3, max = 0.9, step = 0.05 }", "0.6").replace(
        "{ start = 0.30, min = 0.15, max = 0.40, step = 0.025 }", "0.3")
    plan = load_plan(text)
    today = todays_dose(plan, [], [], "reaching")
    s = Staircase.for_today(plan, "reaching", {"reach_fraction": 0.6, "target_radius": 0.3},
                            today.bounds)
    assert all(s.update(False) is None for _ in range(20))
    assert s.drop_one_level("pain") is None
