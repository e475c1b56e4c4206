"""Trials derived from event logs shaped like the reaching game's."""

from __future__ import annotations

import numpy as np
import pytest

from exercises.events import Event
from telemetry.derive import derive_summary, derive_trials


def reach_events(index: int, t0: float, hit: bool) -> list[Event]:
    t = np.arange(t0, t0 + 2.5, 1 / 30)
    tau = np.clip((t - t0 - 0.5) / 1.0, 0, 1)
    s = 10 * tau ** 3 - 15 * tau ** 4 + 6 * tau ** 5
    reach = 1.0 if hit else 0.5
    path = [[float(ti), 0.5 + 0.6 * reach * si, 0.8 * reach * si]
            for ti, si in zip(t, s, strict=True)]
    end = t0 + 2.5
    evs = [Event(t0, "target_shown", {"index": index, "x": 1.1, "y": 0.8}),
           Event(t0 + 0.55, "movement_onset", {"index": index})]
    if hit:
        evs.append(Event(end, "hold_complete", {"index": index, "hold_s": 1.0}))
    else:
        evs += [Event(end, "timeout", {"index": index}),
                Event(end, "miss", {"index": index, "reason": "timeout"})]
    evs.append(Event(end, "repetition", {
        "index": index, "target": [1.1, 0.8], "shown_t": t0, "hit": hit,
        "outcome": "hit" if hit else "timeout", "path": path,
        "trunk": [[float(t0), 0.0, 0.0, 0.0], [float(end), 0.1, 0.0, 2.0]]}))
    return evs


def test_one_trial_per_target_with_metrics() -> None:
    events = reach_events(0, 0.0, True) + reach_events(1, 3.0, False) + [
        Event(6.0, "compensation", {"index": 1})]
    trials = derive_trials(events)
    assert [(tr.trial_index, tr.outcome) for tr in trials] == [(0, "hit"), (1, "timeout")]
    m = trials[0].data["metrics"]
    assert "path" not in trials[0].data
    assert m["movement_time_s"] == pytest.approx(0.94, abs=0.06)
    assert m["path_length_ratio"] == pytest.approx(1.0, abs=0.03)
    assert m["quality"] > 0.9 and m["poor_quality"] is False
    assert m["trunk_displacement_cm"] == pytest.approx(3.6, abs=0.01)
    assert m["trunk_lean_deg"] == 2.0
    assert trials[0].data["t_onset"] == 0.55
    summary = derive_summary(events)
    assert (summary["trials"], summary["hits"], summary["misses"], summary["timeouts"]) == (
        2, 1, 1, 1)
    assert summary["compensations"] == 1
    assert summary["duration_s"] == 6.0


def test_sparse_path_is_poor_quality() -> None:
    evs = reach_events(0, 0.0, True)
    rep = evs[-1]
    sparse = rep.data["path"][::6]  # 5 Hz: too few samples to trust
    evs[-1] = Event(rep.t, rep.kind, {**rep.data, "path": sparse})
    [tr] = derive_trials(evs)
    assert tr.data["metrics"]["poor_quality"] is True


def test_events_without_index() -> None:
    evs = [Event(0, "target_shown"), Event(1, "hold_complete"), Event(2, "target_shown"),
           Event(9, "miss")]
    trials = derive_trials(evs)
    assert [(t.outcome, t.data["t_target_shown"]) for t in trials] == [("hit", 0), ("miss", 2)]
    assert derive_summary([])["trials"] == 0


def test_session_tracking_quality_enters_each_repetition() -> None:
    evs = reach_events(0, 0.0, True)
    good = derive_trials(evs, tracking={"arm_visibility_mean": 0.95, "frontal_median": 0.98})
    assert good[0].data["metrics"]["poor_quality"] is False
    hidden = derive_trials(evs, tracking={"arm_visibility_mean": 0.35, "frontal_median": 0.98})
    assert hidden[0].data["metrics"]["poor_quality"] is True
    side_on = derive_trials(evs, tracking={"arm_visibility_mean": 0.95, "frontal_median": 0.4})
    assert side_on[0].data["metrics"]["poor_quality"] is True


def test_dexterity_repetitions_keep_their_metrics() -> None:
    evs = [Event(15.0, "repetition", {"set": 0, "side": "right", "taps": 28, "tempo_hz": 2.0,
                                       "rate_hz": 1.9, "rhythm_cov": 0.08, "amplitude": 0.7,
                                       "decrement": 0.95, "interruptions": 1}),
           Event(40.0, "repetition", {"set": 1, "side": "right", "rate_hz": float("nan")})]
    trials = derive_trials(evs)
    assert [t.outcome for t in trials] == ["done", "done"]
    assert trials[0].data["metrics"]["rate_hz"] == 1.9
    assert trials[0].data["metrics"]["interruptions"] == 1.0
    assert "metrics" not in trials[1].data  # NaN is no measurement
