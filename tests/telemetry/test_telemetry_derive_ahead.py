"""The recorder derives trials as it writes (issue 4): what it stores at close must be
exactly what `derive_trials` / `derive_summary` give over the whole stored log, also
when later events change a trial already measured, when shoulder samples arrive after
a reach was measured, and for a session killed mid-way (recovered from its events)."""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from synthetic_turns import FPS, Ev, turn

from telemetry.derive import (
    EventTally,
    TrialLog,
    derive_summary,
    derive_trials,
    measure,
    shoulder_series,
)
from telemetry.store import Store, dumps
from vision.bodyframe import BodyFrame

REPO = Path(__file__).resolve().parents[2]
TRACKING = {"arm_visibility_mean": 0.9, "frontal_median": 0.95}


def _frame(i: int, t: float, theta_deg: float) -> BodyFrame:
    """Shoulders square to the camera, turned by theta about the vertical."""
    th = math.radians(theta_deg)
    d = np.array([math.cos(th), 0.0, math.sin(th)]) * 0.18
    pose = np.zeros((33, 4), dtype=np.float32)
    pose[:, 3] = 1.0
    pose[:, :2] = 0.5
    pose[11, :3] = (0.5, 0.4, 0.0) + d * np.array([0.5, 1.0, 0.5])
    pose[12, :3] = (0.5, 0.4, 0.0) - d * np.array([0.5, 1.0, 0.5])
    pw = np.zeros((33, 3), dtype=np.float32)
    pw[11] = (0.0, -0.45, 0.0) + d
    pw[12] = (0.0, -0.45, 0.0) - d
    return BodyFrame(index=i, t_ns=round(t * 1e9), width=1280, height=720, pose=pose,
                     pose_world=pw)


def _reach(index: int | None, shown: float, rng: np.random.Generator, *,
           hit: bool = True, dur: float = 2.0) -> list[Ev]:
    """A target, the hand's minimum-jerk reach to it (with tracking noise), its end."""
    t = np.arange(shown, shown + dur + 1e-9, 1 / FPS)
    tau = np.clip((t - shown - 0.4) / 1.0, 0, 1)
    s = 10 * tau ** 3 - 15 * tau ** 4 + 6 * tau ** 5
    x = 0.5 + 0.6 * s + rng.normal(0, 0.004, t.size)
    y = 0.8 * s + rng.normal(0, 0.004, t.size)
    path = [[float(a), float(b), float(c)] for a, b, c in zip(t, x, y, strict=True)]
    trunk = [[float(a), 0.02 * float(b), 0.01 * float(b), 3.0 * float(b)]
             for a, b in zip(t, s, strict=True)]
    end = float(t[-1])
    idx = {} if index is None else {"index": index}
    # Without an index every outcome event is a trial of its own: the repetition only.
    outcome = [] if index is None else [Ev(end, "hold_complete" if hit else "timeout", idx)]
    return [Ev(shown, "target_shown", {**idx}),
            Ev(shown + 0.45, "movement_onset", {**idx}),
            *outcome,
            Ev(end, "repetition", {**idx, "target": [1.1, 0.8], "shown_t": shown, "hit": hit,
                                   "path": path, "trunk": trunk})]


def _shoulders(t_end: float) -> tuple[np.ndarray, np.ndarray]:
    """The shoulder-line series of a session with a trunk turn in every 3 s."""
    t = np.arange(0.0, t_end, 1 / FPS)
    theta = -2.0 + sum(turn(t, 3.0 * k + 0.5, 4.0 + 2.0 * k) for k in range(int(t_end / 3)))
    return t, np.asarray(theta, dtype=float)


def _session_events(rng: np.random.Generator) -> list[list[Ev]]:
    """Batches as a recorder writes them: a reach every 3 s, then awkward cases."""
    batches = [[Ev(0.0, "session_start", {})]]
    for k in range(5):
        reach = _reach(k, 3.0 * k + 0.3, rng, hit=k != 3)
        if k == 3:  # its repetition (with the path) comes a batch after its timeout
            batches += [reach[:3], reach[3:]]
        else:
            batches.append(reach)
    # A late miss for target 3 ends its trial later (its rotation window grows).
    batches.append([Ev(15.5, "miss", {"index": 3, "late": True}),
                    Ev(15.6, "checkin", {"phase": "in_session", "nrs": 4}),
                    Ev(15.7, "pause", {"reason": "pain"})])
    batches.append(_reach(None, 16.0, rng))  # a game that does not number its targets
    batches.append(_reach(None, 19.0, rng, hit=False))
    batches.append([Ev(21.5, "compensation", {"kind": "trunk"})])
    batches.append(_reach(5, 22.0, rng))
    return batches


def test_trial_log_fed_in_batches_and_measured_ahead_equals_the_whole_log() -> None:
    rng = np.random.default_rng(11)
    batches = _session_events(rng)
    full_t, full_deg = _shoulders(26.0)
    log, tally = TrialLog(), EventTally()
    partial = []
    for batch in batches:
        log.add(batch)
        tally.add(batch)
        # The shoulder samples written so far; reach 2's window is only half in
        # when it is measured (its late samples must change its rotation).
        until = 7.0 if batch is batches[3] else max(e.t for e in batch)
        n = int(np.searchsorted(full_t, until, side="right"))
        while (job := log.take_ready(math.inf)) is not None:
            reach = measure(job, (full_t[:n], full_deg[:n]))
            log.keep(reach)
            partial.append(reach)
    events = [e for b in batches for e in b]
    got = log.finish(tracking=TRACKING, shoulders=(full_t, full_deg))
    want = derive_trials(events, tracking=TRACKING, shoulders=(full_t, full_deg))
    assert got == want
    assert len(want) == 8
    assert [tr.outcome for tr in want] == ["hit", "hit", "hit", "done", "hit", "hit",
                                          "done", "hit"]
    assert want[3].t == 15.5  # the late miss moved the end of a measured trial
    assert all("metrics" in tr.data for tr in want)
    rot = [tr.data["metrics"].get("trunk_rotation_deg") for tr in want]
    assert rot[:3] == [pytest.approx(4.0, abs=0.3), pytest.approx(6.0, abs=0.3),
                       pytest.approx(8.0, abs=0.3)]
    # Reach 2 was measured on half its window: that rotation was not kept.
    early = [r for r in partial if r.key == 2]
    assert early and early[0].rotation is not None and early[0].rotation < rot[2] - 1.0
    assert log.reused == len(want)  # every measurement was reused (rotation apart)
    assert tally.summary(want) == derive_summary(events, trials=want)
    assert tally.summary(want)["pain_pauses"] == 1


def test_a_measurement_whose_inputs_changed_is_redone() -> None:
    rng = np.random.default_rng(3)
    first = _reach(0, 1.0, rng)
    log = TrialLog()
    log.add(first)
    job = log.take_ready(math.inf)
    assert job is not None and log.take_ready(math.inf) is None
    log.keep(measure(job, None))
    # The same target index again (a game that restarts its numbering): the later
    # repetition replaces the trial's data, so the kept measurement no longer applies.
    again = [Ev(e.t + 5.0, e.kind, {**e.data, "shown_t": 6.0} if e.kind == "repetition"
                else e.data) for e in _reach(0, 6.0, rng)]
    log.add(again)
    got = log.finish(tracking=TRACKING)
    assert log.reused == 0
    assert got == derive_trials(first + again, tracking=TRACKING)


def test_a_trial_that_ends_later_gets_its_rotation_again() -> None:
    full = _shoulders(12.0)  # turns of 4 deg from 0.5 s and 6 deg from 3.5 s
    first = _reach(0, 0.3, np.random.default_rng(4))
    log = TrialLog()
    log.add(first)
    job = log.take_ready(math.inf)
    assert job is not None
    log.keep(measure(job, full))  # every shoulder sample is in: only the end can change
    late = [Ev(4.5, "miss", {"index": 0})]  # the repetition stands; the trial ends later
    log.add(late)
    got = log.finish(shoulders=full)  # before the flusher measured it again
    assert got == derive_trials(first + late, shoulders=full)
    assert got[0].data["metrics"]["trunk_rotation_deg"] == pytest.approx(6.0, abs=0.3)
    assert log.reused == 1


def _record_session(store: Store, rng: np.random.Generator) -> tuple[Any, list[BodyFrame]]:
    """A recorder fed as the game feeds it: frames as they come, each batch of
    events when it happens; flushed (and measured) every 0.5 s of play."""
    store.ensure_patient("ahead")
    rec = store.start_session("ahead", "reaching", {}, t0=0.0)
    batches = _session_events(rng)
    full_t, full_deg = _shoulders(26.0)
    frames: list[BodyFrame] = []
    pending = list(batches)
    for i, (t, deg) in enumerate(zip(full_t, full_deg, strict=True)):
        frame = _frame(i, float(t), float(deg))
        frames.append(frame)
        rec.record_frame(frame)
        while pending and max(e.t for e in pending[0]) <= t:
            rec.record(pending.pop(0))
        if i % 15 == 14:
            rec.flush()
            rec.derive_ready()
    for batch in pending:
        rec.record(batch)
    return rec, frames


def test_recorder_stores_what_deriving_the_whole_stored_log_gives(store_target: str) -> None:
    store = Store.open(store_target, flush_interval_s=3600)  # flushed by hand, as in play
    try:
        rec, frames = _record_session(store, np.random.default_rng(7))
        assert rec.trials_measured >= 7  # all but the last reach were measured during play
        rec.close({})
        [session] = store.history("ahead")
        events = store.events(rec.session_id)
        tracking = session.summary["tracking_quality"]
        want = derive_trials(events, tracking=tracking, shoulders=shoulder_series(frames))
        got = store.trials(rec.session_id)
        assert len(got) == len(want) == 8
        assert [(g.trial_index, g.t, g.outcome, g.data) for g in got] == [
            (w.trial_index, w.t, w.outcome, json.loads(dumps(w.data))) for w in want]
        derived = json.loads(dumps(derive_summary(events, trials=want)))
        # (The clock is not derived: the recorder knows its t0.)
        for key in ("trials", "duration_s", "pain_checks", "pain_in_session_max",
                    "pain_pauses"):
            assert session.summary[key] == derived[key], key
        assert session.summary["pain_pauses"] == 1 and session.summary["trials"] == 8
    finally:
        store.close()


WRITER = r"""
import math, sys
import numpy as np
sys.path.insert(0, sys.argv[2])
sys.path.insert(0, sys.argv[2] + "/tests/telemetry")  # its shared helpers (synthetic_turns)
from tests.telemetry.test_telemetry_derive_ahead import _frame, _reach, _shoulders
from telemetry.store import Store

store = Store.open(sys.argv[1], flush_interval_s=0.05)
store.ensure_patient("killed")
rec = store.start_session("killed", "reaching", {}, t0=0.0)
rng = np.random.default_rng(5)
t, deg = _shoulders(600.0)
k = 0
for i in range(len(t)):
    rec.record_frame(_frame(i, float(t[i]), float(deg[i])))
    if i % 90 == 0:
        rec.record(_reach(k, float(t[i]) + 0.3, rng))
        k += 1
    if i % 15 == 14:
        rec.flush()
        if rec.trials_measured >= 6:
            print("measured", rec.trials_measured, flush=True)
"""


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX SIGKILL")
def test_a_killed_session_is_derived_from_its_stored_events(store_target: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, "-c", WRITER, store_target, str(REPO)], cwd=REPO,
                            env=env, stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()  # the flusher has measured reaches ahead by now
        assert line.startswith("measured"), "writer stopped early"
        time.sleep(0.3)  # let it write a little more (any moment will do)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait()
    store = Store.open(store_target)  # recovers the session from what is stored
    try:
        [session] = store.history("killed")
        assert session.recovered and not session.completed
        events = store.events(session.session_id)
        shoulders = shoulder_series(store.landmark_frames(session.session_id))
        want = derive_trials(events, shoulders=shoulders)
        got = store.trials(session.session_id)
        assert len(want) >= 6
        assert [(g.trial_index, g.t, g.outcome, g.data) for g in got] == [
            (w.trial_index, w.t, w.outcome, json.loads(dumps(w.data))) for w in want]
        assert session.summary == json.loads(dumps(derive_summary(events, trials=want)))
    finally:
        store.close()


def test_a_real_headless_demo_stores_what_deriving_its_log_gives(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The virtual patient through the real game loop: the trials the recorder
    stored equal `derive_trials` over the stored events, with the session's
    tracking summary and the shoulder series of the frames the game recorded."""
    from click.testing import CliRunner

    from game.cli import cli

    recorders: list[Any] = []
    frames: list[BodyFrame] = []
    start = Store.start_session

    def start_and_watch(self: Store, *args: Any, **kw: Any) -> Any:
        rec = start(self, *args, **kw)
        record_frame = rec.record_frame

        def keep(frame: BodyFrame) -> None:  # the frames as handed to the recorder
            frames.append(frame)
            record_frame(frame)

        rec.record_frame = keep
        recorders.append(rec)
        return rec

    monkeypatch.setattr(Store, "start_session", start_and_watch)
    res = CliRunner().invoke(cli, ["demo", "--headless", "--json", "--seconds", "60",
                                   "--seed", "3", "--data-dir", str(tmp_path)])
    assert res.exit_code == 0, res.output
    assert len(recorders) == 1 and frames
    store = Store.open(tmp_path / "neuroplay.db", create=False)
    try:
        [session] = store.history("demo")
        events = store.events(session.session_id)
        want = derive_trials(events, tracking=session.summary.get("tracking_quality"),
                             shoulders=shoulder_series(frames))
        got = store.trials(session.session_id)
        assert len(want) >= 5 and any("trunk_rotation_deg" in w.data.get("metrics", {})
                                      for w in want)
        assert [(g.trial_index, g.t, g.outcome, g.data) for g in got] == [
            (w.trial_index, w.t, w.outcome, json.loads(dumps(w.data))) for w in want]
        derived = json.loads(dumps(derive_summary(events, trials=want)))
        for key in ("duration_s", "pain_checks", "pain_in_session_max", "pain_pauses"):
            if key in session.summary:
                assert session.summary[key] == derived[key], key
    finally:
        store.close()
