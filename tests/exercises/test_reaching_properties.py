"""Reaching: properties over many seeds/envelopes, calibrations as vision stores them, JSON events."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exercises import events as ev
from exercises.doses import ReachingDose, SessionDose
from exercises.reaching import ReachingExercise, reach_setup
from vision.body_model import BodyReference
from vision.calibration import Calibration
from vision.directions import DIRECTIONS, SEATED_DIRECTIONS
from vision.intents import HandIntent, Intents

DT = 1 / 30


def shown_targets(ex: ReachingExercise, seconds: float) -> list[ev.Event]:
    out = []
    t = 0.0
    for _ in range(round(seconds / DT)):
        t += DT
        out += [e for e in ex.step(Intents(t=t, right=HandIntent(0.5, -1.0), left=HandIntent(-0.5, -1.0)), DT)
                if e.kind == ev.TARGET_SHOWN]
        if ex.done:
            break
    return out


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1),
       fraction=st.floats(0.2, 1.2),
       reaches=st.lists(st.floats(0.5, 2.5), min_size=16, max_size=16),
       side=st.sampled_from(["left", "right", "both"]),
       seated=st.booleans())
def test_targets_sit_on_the_envelope_fraction_in_allowed_directions(seed, fraction, reaches, side, seated):
    env = {"right": dict(zip(DIRECTIONS, reaches[:8])), "left": dict(zip(DIRECTIONS, reaches[8:]))}
    dose = ReachingDose(reach_fraction=fraction, repetitions=8, target_timeout_s=DT, inter_target_s=DT,
                        directions=DIRECTIONS, side=side)
    ex = ReachingExercise(dose, env, np.random.default_rng(seed), session_dose=SessionDose(seated=seated))
    shown = shown_targets(ex, 10)
    assert len(shown) == 8
    for e in shown:
        d = e.data
        assert (d["direction"] in SEATED_DIRECTIONS) or not seated
        sx = 0.5 if d["side"] == "right" else -0.5
        assert math.hypot(d["x"] - sx, d["y"]) == pytest.approx(fraction * env[d["side"]][d["direction"]])
        if side != "both":
            assert d["side"] == side


def test_vision_calibration_object_and_its_stored_dict_read_the_same():
    ref = BodyReference((320.0, 200.0), 120.0, 640, 480)
    env = {"right": {d: 1.2 + 0.05 * i for i, d in enumerate(DIRECTIONS)}}  # one arm calibrated
    cal = Calibration(ref, env, trunk_mean=0.05, trunk_sd=0.04, lean_mean_deg=2.0, lean_sd_deg=5.0,
                      shoulder_width_m=0.42)
    a, b = reach_setup(cal), reach_setup(cal.to_dict())
    assert a == b
    assert a.trunk_threshold == pytest.approx(0.13)  # 0.05 + 2 x 0.04 beats the floor 5 cm / 0.42 m = 0.119
    assert a.lean_threshold_deg == pytest.approx(10.0)
    assert a.reach("left", "up") == a.reach("right", "up") == pytest.approx(1.3)  # the other arm serves
    ex = ReachingExercise(ReachingDose(side="left", reach_fraction=0.5, inter_target_s=DT), cal,
                          np.random.default_rng(0))
    (e,) = shown_targets(ex, 3 * DT)
    assert math.hypot(e.data["x"] + 0.5, e.data["y"]) == pytest.approx(0.5 * env["right"][e.data["direction"]])
    with pytest.raises(ValueError, match="no reach envelope"):
        reach_setup({"reference": ref.to_dict()})


def test_every_event_of_a_session_is_json_serialisable():
    ex = ReachingExercise(ReachingDose(repetitions=3, hold_s=0.2, inter_target_s=0.2, target_timeout_s=2.0),
                          None, np.random.default_rng(1))
    events: list[ev.Event] = []
    t = 0.0
    hand = np.array([0.5, -1.0])
    while not ex.done and t < 30:
        t += DT
        live = [tv for tv in ex.targets if tv.state in ("waiting", "holding")]
        if live and live[0].index != 1:  # reach for targets 0 and 2, let 1 time out
            goal = np.array([live[0].x, live[0].y])
            step = goal - hand
            n = np.hypot(*step)
            hand = goal if n < 0.1 else hand + step / n * 0.1
        events += ex.step(Intents(t=t, right=HandIntent(float(hand[0]), float(hand[1])), trunk_dx=0.01), DT)
    text = json.dumps([e.to_dict() for e in events])
    back = json.loads(text)
    reps = [e for e in back if e["kind"] == ev.REPETITION]
    assert [r["data"]["hit"] for r in reps] == [True, False, True]
    assert all(len(r["data"]["path"]) > 5 for r in reps)
