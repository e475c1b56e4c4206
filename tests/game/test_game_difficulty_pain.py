"""game.difficulty.StaircaseRunner: the in-session pain rule drops the real exercise one level."""

from __future__ import annotations

import numpy as np

from exercises.doses import SessionDose, make_dose
from exercises.events import DIFFICULTY_STEP
from exercises.registry import make_exercise
from exercises.session import SessionRunner
from exercises.staircase import Staircase, StairParam
from game.difficulty import StaircaseRunner
from vision.intents import Intents

REACH = StairParam("reach_fraction", 0.3, 0.9, 0.05, +1)
RADIUS = StairParam("target_radius", 0.15, 0.40, 0.025, -1)


def wrapped(pre_pain: int) -> StaircaseRunner:
    exercise = make_exercise("reaching", make_dose("reaching", reach_fraction=0.6, target_radius=0.3),
                             None, np.random.default_rng(0))
    runner = SessionRunner(exercise, SessionDose(), pre_pain=pre_pain)
    return StaircaseRunner(runner, Staircase([REACH, RADIUS], {"reach_fraction": 0.6, "target_radius": 0.3}))


def test_pain_within_limits_changes_nothing() -> None:
    r = wrapped(pre_pain=3)
    decision = r.in_session_pain(4)
    assert not decision.must_drop and r.steps == 0
    assert (r.exercise.reach_fraction, r.exercise.target_radius) == (0.6, 0.3)


def test_pain_rise_drops_one_level_and_logs_it_on_the_next_step() -> None:
    r = wrapped(pre_pain=2)
    decision = r.in_session_pain(5)  # a rise of 3 over the pre-session 2 (limit 2)
    assert decision.must_drop and r.state == "paused" and r.steps == 1
    easier = (r.exercise.reach_fraction, r.exercise.target_radius)
    assert easier[0] < 0.6 or easier[1] > 0.3  # one step easier on one parameter
    events = r.step(Intents(t=0.1), 1 / 60)
    steps = [e for e in events if e.kind == DIFFICULTY_STEP]
    assert len(steps) == 1 and "pain rose 3 points" in steps[0].data["why"]
    assert not [e for e in r.step(Intents(t=0.2), 1 / 60) if e.kind == DIFFICULTY_STEP]  # once only
