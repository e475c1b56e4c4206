"""Virtual patient: determinism, minimum-jerk kinematics, IK, and the full play loop."""

from __future__ import annotations

import math

import numpy as np
import pytest

from exercises import events as ev
from exercises.doses import ReachingDose, SessionDose
from exercises.motion import PEAK_TO_MEAN_SPEED, MinJerk, shape, shape_rate
from exercises.reaching import ReachingExercise, ReachSetup
from exercises.session import SessionRunner
from exercises.virtual_patient import (
    HandContext,
    HandGoal,
    ReachGoal,
    Rest,
    VirtualPatient,
    goal_for,
    open_hand,
    synthetic_seated_body,
    two_link_ik,
)
from vision.body_model import BodyReference, points_to_body, shoulder_midpoint_px, trunk_lean_deg
from vision.bodyframe import RIGHT_SHOULDER, BodyFrame
from vision.intents import HandIntent, Intents

HAND_IDS = {"right": [16, 20, 18], "left": [15, 19, 17]}  # wrist, index, pinky


def hand_bu(frame: BodyFrame, ref: BodyReference, side: str) -> np.ndarray:
    return points_to_body(ref, frame.pose[HAND_IDS[side], :2]).mean(axis=0)


def direct_intents(frame: BodyFrame, ref: BodyReference, lean0: float) -> Intents:
    """The body-model mapping of CONTRACTS.md, standing in for vision's IntentsBuilder."""
    mid = shoulder_midpoint_px(frame.pose, frame.width, frame.height)
    dx = -(mid[0] - ref.origin_px[0]) / ref.unit_px
    dy = -(mid[1] - ref.origin_px[1]) / ref.unit_px
    r = hand_bu(frame, ref, "right")
    lft = hand_bu(frame, ref, "left")
    return Intents(t=frame.t, right=HandIntent(float(r[0]), float(r[1])), left=HandIntent(float(lft[0]), float(lft[1])),
                   trunk_dx=float(dx), trunk_dy=float(dy),
                   trunk_lean_deg=trunk_lean_deg(frame.pose, frame.width, frame.height) - lean0)


@pytest.fixture(scope="module")
def base() -> list[BodyFrame]:
    return synthetic_seated_body(seconds=3.0, fps=30.0)


# ---------------------------------------------------------------- min jerk
def test_min_jerk_speed_is_a_symmetric_bell_peaking_at_1875_times_the_mean():
    m = MinJerk(1.0, 0.8, (0.0, 0.0), (1.2, 0.9))
    t = np.linspace(1.0, 1.8, 2001)
    speed = np.array([math.hypot(*m.velocity(ti)) for ti in t])
    mean = m.distance / m.duration
    assert speed.max() == pytest.approx(PEAK_TO_MEAN_SPEED * mean, rel=1e-4)
    assert t[np.argmax(speed)] == pytest.approx(1.4, abs=1e-3)
    assert np.allclose(speed, speed[::-1], atol=1e-9)  # symmetric
    assert speed[0] == pytest.approx(0.0) and speed[-1] == pytest.approx(0.0, abs=1e-9)
    assert np.trapz(speed, t) == pytest.approx(m.distance, rel=1e-5)
    assert m.position(0.0) == (0.0, 0.0) and m.position(5.0) == pytest.approx((1.2, 0.9))
    assert shape(0.5) == pytest.approx(0.5) and shape_rate(0.5) == pytest.approx(1.875)
    with pytest.raises(ValueError):
        MinJerk(0.0, 0.0, (0.0,), (1.0,))


def test_bowed_min_jerk_is_curved_ends_where_asked_and_its_velocity_is_the_derivative():
    m = MinJerk(0.0, 1.0, (0.0, 0.0), (1.0, 0.0), bow=0.08)
    t = np.linspace(0.0, 1.0, 4001)
    p = np.array([m.position(ti) for ti in t])
    assert p[-1] == pytest.approx((1.0, 0.0)) and p[0] == pytest.approx((0.0, 0.0))
    assert p[:, 1].max() == pytest.approx(0.08, abs=1e-6)  # to the left of travel, 8 % of the length
    length = np.sum(np.hypot(*np.diff(p, axis=0).T))
    assert 1.005 < length < 1.05  # path length ratio of a real, slightly curved reach
    v = np.array([m.velocity(ti) for ti in t])
    assert np.allclose(np.gradient(p, t, axis=0)[5:-5], v[5:-5], atol=1e-3)
    with pytest.raises(ValueError, match="2-D"):
        MinJerk(0.0, 1.0, (0.0,), (1.0,), bow=0.1)


def test_two_link_ik_lands_the_end_point_and_keeps_segment_lengths():
    s = np.array([100.0, 100.0])
    for goal in ([200.0, 50.0], [60.0, 210.0], [100.0, 20.0]):
        g = np.array(goal)
        e, end = two_link_ik(s, g, 100.0, 90.0, np.array([0.0, 1.0]))
        assert end == pytest.approx(g)
        assert np.hypot(*(e - s)) == pytest.approx(100.0) and np.hypot(*(end - e)) == pytest.approx(90.0)
    e, end = two_link_ik(s, np.array([600.0, 100.0]), 100.0, 90.0, np.array([0.0, 1.0]))
    assert end[0] == pytest.approx(290.0, abs=1e-3) and e[1] >= 100.0 - 1e-3  # straight arm, short of it


# ---------------------------------------------------------- virtual patient
def test_same_seed_same_frames_other_seed_other_frames(base):
    def stream(seed):
        vp = VirtualPatient(base, seed, compensation_probability=0.5)
        goals = [ReachGoal("right", 1.2, 0.6), Rest(), ReachGoal("left", -1.4, 0.2)]
        return [f.pose for f in vp.frames(0.0, 4.5, lambda t: goals[int(t // 1.5)])]
    a, b, c = stream(7), stream(7), stream(8)
    assert all(np.array_equal(x, y) for x, y in zip(a, b)) and len(a) == 135
    assert not all(np.array_equal(x, y) for x, y in zip(a, c))


def test_hand_reads_where_the_patient_aims_through_the_body_model(base):
    vp = VirtualPatient(base, 3, noise=0.0, jitter=0.0, reaction_time_s=(0.3, 0.0))
    ref = vp.reference
    vp.look(ReachGoal("right", 1.25, 0.55), 0.0)
    frames = list(vp.frames(0.0, 2.0))
    assert hand_bu(frames[0], ref, "right") == pytest.approx(vp.hand_target("right", 0.0), abs=1e-4)
    assert hand_bu(frames[-1], ref, "right") == pytest.approx((1.25, 0.55), abs=1e-4)
    # The shoulders are the recording's; the arm segments keep their lengths.
    for f in frames[::10]:
        assert f.pose[RIGHT_SHOULDER, :2] == pytest.approx(base[0].pose[RIGHT_SHOULDER, :2], abs=0.01)
        px = f.pose[:, :2] * np.array([f.width, f.height])
        assert np.hypot(*(px[14] - px[12])) == pytest.approx(vp._arms["right"].upper_bu * ref.unit_px, rel=1e-4)
    # Reaction time then a minimum-jerk movement: still for 0.3 s, then moving.
    xs = np.array([hand_bu(f, ref, "right")[0] for f in frames])
    ts = np.array([f.t for f in frames])
    assert np.ptp(xs[ts < 0.3]) < 1e-6 and xs[ts > 0.75][0] > xs[0] + 0.05
    assert [f.index for f in frames] == list(range(60)) and frames[1].t_ns - frames[0].t_ns == round(1e9 / 30)


def test_goal_out_of_reach_leaves_the_hand_short(base):
    vp = VirtualPatient(base, 3, noise=0.0, jitter=0.0, skill=0.8)
    vp.look(ReachGoal("right", 3.5, 0.0), 0.0)
    f = list(vp.frames(0.0, 3.0))[-1]
    x, y = hand_bu(f, vp.reference, "right")
    assert math.hypot(x - 0.5, y) == pytest.approx(0.8 * vp.arm_reach_bu("right"), rel=0.02)
    assert x < 3.5 - 1.0


def test_lean_toward_far_target_moves_shoulders_and_hips_stay(base):
    vp = VirtualPatient(base, 5, compensation_probability=1.0, lean_bu=0.3, jitter=0.0)
    vp.look(ReachGoal("right", 1.9, 0.5), 0.0)
    frames = list(vp.frames(0.0, 2.0))
    assert vp.leans == 1
    mid = [shoulder_midpoint_px(f.pose, f.width, f.height) for f in frames]
    shift = (mid[-1] - mid[0]) / vp.reference.unit_px
    assert -shift[0] == pytest.approx(0.3 * 1.9 / math.hypot(1.9, 0.5), abs=0.02)  # toward the patient's right
    assert frames[-1].pose[23, :2] == pytest.approx(frames[0].pose[23, :2], abs=0.005)
    near = VirtualPatient(base, 5, compensation_probability=1.0)
    near.look(ReachGoal("right", 0.9, 0.2), 0.0)
    assert near.leans == 0  # a near target is reached without leaning


def test_goal_for_reads_the_exercise_and_hand_model_hook(base):
    ex = ReachingExercise(ReachingDose(inter_target_s=0.1), None, np.random.default_rng(0))
    assert goal_for(ex) == Rest()
    for k in range(1, 10):
        ex.step(Intents(t=k / 60), 1 / 60)
    (tv,) = ex.targets
    assert goal_for(ex) == ReachGoal("right", tv.x, tv.y)

    class Scene:
        def __init__(self, runner):
            self.runner = runner
    runner = SessionRunner(ex, SessionDose(), None)
    assert goal_for(Scene(runner)) == ReachGoal("right", tv.x, tv.y)
    runner.pause()
    assert goal_for(Scene(runner)) == Rest()

    class Tapper:
        def player_goal(self):
            return HandGoal("tap", "left", params=(("hz", 2.0),))
    assert goal_for(Tapper()).param("hz") == 2.0

    seen: list[HandContext] = []

    def model(ctx: HandContext) -> np.ndarray:
        seen.append(ctx)
        return open_hand(ctx)
    vp = VirtualPatient(base, 1, hand_model=model, jitter=0.0)
    vp.look(HandGoal("tap", "left"), 0.0)
    f = list(vp.frames(0.0, 1.5))[-1]
    assert f.hands_tracked and {h.handedness for h in f.hands} == {"Left", "Right"}
    left = f.hand("Left")
    assert left.landmarks[0, :2] == pytest.approx(f.pose[15, :2], abs=1e-5)  # hand wrist = pose wrist
    last_left = [c for c in seen if c.side == "left"][-1]
    assert last_left.goal == HandGoal("tap", "left") and last_left.t == pytest.approx(f.t)
    assert hand_bu(f, vp.reference, "left") == pytest.approx((-0.5, -0.5), abs=0.1)


def test_bad_arguments_are_named(base):
    with pytest.raises(ValueError, match="fps"):
        VirtualPatient(base, 0, fps=90)
    with pytest.raises(ValueError, match="no frame with a body"):
        VirtualPatient([BodyFrame(0, 0, 640, 480)], 0)
    with pytest.raises(ValueError, match="skill"):
        VirtualPatient(base, 0, skill=0.0)


# --------------------------------------------------------------- full loop
def play_direct(base, dose: ReachingDose, *, seed: int, comp: float = 0.0, seconds: float = 120.0,
         fps: float = 30.0, skill: float = 1.0) -> tuple[dict, list[ev.Event], VirtualPatient]:
    vp = VirtualPatient(base, seed, fps=fps, compensation_probability=comp, skill=skill)
    ref = vp.reference
    lean0 = trunk_lean_deg(base[0].pose, base[0].width, base[0].height)
    # The calibration a camera session would make of this patient (seated sway is tiny).
    setup = ReachSetup(vp.envelope(), trunk_sd=0.005, lean_sd_deg=0.5, shoulder_width_m=0.38)
    session = SessionDose(session_minutes=10, rest_every_s=1000)
    ex = ReachingExercise(dose, setup, np.random.default_rng(seed), session_dose=session)
    runner = SessionRunner(ex, session, pre_pain=2)
    dt = 1 / 60
    events: list[ev.Event] = []
    intents = None
    next_frame = 0.0
    t = 0.0
    while not runner.done and t < seconds:
        t += dt
        vp.look(goal_for(ex), t)
        if t + 1e-9 >= next_frame:  # the camera delivers at its own rate; the game steps at 60 Hz
            intents = direct_intents(vp.frame(t), ref, lean0)
            next_frame += 1 / fps
        events += runner.step(intents, dt)
    return runner.summary(), events, vp


def test_loop_generous_dose_hits_most_targets(base):
    dose = ReachingDose(reach_fraction=0.6, target_radius=0.3, hold_s=0.8, repetitions=10,
                        target_timeout_s=6.0, inter_target_s=0.8, side="both")
    summary, events, vp = play_direct(base, dose, seed=11)
    assert summary["targets"] == 10 and summary["hits"] >= 9
    assert sorted({e.data["side"] for e in events if e.kind == ev.TARGET_SHOWN}) == ["left", "right"]
    assert summary["session"]["end_reason"] == "completed"
    assert 0.2 < summary["mean_reaction_time_s"] < 0.7
    assert 0.3 < summary["mean_movement_time_s"] < 1.5
    assert summary["compensations"] == 0 and vp.leans == 0


def test_loop_impossible_dose_misses(base):
    dose = ReachingDose(reach_fraction=1.5, target_radius=0.15, hold_s=0.8, repetitions=4,
                        target_timeout_s=3.0, inter_target_s=0.5)
    summary, events, _ = play_direct(base, dose, seed=12)
    assert summary["targets"] == 4 and summary["hits"] == 0 and summary["misses"] == 4
    assert len([e for e in events if e.kind == ev.TIMEOUT]) == 4


def test_loop_leaning_patient_trips_the_compensation_guard(base):
    dose = ReachingDose(reach_fraction=0.95, target_radius=0.3, hold_s=0.5, repetitions=6,
                        target_timeout_s=5.0, inter_target_s=0.5)
    summary, events, vp = play_direct(base, dose, seed=13, comp=1.0, fps=15)
    comps = [e for e in events if e.kind == ev.COMPENSATION]
    assert vp.leans >= 4 and summary["compensations"] == len(comps) >= 4
    assert all(e.data["cue"] == "Keep your back against the chair" for e in comps)
    # It hears the cue and sits back up, so the frozen holds complete.
    assert summary["hits"] == 6
    ends = [e for e in events if e.kind == "reaching_compensation_end"]
    assert len(ends) >= 4 and all(0.1 < end.t - c.t < 2.0 for c, end in zip(comps, ends))


# ------------------------------------------- through vision's real pipeline
def test_vp_calibrates_through_vision_then_plays_through_the_intents_builder(base):
    from exercises.virtual_patient import calibrate, play
    from vision.calibration import CalibrationProcedure
    from vision.intents_builder import IntentsBuilder

    vp = VirtualPatient(base, 21, compensation_probability=0.0)
    proc = CalibrationProcedure(sides=("right",))
    t = calibrate(vp, proc)
    cal = proc.result()
    # The measured envelope is the arm the patient has (hand centre at full stretch).
    for d, reach in cal.envelope["right"].items():
        assert reach == pytest.approx(vp.arm_reach_bu("right"), rel=0.06), d
    assert cal.reference.unit_px == pytest.approx(vp.reference.unit_px, rel=0.01)
    assert cal.trunk_sd < 0.02

    dose = ReachingDose(reach_fraction=0.7, target_radius=0.3, hold_s=0.8, repetitions=8,
                        target_timeout_s=6.0, inter_target_s=0.8)
    session = SessionDose(rest_every_s=20.0, rest_s=5.0)
    ex = ReachingExercise(dose, cal, np.random.default_rng(21), session_dose=session)
    runner = SessionRunner(ex, session, None)
    events = play(runner, vp, IntentsBuilder(cal).build, t0=t, max_s=120)
    rests = [e for e in events if e.kind in (ev.REST_START, ev.REST_END)]
    assert [e.kind for e in rests][:2] == [ev.REST_START, ev.REST_END]
    s = runner.summary()
    assert s["targets"] == 8 and s["hits"] >= 7 and s["compensations"] == 0
    # No cue ever fires for this fully visible patient. (The builder's quality score
    # counts filter lag during a reach as jitter, so long reaches may still dip below
    # 0.5 for over QUALITY_GRACE_S: those pauses carry no cue.)
    assert all(e.data["cue"] is None for e in events if e.kind == ev.TRACKING_LOST)
    # The stored path shows a human-like reach: it ends on the target.
    rep = next(e for e in events if e.kind == ev.REPETITION and e.data["hit"])
    path = np.array(rep.data["path"])
    assert np.hypot(*(path[-1, 1:] - rep.data["target"])) < 0.42


def test_for_demo_uses_the_bundled_recording_or_says_synthetic():
    vp = VirtualPatient.for_demo(0)
    assert vp.base_source == "synthetic" or vp.base_source.endswith("seated_body.npz")
    f = vp.poll_frame(0.0, None)
    assert f is not None and f.pose is not None and vp.poll_frame(0.01, None) is None
    assert vp.poll_frame(1 / 30, None).index == 1


@pytest.mark.parametrize("size,fps", [((640, 480), 30.0), ((480, 640), 15.0), ((720, 720), 60.0)])
def test_intents_builder_reads_the_hand_where_the_patient_holds_it(size, fps):
    from vision.calibration import Calibration
    from vision.intents_builder import IntentsBuilder

    body = synthetic_seated_body(seconds=2.0, fps=fps, width=size[0], height=size[1],
                                 shoulder_width=0.2 if size[0] >= size[1] else 0.3)
    vp = VirtualPatient(body, 4, fps=fps, noise=0.0, jitter=0.0, curvature=0.0)
    cal = Calibration(vp.reference, vp.envelope())
    builder = IntentsBuilder(cal)
    for goal in (ReachGoal("right", 1.3, 0.4), ReachGoal("left", -0.2, 0.9), ReachGoal("right", 0.9, -0.6)):
        vp.look(goal, vp.t)
        t_end = vp.t + 2.5
        intents = None
        for f in vp.frames(vp.t + 1 / 30, t_end):
            intents = builder.build(f)
        hand = intents.hand(goal.side)
        assert (hand.x, hand.y) == pytest.approx((goal.x, goal.y), abs=0.01)
        assert intents.cue is None and intents.body_visible
        assert math.hypot(intents.trunk_dx, intents.trunk_dy) < 0.02  # the recorded body sways only a little


def test_telemetry_metrics_of_vp_reaches_match_the_planned_movements(base):
    """The REPETITION path is enough for telemetry to recover what the patient really did."""
    from telemetry.derive import derive_trials

    dose = ReachingDose(reach_fraction=0.7, repetitions=6)
    _, events, vp = play_direct(base, dose, seed=3)
    reps = [e for e in events if e.kind == ev.REPETITION]
    trials = derive_trials(events)
    assert len(trials) == 6
    for tr, rep in zip(trials, reps):
        m = tr.data["metrics"]
        shown = rep.data["shown_t"]
        plan = next(p for _, g, p in vp.planned if isinstance(g, ReachGoal) and p.t0 > shown)
        # Onset at 2 % of peak speed comes a few hundredths of a second after the plan starts.
        assert m["reaction_time_s"] == pytest.approx(plan.t0 - shown, abs=0.15)
        assert m["movement_time_s"] == pytest.approx(plan.duration, rel=0.2)
        assert 35 < m["time_to_peak_pct"] < 65  # a symmetric bell
        assert m["sparc"] > -1.8  # smooth (the Gaussian reference is -1.414)


def test_default_open_hand_reads_as_an_open_hand_to_vision(base):
    from vision.intents_builder import hand_ratio

    vp = VirtualPatient(base, 2, hand_model=open_hand, jitter=0.0)
    vp.look(HandGoal("openclose", "right"), 0.0)
    f = list(vp.frames(0.0, 1.5))[-1]
    pinch, grasp = hand_ratio(f.hand("Right"), f.width, f.height)
    assert 0.5 < pinch < 1.0 and 1.4 < grasp < 2.2  # thumb away from the index, fingers straight
    lm = f.hand("Right").landmarks
    assert np.all((lm[:, :2] > 0) & (lm[:, :2] < 1))
