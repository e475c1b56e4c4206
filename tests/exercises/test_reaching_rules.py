"""Reaching rules driven by scripted Intents streams (no camera, no clock)."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest

from exercises import events as ev
from exercises.doses import ReachingDose, SessionDose, make_dose
from exercises.reaching import (
    COMPENSATION_CUE,
    REACH_HOLD_BROKEN,
    ReachingExercise,
    ReachSetup,
    default_envelope,
    target_position,
)
from exercises.scenes.layout import HEAD_BOX, Box, clear_of_face
from vision.directions import DIRECTIONS, SEATED_DIRECTIONS
from vision.intents import HandIntent, Intents

DT = 1 / 60
REST = {"right": (0.5, -1.0), "left": (-0.5, -1.0)}

HandFn = Callable[[float, ReachingExercise], "dict[str, tuple[float, float] | None]"]


def seeker(speed: float = 3.0) -> HandFn:
    """A hand that moves at `speed` body units/s toward the shown target."""
    pos = dict(REST)

    def fn(t: float, ex: ReachingExercise) -> dict:
        live = [tv for tv in ex.targets if tv.state in ("waiting", "holding")]
        for side in ("left", "right"):
            goal = REST[side]
            for tv in live:
                if tv.side == side:
                    goal = (tv.x, tv.y)
            x, y = pos[side]
            dx, dy = goal[0] - x, goal[1] - y
            d = math.hypot(dx, dy)
            step = min(d, speed * DT)
            if d > 0:
                pos[side] = (x + dx / d * step, y + dy / d * step)
        return dict(pos)

    return fn


def still(t: float, ex: ReachingExercise) -> dict:
    return dict(REST)


def run(ex: ReachingExercise, hand_fn: HandFn, seconds: float,
        trunk: Callable[[float], tuple[float, float, float]] | None = None) -> list[ev.Event]:
    out: list[ev.Event] = []
    t = ex.t  # the session clock carries on across calls
    for _ in range(round(seconds / DT)):
        t += DT
        hands = hand_fn(t, ex)
        dx, dy, lean = trunk(t) if trunk else (0.0, 0.0, 0.0)
        h = {s: (HandIntent(*p) if p is not None else None) for s, p in hands.items()}
        out += ex.step(Intents(t=t, left=h.get("left"), right=h.get("right"),
                               trunk_dx=dx, trunk_dy=dy, trunk_lean_deg=lean), DT)
        if ex.done:
            break
    return out


def kinds(events: list[ev.Event], kind: str) -> list[ev.Event]:
    return [e for e in events if e.kind == kind]


def make(seed: int = 1, session: SessionDose | None = None, env: float = 1.5, **dose) -> ReachingExercise:
    return ReachingExercise(make_dose("reaching", **dose), default_envelope(env),
                            np.random.default_rng(seed), session_dose=session)


def test_seeking_hand_hits_every_target_with_movement_times():
    ex = make(repetitions=6, hold_s=0.5, inter_target_s=0.5)
    events = run(ex, seeker(3.0), 60)
    assert ex.done
    assert len(kinds(events, ev.TARGET_SHOWN)) == 6
    assert len(kinds(events, ev.HOLD_COMPLETE)) == 6
    assert kinds(events, ev.MISS) == []
    s = ex.summary()
    assert (s["targets"], s["hits"], s["misses"], s["success_rate"]) == (6, 6, 0, 1.0)
    assert s["score"] == 600
    # Every rep: onset right after showing, a movement time of a few tenths of a second.
    reps = kinds(events, ev.REPETITION)
    assert len(reps) == 6
    for r in reps:
        assert r.data["hit"] is True
        assert 0 <= r.data["reaction_time_s"] < 0.1 + 2 * DT  # it turns at once; onset within a window
        assert 0.0 <= r.data["movement_time_s"] < 2.0
        assert r.data["end_t"] - r.data["touch_t"] == pytest.approx(0.5, abs=DT + 1e-6)
    assert s["mean_movement_time_s"] == pytest.approx(np.mean([r.data["movement_time_s"] for r in reps]))


def test_still_hand_times_out_and_every_timeout_is_a_miss():
    ex = make(repetitions=3, target_timeout_s=2.0, inter_target_s=0.5)
    events = run(ex, still, 30)
    assert ex.done
    assert len(kinds(events, ev.TIMEOUT)) == 3
    assert [e.data["reason"] for e in kinds(events, ev.MISS)] == ["timeout"] * 3
    assert kinds(events, ev.MOVEMENT_ONSET) == []
    s = ex.summary()
    assert (s["hits"], s["misses"], s["success_rate"], s["mean_movement_time_s"]) == (0, 3, 0.0, None)
    # Timeouts come timeout_s after showing (durations from dt, stamps from Intents.t).
    shown = [e.t for e in kinds(events, ev.TARGET_SHOWN)]
    outs = [e.t for e in kinds(events, ev.TIMEOUT)]
    assert np.allclose(np.subtract(outs, shown), 2.0, atol=DT + 1e-6)


def test_pace_stretches_timeout_and_inter_target_pause():
    ex = make(repetitions=2, target_timeout_s=2.0, inter_target_s=1.0, session=SessionDose(pace=0.5))
    assert (ex.timeout_s, ex.inter_target_s, ex.hold_s) == (4.0, 2.0, 1.0)
    events = run(ex, still, 30)
    shown = [e.t for e in kinds(events, ev.TARGET_SHOWN)]
    assert shown[0] == pytest.approx(2.0, abs=DT + 1e-6)
    assert shown[1] - shown[0] == pytest.approx(6.0, abs=2 * DT + 1e-6)


def test_interrupted_hold_resets():
    ex = make(repetitions=1, hold_s=1.0, inter_target_s=0.2, target_timeout_s=20)
    run(ex, still, 0.3)
    (tv,) = ex.targets
    on = {"right": (tv.x, tv.y), "left": REST["left"]}
    off = {"right": (tv.x + 1.5, tv.y), "left": REST["left"]}
    events = run(ex, lambda t, e: on, 0.6)
    assert ex.targets[0].state == "holding"
    assert ex.targets[0].hold_progress == pytest.approx(0.6, abs=0.02)
    events += run(ex, lambda t, e: off, 0.2)
    assert ex.targets[0].state == "waiting" and ex.targets[0].hold_progress == 0.0
    assert len(kinds(events, REACH_HOLD_BROKEN)) == 1
    events += run(ex, lambda t, e: on, 0.9)
    assert not ex.done  # 0.9 s is not a full second: the earlier 0.6 s did not count
    events += run(ex, lambda t, e: on, 0.2)
    assert ex.done and ex.summary()["hits"] == 1
    assert len(kinds(events, ev.TOUCH)) == 2


def test_both_arms_alternate_right_then_left():
    ex = make(repetitions=6, side="both", hold_s=0.2, inter_target_s=0.2)
    events = run(ex, seeker(4.0), 60)
    sides = [e.data["side"] for e in kinds(events, ev.TARGET_SHOWN)]
    assert sides == ["right", "left"] * 3
    assert ex.summary()["hits"] == 6
    for e in kinds(events, ev.TARGET_SHOWN):  # a left target is on the left arm's side of its shoulder
        if e.data["direction"] == "out":
            assert (e.data["x"] > 0.5) == (e.data["side"] == "right")


def test_seated_mode_never_places_down_targets_and_all_are_on_the_envelope():
    env = {"right": {d: 1.0 + 0.1 * i for i, d in enumerate(DIRECTIONS)},
           "left": {d: 2.0 - 0.1 * i for i, d in enumerate(DIRECTIONS)}}
    setup = ReachSetup(env)
    for seed in range(5):
        ex = ReachingExercise(ReachingDose(repetitions=16, directions=DIRECTIONS, side="both", reach_fraction=0.7,
                                           target_timeout_s=0.2, inter_target_s=0.1),
                              env, np.random.default_rng(seed), session_dose=SessionDose(seated=True))
        events = run(ex, still, 60)
        shown = kinds(events, ev.TARGET_SHOWN)
        assert len(shown) == 16
        dirs = {e.data["direction"] for e in shown}
        assert dirs <= set(SEATED_DIRECTIONS) and not dirs & {"down", "down_in"}
        assert dirs == set(SEATED_DIRECTIONS)  # the shuffle bag covers every allowed direction
        for e in shown:
            side, d = e.data["side"], e.data["direction"]
            sx = 0.5 if side == "right" else -0.5
            dist = math.hypot(e.data["x"] - sx, e.data["y"])
            assert dist == pytest.approx(0.7 * env[side][d])
            # the formula, turned about the shoulder (same distance) when it would touch the face
            assert (e.data["x"], e.data["y"]) == pytest.approx(
                clear_of_face(*target_position(setup, side, d, 0.7), e.data["radius"], side))
            assert not Box(e.data["x"] - e.data["radius"], e.data["y"] - e.data["radius"],
                           e.data["x"] + e.data["radius"], e.data["y"] + e.data["radius"]).overlaps(HEAD_BOX)


def test_standing_mode_allows_down_and_seated_with_only_down_is_refused():
    ex = make(repetitions=8, directions=("down", "down_in"), session=SessionDose(seated=False),
              target_timeout_s=0.1, inter_target_s=0.1)
    events = run(ex, still, 10)
    assert {e.data["direction"] for e in kinds(events, ev.TARGET_SHOWN)} == {"down", "down_in"}
    with pytest.raises(ValueError, match="seated"):
        make(directions=("down", "down_in"))
    with pytest.raises(ValueError, match="sideways"):
        make(directions=("sideways",))


def test_same_seed_same_targets_different_seed_different_order():
    def order(seed):
        return [(e.data["direction"], e.data["x"], e.data["y"])
                for e in kinds(run(make(seed, repetitions=12, target_timeout_s=0.1, inter_target_s=0.1),
                                   still, 20), ev.TARGET_SHOWN)]
    assert order(3) == order(3)
    assert order(3) != order(4)


def test_trunk_lean_pauses_hold_emits_cue_and_counts():
    ex = make(repetitions=1, hold_s=1.0, inter_target_s=0.2, target_timeout_s=30)
    run(ex, still, 0.3)
    (tv,) = ex.targets
    on = {"right": (tv.x, tv.y), "left": REST["left"]}
    events = run(ex, lambda t, e: on, 0.5)
    assert ex.targets[0].hold_progress == pytest.approx(0.5, abs=0.02)
    # 0.2 body units (7.6 cm at 0.38 m) is beyond the 5 cm floor: the hold freezes.
    events += run(ex, lambda t, e: on, 2.0, trunk=lambda t: (0.2, 0.0, 0.0))
    assert ex.compensating and ex.cue == COMPENSATION_CUE
    assert ex.targets[0].hold_progress == pytest.approx(0.5, abs=0.02)
    (comp,) = kinds(events, ev.COMPENSATION)
    assert comp.data["cue"] == "Keep your back against the chair"
    assert comp.data["displacement_threshold"] == pytest.approx(0.05 / 0.38)
    events += run(ex, lambda t, e: on, 0.6)
    assert not ex.compensating and ex.done
    s = ex.summary()
    assert s["compensations"] == 1 and s["hits"] == 1
    assert kinds(events, ev.REPETITION)[0].data["compensations"] == 1


def test_small_sway_is_not_compensation_but_calibrated_lean_limit_is():
    setup = ReachSetup(default_envelope(), trunk_sd=0.02, lean_sd_deg=3.0, shoulder_width_m=0.40)
    assert setup.trunk_threshold == pytest.approx(0.125)  # floor 5 cm / 0.40 m beats 2 SD = 0.04
    assert setup.lean_threshold_deg == pytest.approx(8.0)
    setup = ReachSetup(default_envelope(), trunk_mean=0.05, trunk_sd=0.1, lean_mean_deg=4.0, lean_sd_deg=6.0)
    assert setup.trunk_threshold == pytest.approx(0.25) and setup.lean_threshold_deg == pytest.approx(12.0)
    ex = ReachingExercise(ReachingDose(repetitions=2, inter_target_s=0.1, target_timeout_s=1.0),
                          setup, np.random.default_rng(0))
    events = run(ex, still, 1.2, trunk=lambda t: (0.15 * math.sin(7 * t), 0.05, 9.0 * math.sin(3 * t)))
    assert kinds(events, ev.COMPENSATION) == []
    events = run(ex, still, 1.0, trunk=lambda t: (0.0, 0.0, 15.0))
    assert len(kinds(events, ev.COMPENSATION)) == 1


def test_knock_variant_moves_the_target_body_and_knocks_it_away():
    ex = make(repetitions=1, variant="knock", hold_s=0.3, inter_target_s=0.2, target_radius=0.25)
    run(ex, still, 0.3)
    (tv,) = ex.targets
    home = (tv.x, tv.y)
    # Approach from the shoulder side and push 0.15 body units "through" the target centre.
    sx = 0.5
    ux, uy = tv.x - sx, tv.y
    n = math.hypot(ux, uy)
    ux, uy = ux / n, uy / n
    press = {"right": (tv.x - ux * (0.25 + 0.12 - 0.15), tv.y - uy * (0.25 + 0.12 - 0.15)), "left": REST["left"]}
    start = {"right": (tv.x - ux * 0.8, tv.y - uy * 0.8), "left": REST["left"]}
    run(ex, lambda t, e: start, 0.1)
    events = []
    for k in range(1, 11):  # slide in over 1/6 s
        f = k / 10
        p = (start["right"][0] + f * (press["right"][0] - start["right"][0]),
             start["right"][1] + f * (press["right"][1] - start["right"][1]))
        events += run(ex, lambda t, e, p=p: {"right": p, "left": REST["left"]}, DT)
    events += run(ex, lambda t, e: press, 0.1)
    moved = ex.targets[0]
    shift = math.hypot(moved.x - home[0], moved.y - home[1])
    assert shift > 0.05  # pushed along by the hand's body
    assert ((moved.x - home[0]) * ux + (moved.y - home[1]) * uy) > 0  # away from the hand
    events += run(ex, lambda t, e: press, 0.4)
    assert ex.done and ex.summary()["hits"] == 1
    assert ex.targets[0].state == "popped"
    dists = []
    for k in range(12):  # the game keeps stepping to animate; the tether is cut, it flies off
        assert ex.step(Intents(t=ex.t + DT, right=HandIntent(*press["right"])), DT) == []
        dists.append(math.hypot(ex.targets[0].x - home[0], ex.targets[0].y - home[1]))
    assert np.all(np.diff(dists) > 0) and dists[-1] > 0.5
    for k in range(30):
        ex.step(Intents(t=ex.t + DT), DT)
    assert ex.targets == () and len(ex.space.bodies) == 2  # only the two hands remain


def test_pop_target_stays_put_and_carry_target_travels_with_the_hand():
    for variant, should_move in (("pop", False), ("carry", True)):
        ex = make(repetitions=1, variant=variant, hold_s=1.0, inter_target_s=0.2)
        run(ex, still, 0.3)
        (tv,) = ex.targets
        on = {"right": (tv.x, tv.y), "left": REST["left"]}
        run(ex, lambda t, e, on=on: on, 0.2)
        for k in range(20):
            p = (tv.x + 0.005 * k, tv.y)
            run(ex, lambda t, e, p=p: {"right": p, "left": REST["left"]}, DT)
        now = ex.targets[0]
        assert (abs(now.x - tv.x) > 0.05) == should_move, variant
        assert now.state == "holding"


def test_set_difficulty_applies_to_next_target_only():
    ex = make(repetitions=2, reach_fraction=0.5, target_radius=0.3, target_timeout_s=1.0, inter_target_s=0.2)
    run(ex, still, 0.3)
    first = ex.targets[0]
    ex.set_difficulty(reach_fraction=0.9, target_radius=0.1)
    assert ex.targets[0].radius == 0.3 == first.radius
    events = run(ex, still, 5)
    second = kinds(events, ev.TARGET_SHOWN)[0].data
    assert (second["reach_fraction"], second["radius"]) == (0.9, 0.1)
    reps = kinds(events, ev.REPETITION)
    assert [r.data["reach_fraction"] for r in reps] == [0.5, 0.9]


def test_repetition_path_is_decimated_to_60hz_and_covers_the_trial():
    ex = make(repetitions=1, hold_s=0.3, inter_target_s=0.2)
    fine_dt = 1 / 240
    sk = seeker(3.0)
    events = []
    t = 0.0
    while not ex.done and t < 10:
        t += fine_dt
        p = sk(t, ex)
        events += ex.step(Intents(t=t, right=HandIntent(*p["right"]), left=HandIntent(*p["left"])), fine_dt)
    (rep,) = kinds(events, ev.REPETITION)
    path = np.array(rep.data["path"])
    assert path.shape[1] == 3
    assert np.all(np.diff(path[:, 0]) >= 1 / 60 - 1e-6)
    assert path[0, 0] <= rep.data["shown_t"] + 1 / 60 and path[-1, 0] >= rep.data["end_t"] - 1 / 30
    assert np.hypot(*(path[-1, 1:] - np.array(rep.data["target"]))) < 0.3 + 0.12
    assert np.allclose(np.array(rep.data["trunk"])[:, 1:], 0.0)


def test_missing_hand_never_touches_and_bad_inputs_are_named():
    ex = make(repetitions=1, target_timeout_s=1.0, inter_target_s=0.1)
    events = run(ex, lambda t, e: {"right": None, "left": None}, 3)
    assert ex.summary()["misses"] == 1 and kinds(events, ev.TOUCH) == []
    assert ex.hands == {"left": None, "right": None}
    with pytest.raises(ValueError, match="dt"):
        make().step(Intents(t=0.0), 0.0)
    with pytest.raises(ValueError, match="pace"):
        make(session=SessionDose(pace=0.0))
    with pytest.raises(ValueError, match="variant 'wobble'"):
        make(variant="wobble")
    with pytest.raises(ValueError, match="target_radius must be > 0"):
        make(target_radius=0.0)
    with pytest.raises(ValueError, match="hold_s must be >= 0"):
        make(hold_s=-1.0)


def test_onset_is_movement_toward_the_target_not_a_hand_still_returning():
    # (a target small enough to stay straight above the shoulder, clear of the face)
    ex = make(repetitions=1, inter_target_s=0.5, target_timeout_s=10, directions=("up",), target_radius=0.15)
    # The hand drops toward the lap (away from an "up" target) through the target's appearance...
    events = run(ex, lambda t, e: {"right": (0.5, 0.2 - 1.0 * t), "left": REST["left"]}, 1.0)
    assert len(kinds(events, ev.TARGET_SHOWN)) == 1 and kinds(events, ev.MOVEMENT_ONSET) == []
    # ...then turns and rises toward it: that is the onset.
    t_turn = ex.t
    events = run(ex, lambda t, e: {"right": (0.5, -0.8 + 1.0 * (t - t_turn)), "left": REST["left"]}, 0.5)
    (onset,) = kinds(events, ev.MOVEMENT_ONSET)
    assert t_turn < onset.t <= t_turn + 0.1 + DT
    assert onset.data["speed_toward"] > 0.4 and onset.data["speed"] == pytest.approx(onset.data["speed_toward"])


def test_a_clock_that_jumps_back_restarts_the_hand_track_without_a_false_onset():
    ex = make(repetitions=1, inter_target_s=0.1, target_timeout_s=5, directions=("up",))
    run(ex, still, 0.5)
    assert ex.targets and ex.targets[0].state == "waiting"
    out = ex.step(Intents(t=0.2, right=HandIntent(0.5, -0.9)), DT)  # earlier stamp, hand moved a bit
    assert kinds(out, ev.MOVEMENT_ONSET) == [] and ex.hands["right"] == (0.5, -0.9)
    events = []
    for k in range(1, 30):  # then a real reach upward on the new clock
        events += ex.step(Intents(t=0.2 + k * DT, right=HandIntent(0.5, -0.9 + 1.5 * k * DT)), DT)
    assert len(kinds(events, ev.MOVEMENT_ONSET)) == 1
