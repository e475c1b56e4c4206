"""The webcam latency self-test end to end with a synthetic source (no camera here): a
virtual patient's hand swings left and right, its frames reach the game a known delay
after capture; the measured latency is kept per machine and `play`'s dosing uses it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from exercises.latency_adapt import CORRECTIONS, LATENCY_ADJUSTMENT, REFERENCE_LATENCY_S
from exercises.virtual_patient import ReachGoal, VirtualPatient
from game.errors import UserError
from game.latency_selftest import conclude, run_self_test
from game.machine_latency import FILENAME, MachineLatency, load, machine_name, save
from game.players import FramesDriver
from game.scenes.latency_test import LatencySamples
from game.session import DemoPlayer, SessionRequest, machine_latency_s, play_session
from telemetry.store import Store
from vision.intents_builder import IntentsBuilder

FPS = 30.0


def _delayed_swings(delay_s: float, seed: int = 0) -> FramesDriver:
    """Frames captured at 30 fps of a hand swinging left-right every 0.5 s, handed to the
    game `delay_s` after their capture (what tracking on a slow machine does)."""
    vp = VirtualPatient.for_demo(seed, fps=FPS, noise=0.0, reaction_time_s=(0.0, 0.0),
                                 movement_time_per_unit_s=0.2)
    state: dict[str, Any] = {"next": 0.0, "k": 0}

    def next_frame(t: float, scene: object) -> Any:
        capture = state["k"] / FPS
        if t < capture + delay_s:
            return None
        state["k"] += 1
        swing = int(capture / 0.5) % 2
        vp.look(ReachGoal("right", 1.6 if swing else 0.2, -0.3), capture)
        return vp.frame(capture)

    return FramesDriver(next_frame=next_frame, build=IntentsBuilder().build)


@pytest.mark.parametrize("delay_s", [0.0, 0.2])
def test_self_test_measures_the_delay_and_keeps_it_per_machine(tmp_path: Path, delay_s: float) -> None:
    samples = run_self_test(_delayed_swings(delay_s), seconds=8.0)
    assert isinstance(samples, LatencySamples) and samples.fps == pytest.approx(FPS, rel=0.05)
    result = conclude(samples, source="synthetic", data_dir=tmp_path)
    # the delay, plus what the game adds: the newest frame waits for the next 60 Hz step
    # and the hand's smoothing filter lags a quick swing; never less than the delay
    assert delay_s <= result.latency_s <= delay_s + 3.0 / FPS, result
    assert result.correlation > 0.9 and result.machine == machine_name()
    stored = json.loads((tmp_path / FILENAME).read_text())
    assert stored["machines"][machine_name()]["latency_s"] == result.latency_s
    assert load(tmp_path) == result
    assert machine_latency_s(str(tmp_path)) == result.latency_s


def test_a_still_hand_or_a_stop_saves_nothing(tmp_path: Path) -> None:
    still = LatencySamples([k / 30 for k in range(300)], [0.5] * 300,
                           [k / 60 for k in range(600)], [0.5] * 600)
    with pytest.raises(UserError, match="move it quickly left and right"):
        conclude(still, source="synthetic", data_dir=tmp_path)
    with pytest.raises(UserError, match="stopped before it finished"):
        conclude(None, source="synthetic", data_dir=tmp_path)
    assert not (tmp_path / FILENAME).exists()


def test_other_machines_are_kept_and_a_broken_file_is_one_line(tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    other = MachineLatency("clinic-pc", 0.3, 0.95, 30.0, "2026-12-01T10:00:00+00:00", "camera 0")
    save(tmp_path, other)
    assert load(tmp_path) is None  # never measured on this machine
    assert load(tmp_path, "clinic-pc") == other
    (tmp_path / FILENAME).write_text("{not json")
    assert machine_latency_s(str(tmp_path)) is None
    err = capsys.readouterr().err
    assert "cannot read the latency self-test" in err and "neuroplay latency-test" in err


def test_a_slow_machine_widens_time_limits_logged_as_an_event(tmp_path: Path) -> None:
    """What `play` does with the stored latency (demo --latency-ms plays the same path)."""
    rec = play_session(SessionRequest(patient="slow", data_dir=str(tmp_path), report=True),
                       DemoPlayer(seconds=15.0, seed=1, headless=True, latency_s=0.25)).record
    with Store.open(data_dir=str(tmp_path), create=False) as store:
        events = [e for e in store.events(rec["session_id"]) if e.kind == LATENCY_ADJUSTMENT]
        sessions = store.history("slow")
    assert len(events) == 1
    field = events[0].data["fields"]["target_timeout_s"]
    assert field["new"] == pytest.approx(field["old"] + CORRECTIONS * (0.25 - REFERENCE_LATENCY_S))
    assert any(d.startswith("latency p95 250 ms") for d in sessions[-1].decisions)
    assert "latency p95 250 ms: target_timeout_s" in Path(rec["report"]).read_text()


def test_play_hands_this_machines_latency_to_the_dosing(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """`play` (game.session's live path) reads the stored self-test and doses with it."""
    import game.dosing
    import game.players
    import game.runtime
    from game.players import NoPlayer
    from game.session import LivePlayer, prepare

    made: list[Any] = []

    class Spy(game.dosing.DosingSource):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            made.append(self)

    class FakeLive:
        driver, status_message = NoPlayer(), None

        def stop(self) -> None: ...

        def on_app(self, app: Any, flow: Any) -> None: ...

    monkeypatch.setattr(game.dosing, "DosingSource", Spy)
    monkeypatch.setattr(game.players, "live_input", lambda *a, **k: FakeLive())
    monkeypatch.setattr(game.runtime, "display_problem", lambda: None)
    save(tmp_path, MachineLatency(machine_name(), 0.18, 0.97, 30.0, "2026-12-06T03:00:00+00:00",
                                  "camera 0"))
    prepared = prepare(SessionRequest(patient="p1", data_dir=str(tmp_path)),
                       LivePlayer(camera=0, new_patient=True))
    prepared.close()
    assert [d.latency_p95_s for d in made] == [0.18]


@pytest.mark.parametrize(("args", "words"), [
    (["--camera", "0", "--video", "x.mp4"], "either --camera or --video"),
    (["--video", "no-such-clip.mp4"], "no such video file"),
    ([], "needs a window to show the marker"),  # a camera under SDL's dummy driver
])
def test_latency_test_command_refuses_bad_input_in_one_line(tmp_path: Path, args: list[str],
                                                            words: str) -> None:
    from click.testing import CliRunner

    from game.cli import cli

    res = CliRunner().invoke(cli, ["latency-test", "--data-dir", str(tmp_path / "d"), *args])
    assert res.exit_code == 2 and words in res.output
    assert not (tmp_path / "d" / FILENAME).exists()
