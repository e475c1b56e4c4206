"""Session runner: the clock, rests, cap, tracking pauses, stop and pain rules."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exercises import events as ev
from exercises.doses import ReachingDose, SessionDose
from exercises.reaching import ReachingExercise
from exercises.session import PainDecision, SessionRunner
from vision.intents import HandIntent, Intents

DT = 0.1  # a coarse step keeps these long sessions quick; times are multiples of it


class StepCounter:
    """Test double: an exercise that records when it was stepped."""

    name = "counter"

    def __init__(self, quota_s: float = 1e9, side: str | None = "right") -> None:
        self.stepped: list[float] = []
        self.quota_s = quota_s
        if side is not None:
            self.active_side = side

    def step(self, intents: Intents, dt: float) -> list[ev.Event]:
        self.stepped.append(intents.t)
        return [ev.Event(intents.t, "counter_tick", {"n": len(self.stepped)})]

    @property
    def done(self) -> bool:
        return len(self.stepped) * DT >= self.quota_s - 1e-9

    def summary(self) -> dict[str, Any]:
        return {"exercise": self.name, "steps": len(self.stepped)}


HAND = HandIntent(0.5, -0.5)


class Clock:
    def __init__(self, runner: SessionRunner) -> None:
        self.runner = runner
        self.t = 0.0
        self.events: list[ev.Event] = []

    def run(self, seconds: float, **intents: Any) -> list[ev.Event]:
        out = []
        intents.setdefault("right", HAND)
        for _ in range(round(seconds / DT)):
            self.t = round(self.t + DT, 6)
            out += self.runner.step(Intents(t=self.t, **intents), DT)
        self.events += out
        return out


def kinds(events: list[ev.Event], kind: str) -> list[ev.Event]:
    return [e for e in events if e.kind == kind]


def make(quota_s: float = 1e9, **session: Any) -> tuple[SessionRunner, StepCounter, Clock]:
    ex = StepCounter(quota_s)
    runner = SessionRunner(ex, SessionDose(**session), pre_pain=2)
    return runner, ex, Clock(runner)


def test_rest_breaks_come_every_rest_every_s_of_play_and_last_rest_s():
    runner, ex, clock = make(session_minutes=1.0, rest_every_s=20.0, rest_s=5.0)
    events = clock.run(100)
    starts = [e.t for e in kinds(events, ev.REST_START)]
    ends = [e.t for e in kinds(events, ev.REST_END)]
    assert starts == pytest.approx([20.0, 45.0])  # 20 s play, 5 s rest, 20 s play
    assert ends == pytest.approx([25.0, 50.0])
    assert runner.rests == 2
    # The exercise is never stepped while resting.
    stepped = np.array(ex.stepped)
    for s, e in zip(starts, ends):
        assert not np.any((stepped > s + 1e-6) & (stepped <= e + 1e-6))
    # Time cap: 60 s of active play, then done; the last rest would fall at 60 s and is not taken.
    assert runner.done and runner.end_reason == "time_cap"
    assert runner.active_s == pytest.approx(60.0)
    assert kinds(events, ev.SESSION_END)[0].t == pytest.approx(70.0)
    assert len(ex.stepped) == 600
    assert runner.time_remaining_s == 0.0


def test_state_walks_playing_resting_playing():
    runner, _, clock = make(rest_every_s=1.0, rest_s=0.5)
    assert runner.state == "playing"
    clock.run(1.0)
    assert runner.state == "resting" and runner.rest_remaining_s == pytest.approx(0.5)
    clock.run(0.5)
    assert runner.state == "playing"


def test_quota_met_ends_the_session_completed():
    runner, ex, clock = make(quota_s=3.0, rest_every_s=100)
    events = clock.run(10)
    assert runner.end_reason == "completed" and runner.summary()["session"]["quota_met"]
    assert kinds(events, ev.SESSION_START)[0].t == pytest.approx(0.1)
    assert [e.data["reason"] for e in kinds(events, ev.SESSION_END)] == ["completed"]
    assert len(ex.stepped) == 30 and runner.active_s == pytest.approx(3.0)
    assert clock.run(1) == []  # done is final


def test_lost_tracking_pauses_the_clock_and_passes_the_cue():
    runner, ex, clock = make(rest_every_s=1000)
    clock.run(2)
    events = clock.run(3, cue="step_back", tracking_quality=0.9)
    assert runner.state == "tracking_lost" and runner.cue == "step_back"
    assert runner.active_s == pytest.approx(2.0) and len(ex.stepped) == 20
    (lost,) = kinds(events, ev.TRACKING_LOST)
    assert lost.data["cue"] == "step_back"
    events = clock.run(0.2)  # good again, but not yet for RESTORE_AFTER_S
    assert runner.state == "tracking_lost" and runner.cue is None and kinds(events, ev.TRACKING_RESTORED) == []
    events = clock.run(1.0)
    (restored,) = kinds(events, ev.TRACKING_RESTORED)
    assert restored.t == pytest.approx(5.3) and restored.data["lost_for_s"] == pytest.approx(3.3)
    assert runner.active_s == pytest.approx(2.0 + 1.0)  # play resumes on the restoring step
    # Low quality without a cue pauses once it lasts QUALITY_GRACE_S (1 s); a brief dip does not.
    clock.run(0.9, tracking_quality=0.3)
    assert runner.state == "playing"
    clock.run(0.2)
    clock.run(0.9, tracking_quality=0.3)
    assert runner.state == "playing"
    clock.run(0.1, tracking_quality=0.3)
    assert runner.state == "tracking_lost" and runner.cue == "poor_tracking"  # seen, but unreliable
    clock.run(1.0)
    clock.run(1, body_visible=False)
    assert runner.state == "tracking_lost" and runner.cue == "move_into_frame"
    assert runner.tracking_losses == 3
    # 3.3 s, then 0.1 + 0.3 s (poor, then restoring), and the 1 s still going on.
    assert runner.summary()["session"]["tracking_lost_s"] == pytest.approx(3.3 + 0.4 + 1.0)
    assert runner.active_s == pytest.approx(5.0 + 0.8, abs=1e-6)  # + 0.8 s of play after restoring


def test_missing_hand_of_the_arm_in_use_pauses_unless_not_required():
    runner, ex, clock = make()
    events = clock.run(1, right=None, left=HAND)
    assert runner.state == "tracking_lost" and runner.cue == "arm_not_visible"
    assert kinds(events, ev.TRACKING_LOST)[0].data["side"] == "right" and ex.stepped == []
    mouse = SessionRunner(StepCounter(), SessionDose(), None, require_hand=False)
    Clock(mouse).run(1, right=None)
    assert mouse.state == "playing" and mouse.active_s == pytest.approx(1.0)


def _into(state: str) -> tuple[SessionRunner, Clock, dict]:
    runner, _, clock = make(rest_every_s=1.0, rest_s=10.0)
    extra: dict = {}
    if state == "playing":
        clock.run(0.2)
    elif state == "resting":
        clock.run(1.2)
    elif state == "paused":
        runner.pause()
    elif state == "tracking_lost":
        extra = {"cue": "too_dark"}
        clock.run(0.5, **extra)
    assert runner.state == state
    return runner, clock, extra


@pytest.mark.parametrize("state", ["playing", "resting", "paused", "tracking_lost"])
def test_stop_button_works_in_every_state(state):
    runner, clock, extra = _into(state)
    events = clock.run(0.1, stop=True, **extra)
    assert runner.state == "done" and runner.end_reason == "stopped"
    (stop,) = kinds(events, ev.STOP)
    assert stop.data["state"] == state
    assert kinds(events, ev.SESSION_END)[0].data["reason"] == "stopped"
    assert runner.summary()["session"]["completed"] is False


@pytest.mark.parametrize("state", ["playing", "resting", "paused", "tracking_lost"])
def test_stop_call_works_in_every_state_and_is_idempotent(state):
    runner, _, _ = _into(state)
    runner.drain()
    out = runner.stop()
    assert [e.kind for e in out] == [ev.STOP, ev.SESSION_END] and runner.done
    assert runner.stop() == [] and [e.kind for e in runner.drain()] == [ev.STOP, ev.SESSION_END]


def test_pause_button_toggles_on_presses_and_freezes_rest():
    runner, ex, clock = make(rest_every_s=1.0, rest_s=2.0)
    clock.run(1.5)
    assert runner.state == "resting" and runner.rest_remaining_s == pytest.approx(1.5)
    events = clock.run(0.1, pause=True)  # one press
    clock.run(0.1, pause=True)  # still held: not a second press
    clock.run(3)
    assert runner.state == "paused" and runner.rest_remaining_s == pytest.approx(1.5)
    assert [e.data["reason"] for e in kinds(events, ev.PAUSE)] == ["user"]
    events = clock.run(0.1, pause=True)
    assert kinds(events, ev.RESUME) and runner.state == "resting"
    assert runner.rest_remaining_s == pytest.approx(1.4)
    assert len(ex.stepped) == 10


def test_pain_stop_ends_gracefully():
    runner, ex, clock = make()
    clock.run(1)
    out = runner.pain_stop(7)
    assert [e.kind for e in out] == [ev.PAIN_STOP, ev.SESSION_END]
    assert out[0].data == {"nrs": 7, "pre_pain": 2} and out[0].t == pytest.approx(1.0)
    assert runner.done and runner.end_reason == "pain_stop"
    assert clock.run(1) == [] and len(ex.stepped) == 10
    s = runner.summary()
    assert s["steps"] == 10 and s["session"]["pain_ratings"] == [7] and s["session"]["completed"] is False


@pytest.mark.parametrize("pre,nrs,drop", [(2, 3, 0), (2, 4, 1), (0, 5, 1), (4, 5, 0), (4, 6, 1), (None, 5, 0), (None, 6, 1)])
def test_in_session_pain_rule(pre, nrs, drop):
    runner = SessionRunner(StepCounter(), SessionDose(pain_stop_threshold=5, pain_rise_limit=2), pre)
    clock = Clock(runner)
    clock.run(0.5)
    d = runner.in_session_pain(nrs)
    assert isinstance(d, PainDecision)
    assert (d.drop_levels, d.must_drop, d.paused) == (drop, bool(drop), bool(drop))
    assert runner.state == ("paused" if drop else "playing")
    assert runner.pause_reason == ("pain" if drop else None)
    (check,) = kinds(runner.drain(), ev.CHECKIN)
    assert check.data["nrs"] == nrs and check.data["drop_levels"] == drop
    if drop:
        assert "drops one level" in d.reason
        runner.resume()
        assert runner.state == "playing"


def test_bad_inputs_are_named():
    with pytest.raises(ValueError, match="pain rating"):
        SessionRunner(StepCounter(), SessionDose(), 11)
    runner, _, _ = make()
    for bad in (-1, 11, 3.5, True):
        with pytest.raises(ValueError, match="0-10"):
            runner.in_session_pain(bad)
    with pytest.raises(ValueError, match="session_minutes"):
        SessionRunner(StepCounter(), SessionDose(session_minutes=0), None)
    with pytest.raises(ValueError, match="dt"):
        runner.step(Intents(t=0.0), 0.0)


def test_reaching_target_waits_through_a_rest_and_pace_comes_from_the_factory():
    dose = ReachingDose(repetitions=2, target_timeout_s=3.0, inter_target_s=0.5)
    session = SessionDose(rest_every_s=2.0, rest_s=10.0, pace=0.5)
    ex = ReachingExercise(dose, None, np.random.default_rng(0), session_dose=session)
    runner = SessionRunner(ex, session, None)
    clock = Clock(runner)
    events = clock.run(45, right=HandIntent(0.5, -1.0))
    shown = [e.t for e in kinds(events, ev.TARGET_SHOWN)]
    outs = [e.t for e in kinds(events, ev.TIMEOUT)]
    assert shown[0] == pytest.approx(1.0)  # 0.5 s / pace 0.5
    # 6 s timeout (3 s / pace) of play, with 10 s rests after 2, 4, 6 s of play in between.
    assert outs[0] - shown[0] == pytest.approx(6.0 + 3 * 10.0)
    assert runner.end_reason is None or runner.end_reason == "completed"

ACTIONS = st.lists(st.tuples(
    st.sampled_from(["play", "lost", "poor", "no_hand", "pause_btn", "pause", "resume", "pain_ok", "pain_bad",
                     "stop_btn", "stop", "pain_stop"]),
    st.floats(0.1, 3.0)), min_size=1, max_size=25)


@settings(max_examples=60, deadline=None)
@given(actions=ACTIONS, rest_every=st.floats(1.0, 10.0), rest=st.floats(0.5, 5.0), minutes=st.floats(0.1, 0.5))
def test_runner_invariants_under_any_sequence_of_inputs(actions, rest_every, rest, minutes):
    ex = StepCounter()
    runner = SessionRunner(ex, SessionDose(session_minutes=minutes, rest_every_s=rest_every, rest_s=rest), 2)
    clock = Clock(runner)
    ended_at = None
    for action, seconds in actions:
        before_steps, before_active = len(ex.stepped), runner.active_s
        state_before = runner.state
        if action == "play":
            clock.run(seconds)
        elif action == "lost":
            clock.run(seconds, cue="move_into_frame")
        elif action == "poor":
            clock.run(seconds, tracking_quality=0.2)
        elif action == "no_hand":
            clock.run(seconds, right=None)
        elif action == "pause_btn":
            clock.run(DT, pause=True)
        elif action == "stop_btn":
            clock.run(DT, stop=True)
        elif action == "pain_ok":
            assert runner.in_session_pain(3).drop_levels == 0
        elif action == "pain_bad":
            d = runner.in_session_pain(8)
            assert d.drop_levels == (0 if state_before == "done" else 1)
            assert runner.state in ("paused", "done")
        else:
            getattr(runner, action)(**({"nrs": 6} if action == "pain_stop" else {}))
        # The exercise advances exactly with the session clock, never past the cap.
        assert len(ex.stepped) - before_steps == round((runner.active_s - before_active) / DT)
        assert runner.active_s <= runner.cap_s + DT / 2
        assert runner.state in ("playing", "resting", "paused", "tracking_lost", "done")
        if action in ("stop_btn", "stop", "pain_stop"):
            assert runner.done
        if runner.done and ended_at is None:
            ended_at = len(runner.history)
    # After the end nothing happens but pain ratings given late (recorded as check-ins).
    if ended_at is not None:
        assert {e.kind for e in runner.history[ended_at:]} <= {ev.CHECKIN}
    ends = [e for e in runner.history if e.kind == ev.SESSION_END]
    assert [e.kind for e in runner.history].count(ev.STOP) + [e.kind for e in runner.history].count(ev.PAIN_STOP) <= 1
    assert len(ends) == (1 if runner.done else 0)
    kinds_seen = [e.kind for e in runner.history]
    assert kinds_seen.count(ev.SESSION_START) == (1 if kinds_seen else 0)
    assert not kinds_seen or kinds_seen[0] == ev.SESSION_START
