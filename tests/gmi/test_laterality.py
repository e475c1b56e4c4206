"""GMI stage 1: trial generation, scoring, norms from the plan, the hand pictures."""

from __future__ import annotations

import itertools
import json
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exercises.gmi.hand_model import PoseError, canonical, outline, picture, thumb_side_x
from exercises.gmi.laterality import (
    Answer,
    Norm,
    Trial,
    generate_trials,
    meets,
    rotation_kind,
    score,
)
from exercises.gmi.laterality_run import GMI_TRIAL, LateralityRun
from exercises.gmi.virtual_patient import VirtualLateralityPatient

ANGLES = [0, 45, 90, 135, 180, 225, 270, 315]


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 120), seed=st.integers(0, 10_000), max_run=st.integers(2, 5),
       n_angles=st.integers(1, 8), both_views=st.booleans())
def test_trials_are_balanced_spread_and_never_run_long(n: int, seed: int, max_run: int,
                                                       n_angles: int, both_views: bool) -> None:
    angles = ANGLES[:n_angles]
    views = ["dorsal", "palmar"] if both_views else ["dorsal"]
    trials = generate_trials(n, angles, views, postures=5, seed=seed, max_run=max_run)
    assert len(trials) == n and [t.index for t in trials] == list(range(n))
    sides = Counter(t.side for t in trials)
    assert abs(sides["left"] - sides["right"]) <= 1
    for side in ("left", "right"):
        combos = Counter((t.angle_deg, t.view) for t in trials if t.side == side)
        if combos:  # each angle x view shown as evenly as the count allows
            assert max(combos.values()) - min(combos.values()) <= 1
            assert len(combos) == min(sides[side], len(angles) * len(views))
    run = longest = 1
    for a, b in itertools.pairwise(trials):
        run = run + 1 if a.side == b.side else 1
        longest = max(longest, run)
    assert longest <= max_run or n <= 2
    assert all(0 <= t.posture < 5 for t in trials)


def test_same_seed_same_set_other_seed_other_order() -> None:
    a = generate_trials(40, ANGLES, ["dorsal", "palmar"], 3, seed=7)
    assert a == generate_trials(40, ANGLES, ["dorsal", "palmar"], 3, seed=7)
    assert a != generate_trials(40, ANGLES, ["dorsal", "palmar"], 3, seed=8)


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError):
        generate_trials(0, ANGLES, ["dorsal"], 1, seed=0)
    with pytest.raises(ValueError):
        generate_trials(4, [], ["dorsal"], 1, seed=0)


def test_rotation_kind_lateral_is_fingers_away_from_the_midline() -> None:
    assert rotation_kind("right", 270) == "lateral"  # right hand, fingers to the right
    assert rotation_kind("right", 90) == "medial"
    assert rotation_kind("left", 90) == "lateral"  # left hand, fingers to the left
    assert rotation_kind("left", -45) == "medial"
    assert rotation_kind("left", 0) == "upright" and rotation_kind("right", 180) == "inverted"


def _t(i: int, side: str, angle: int = 0) -> Trial:
    return Trial(i, side, "dorsal", angle, 0)  # type: ignore[arg-type]


def test_score_per_side_uses_correct_answers_for_the_median() -> None:
    answers = [Answer(_t(0, "left"), "left", 1.0), Answer(_t(1, "left"), "right", 0.5),
               Answer(_t(2, "left"), "left", 2.0), Answer(_t(3, "right"), "right", 3.0),
               Answer(_t(4, "right"), None, None), Answer(_t(5, "right", 270), "right", 4.0),
               Answer(_t(6, "right", 90), "right", 2.5)]
    s = score(answers, affected="right")
    assert s.trials == 7 and s.accuracy == pytest.approx(5 / 7, abs=1e-4)
    assert (s.left.trials, s.left.accuracy, s.left.median_rt_s) == (3, pytest.approx(0.6667,
                                                                    abs=1e-4), 1.5)
    assert (s.right.trials, s.right.accuracy, s.right.median_rt_s) == (4, 0.75, 3.0)
    assert s.median_rt_s == 2.5
    assert s.lateral_minus_medial_s == pytest.approx(4.0 - 2.5)
    assert s.affected_ratio == pytest.approx(2.0)
    empty = score([])
    assert empty.accuracy is None and empty.left.median_rt_s is None


def test_meets_needs_both_sides_and_says_why() -> None:
    good = [Answer(_t(i, s), s, 1.2) for i, s in enumerate(["left", "right"] * 5)]
    ok, why = meets(score(good), Norm(0.8, 2.0))
    assert ok and "both sides" in why
    slow_right = good[:-1] + [Answer(_t(9, "right"), "left", 1.0)]
    ok, why = meets(score(slow_right), Norm(0.9, 2.0))
    assert not ok and why == "right accuracy 80% < 90%"
    ok, why = meets(score(good), Norm(0.8, 1.0))
    assert not ok and "left median 1.20 s > 1.00 s" in why


def test_run_times_answers_and_timeouts_on_its_own_clock() -> None:
    trials = [_t(0, "left"), _t(1, "right")]
    run = LateralityRun(trials, deadline_s=2.0, ready_s=0.5, feedback_s=0.5)
    dt = 0.1
    for _ in range(5):
        run.step(dt)
    assert run.phase == "show"
    for _ in range(7):
        run.step(dt)
    run.step(dt, answer="left", mode="camera")
    assert run.answers[0].correct and run.answers[0].rt_s == pytest.approx(0.8)
    while run.phase != "show":
        run.step(dt, hands_down=True)
    held = 0
    while not run.done:
        run.step(dt, hands_down=False)  # the ready phase waits for hands down...
        held += 1
        if held > 200:
            break
    assert run.answers[1].answer is None and run.answers[1].rt_s is None  # ...deadline
    ev = run.drain()
    assert [e.kind for e in ev] == [GMI_TRIAL, GMI_TRIAL] and ev[0].data["mode"] == "camera"
    assert run.summary()["timeouts"] == 1 and run.answer_mode == "camera"


def test_ready_waits_for_hands_down() -> None:
    run = LateralityRun([_t(0, "left")], deadline_s=2.0, ready_s=0.2)
    for _ in range(50):
        run.step(0.1, hands_down=False)
    assert run.phase == "ready"
    run.step(0.1, hands_down=True)
    assert run.phase == "show"


def test_virtual_patient_shows_the_angle_lateral_and_affected_effects() -> None:
    trials = generate_trials(1600, ANGLES, ["dorsal", "palmar"], 1, seed=1)
    vp = VirtualLateralityPatient(seed=4, affected="right")
    answers = []
    for t in trials:
        side, rt = vp.respond(t, "keys")
        answers.append(Answer(t, side, rt))
    s = score(answers, affected="right")
    assert s.right.median_rt_s > s.left.median_rt_s and s.affected_ratio > 1.1
    assert s.right.accuracy < s.left.accuracy
    assert s.lateral_minus_medial_s > 0.1
    up = [a.rt_s for a in answers if a.trial.angle_deg == 0]
    inv = [a.rt_s for a in answers if a.trial.angle_deg == 180]
    assert np.median(inv) > np.median(up) + 0.5
    cam = VirtualLateralityPatient(seed=4).respond(trials[0], "camera")[1]
    key = VirtualLateralityPatient(seed=4).respond(trials[0], "keys")[1]
    assert cam > key


# ------------------------------------------------------------------ hand pictures
POSES = Path(__file__).resolve().parents[2] / "assets" / "gmi" / "hand_poses.json"


def _raw() -> list[np.ndarray]:
    return [np.array(p["landmarks"]) for p in json.loads(POSES.read_text())["poses"]]


def test_stored_poses_are_real_right_hands_and_a_mirror_is_refused() -> None:
    from assets.gmi import hand_poses

    poses = hand_poses()
    assert len(poses) >= 20  # measured by MediaPipe on real photos (extract_hand_poses.py)
    for q in poses:
        assert q[9, 1] == pytest.approx(1.0) and abs(q[9, 0]) < 1e-9  # wrist -> middle knuckle
        assert q[5, 0] > q[17, 0]  # index side is +x
    mirrored = _raw()[0] * np.array([-1.0, 1.0, 1.0])
    with pytest.raises(PoseError, match="left hand"):
        canonical(mirrored)
    with pytest.raises(PoseError):
        canonical(np.zeros((21, 3)))


@pytest.mark.parametrize("angle", [0, 45, 135, 270])
def test_thumb_side_follows_side_and_view(angle: int) -> None:
    """A right palm and the back of a left hand have the thumb on the right; the others on
    the left, at every rotation (checked with an open hand whose thumb is out)."""
    from assets.gmi import hand_poses

    call = next(q for q in hand_poses() if q[4, 0] > 0.5)  # "call": thumb spread out
    assert thumb_side_x(picture(call, "right", "palmar", angle)) > 0
    assert thumb_side_x(picture(call, "left", "dorsal", angle)) > 0
    assert thumb_side_x(picture(call, "left", "palmar", angle)) < 0
    assert thumb_side_x(picture(call, "right", "dorsal", angle)) < 0


def test_rotation_turns_the_fingers() -> None:
    from assets.gmi import hand_poses

    q = hand_poses()[0]
    up = picture(q, "right", "dorsal", 0).points
    right = picture(q, "right", "dorsal", -90).points
    assert up[9, 1] - up[0, 1] > 0.9  # fingers up
    assert right[9, 0] - right[0, 0] > 0.9  # clockwise 90: fingers to the right
    shapes = outline(picture(q, "left", "palmar", 30))
    assert [s.kind for s in shapes].count("capsule") == 5
    assert [s.depth for s in shapes] == sorted(s.depth for s in shapes)
