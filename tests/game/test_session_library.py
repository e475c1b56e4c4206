"""game/session.py (what `demo` and `play` call) and game/players' one frame clock, used
directly: no click runner, a real SQLite store, the virtual patient on a simulated clock."""

from __future__ import annotations

from pathlib import Path

import pytest

from exercises.virtual_patient import synthetic_seated_body
from game.errors import UserError
from game.players import ClockedFrames
from game.scenes.exercise import ExerciseScene
from game.session import DemoPlayer, SessionRequest, play_session, prepare
from telemetry.store import Store


def test_play_session_records_a_demo_session_in_the_store(tmp_path: Path) -> None:
    request = SessionRequest(patient="lib-demo", data_dir=str(tmp_path), report=False)
    outcome = play_session(request, DemoPlayer(seconds=20.0, seed=3, headless=True))
    rec = outcome.record
    assert rec["session_id"] and rec["patient"] == "lib-demo" and rec["exercise"] == "reaching"
    assert rec["targets"] >= 1 and rec["hits"] + rec["misses"] <= rec["targets"]
    assert rec["demo_recording"] is False and "report" not in rec
    store = Store.open(data_dir=str(tmp_path), create=False)
    try:
        patient = store.get_patient("lib-demo")
        assert patient is not None and patient.affected_side == "right"
        assert [s.session_id for s in store.history("lib-demo")] == [rec["session_id"]]
    finally:
        store.close()


def test_prepare_refuses_bad_input_before_anything_is_written(tmp_path: Path) -> None:
    request = SessionRequest(patient="p1", data_dir=str(tmp_path / "data"))
    with pytest.raises(UserError, match="either --replay or --video"):
        prepare(request, DemoPlayer(replay="a.npz", video="b.mp4"))
    with pytest.raises(UserError, match="both arms affected"):
        prepare(SessionRequest(patient="p1", data_dir=str(tmp_path / "data"), side="both",
                               mirror="split"), DemoPlayer())
    assert not (tmp_path / "data").exists()


class _Exercise(ExerciseScene):
    def __init__(self) -> None:  # only its type matters to the clock
        pass


def test_clocked_frames_play_every_frame_on_the_recordings_own_clock() -> None:
    frames = synthetic_seated_body(seconds=1.0, fps=20.0)  # a frame each 0.05 s
    clock = ClockedFrames.of(frames)
    scene = _Exercise()
    assert clock.next(5.0, None) is None  # menus do not use up the recording
    got = [clock.next(5.0 + k / 60.0, scene) for k in range(61)]  # one second at 60 Hz
    delivered = [f for f in got if f is not None]
    assert delivered[0] is frames[0] and delivered[-1] is frames[-1] and clock.done
    assert len(delivered) == len(frames)  # 60 Hz polls over 20 fps: one frame per due poll
    # a slow poll (0.2 s late) skips to the newest due frame and consumes those before it
    clock = ClockedFrames.of(frames)
    clock.next(0.0, scene)
    assert clock.next(0.2, scene) is frames[4]
    assert clock.next(0.25, scene) is frames[5]


def test_probe_reads_ahead_and_the_frames_are_still_played() -> None:
    frames = synthetic_seated_body(seconds=1.0, fps=20.0)
    rest = iter(frames[1:])
    clock = ClockedFrames(frames[0], lambda: next(rest, None))
    assert clock.probe(0.25) == frames[:6]  # up to and including the first at >= 0.25 s
    scene = _Exercise()
    played = [clock.next(k / 20.0, scene) for k in range(len(frames))]
    assert played == frames and clock.done
