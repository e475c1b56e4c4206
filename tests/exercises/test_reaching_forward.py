"""Reaching, forward mode: hit by position and depth with the measured tolerance; the
virtual patient plays it; forward ROM and 3-D SPARC reach the session's metrics."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import numpy as np
import pytest

from exercises.doses import SessionDose, make_dose
from exercises.events import HOLD_COMPLETE, REPETITION, TARGET_SHOWN
from exercises.reaching import ReachingExercise
from exercises.reaching_forward import FORWARD_SPOTS, ForwardReachingExercise
from exercises.registry import make_exercise
from game.dosing import DosingSource
from game.session import DemoPlayer, SessionRequest, play_session
from telemetry.store import Store
from vision.directions import DIRECTIONS
from vision.forward import DEPTH_ERROR_ARM
from vision.intents import HandIntent, Intents

CAL = {side: {d: (1.6 if d == "out" else 1.5) for d in DIRECTIONS} for side in ("left", "right")}
DT = 1 / 30


def _game(forward: dict | None = None) -> ForwardReachingExercise:
    dose = make_dose("reaching", repetitions=2, inter_target_s=0.0, hold_s=0.5, reach_fraction=1.0,
                     target_timeout_s=5.0, mode="forward")
    cal = {"envelope": CAL, **({"forward": forward} if forward else {})}
    ex = make_exercise("reaching", dose, cal, np.random.default_rng(1), session_dose=SessionDose())
    assert isinstance(ex, ForwardReachingExercise)
    return ex


def _play(ex: ForwardReachingExercise, x: float, y: float, forward: float | None, seconds: float,
          t0: float = 0.0) -> list:
    events = []
    for k in range(round(seconds / DT)):
        hand = HandIntent(x, y, forward=forward)
        events += ex.step(Intents(t=t0 + k * DT, right=hand), DT)
    return events


def test_the_tolerance_is_the_measured_error_times_the_arm() -> None:
    ex = _game({"right": {"rest": 0.3, "reach": 1.4}, "left": {"rest": 0.3, "reach": 1.4}})
    assert ex.forward.measured == ("left", "right") and ex.forward.tolerance("right") == pytest.approx(DEPTH_ERROR_ARM * 1.6)
    # depth 1.4 (reach_fraction 1 x envelope): threshold 1.4 - 0.928 = 0.472 beyond rest 0.3
    assert ex.forward.threshold("right", 1.4) == pytest.approx(1.4 - 0.58 * 1.6)
    assert ex.forward.threshold("right", 0.5) == 0.0  # never below the resting reading


def test_position_alone_or_depth_alone_is_not_a_hit() -> None:
    ex = _game({"right": {"rest": 0.3, "reach": 1.4}, "left": {"rest": 0.3, "reach": 1.4}})
    shown = _play(ex, 0.5, -3.0, 0.3, 0.2)
    first = next(e for e in shown if e.kind == TARGET_SHOWN)
    spot_y = FORWARD_SPOTS[ex.targets[0].direction]
    assert first.data["x"] == 0.5 and first.data["y"] == spot_y and first.data["mode"] == "forward"
    assert first.data["depth"] == pytest.approx(1.4) and ex.targets[0].depth == pytest.approx(1.4)
    need = 0.3 + ex.forward.threshold("right", 1.4)  # reading that counts, rest included
    t = 0.2
    for x, y, f in ((0.5, spot_y, need - 0.05),  # over the spot, not forward enough
                    (0.5, spot_y, None),  # over the spot, no depth reading
                    (2.5, spot_y, need + 1.0)):  # far forward, beside the spot
        ev = _play(ex, x, y, f, 1.0, t)
        t += 1.0
        assert not any(e.kind == HOLD_COMPLETE for e in ev), (x, f)
    ev = _play(ex, 0.5, spot_y, need + 0.01, 1.0, t)
    hits = [e for e in ev if e.kind == HOLD_COMPLETE]
    rep = next(e for e in ev if e.kind == REPETITION)
    assert len(hits) == 1 and rep.data["hit"] and rep.data["depth_threshold"] == pytest.approx(need - 0.3, abs=1e-4)
    assert rep.data["forward_rom"] is not None and rep.data["forward_peak"] == pytest.approx(need + 1.0 - 0.3)


def test_without_a_forward_calibration_the_envelope_is_a_share_of_the_arm() -> None:
    ex = _game()
    assert ex.forward.measured == () and ex.forward.rest["right"] == 0.0
    assert ex.forward.envelope["right"] == pytest.approx(0.8 * 1.6)
    plain = make_exercise("reaching", make_dose("reaching"), None, np.random.default_rng(0))
    assert type(plain) is ReachingExercise


def test_the_plan_selects_forward_mode(tmp_path: Path) -> None:
    plan = (files("assets.plans") / "neuropathic_upper_limb_seated.toml").read_text()
    assert 'variant = "pop"\n' in plan
    plan = plan.replace('variant = "pop"\n', 'variant = "pop"\nmode = "forward"\n', 1)
    with Store.open(data_dir=tmp_path / "d") as store:
        store.ensure_patient("p1")
        store.save_plan("p1", plan, author="test")
        today = DosingSource(store, "p1", "reaching").options(3).easier
    assert today.dose.mode == "forward"


def test_the_virtual_patient_plays_forward_reaching_headless(tmp_path: Path) -> None:
    request = SessionRequest(patient="fwd", data_dir=str(tmp_path), report=False, reach_mode="forward")
    rec = play_session(request, DemoPlayer(seconds=40.0, seed=2, headless=True)).record
    assert rec["exercise"] == "reaching" and rec["mode"] == "forward"
    assert rec["forward_measured"] is True  # calibration had its forward phase
    assert rec["targets"] >= 8 and rec["hits"] >= 0.8 * rec["targets"]
    assert rec["depth_error_arm"] == DEPTH_ERROR_ARM and rec["depth_tolerance"] > 0.5
    assert 0.5 < rec["forward_rom"] < 3.0  # body units: the arm went forward and back
    assert rec["sparc_3d_mean"] is not None and -4.0 < rec["sparc_3d_mean"] < -1.0
    with Store.open(data_dir=str(tmp_path), create=False) as store:
        trials = store.trials(rec["session_id"])
    # the same quality gate as the 2-D game: every repetition's metrics carry a quality score
    reps = [tr for tr in trials if tr.data.get("mode") == "forward"]
    assert len(reps) == rec["targets"]
    assert all(0.0 <= tr.data["metrics"]["quality"] <= 1.0 for tr in reps)
    assert all(tr.data["depth_tolerance"] == rec["depth_tolerance"] for tr in reps)
    # every repetition is a whole reach out and back (the next target waits for the hand to
    # come back), so each has its own forward range, not only the first
    assert all(tr.data["forward_rom"] is not None and tr.data["forward_rom"] > 0.5 for tr in reps)
    assert sum(tr.data["sparc_3d"] is not None for tr in reps) >= rec["hits"]


def test_the_mouse_cannot_play_forward_reaching(tmp_path: Path) -> None:
    from game.errors import UserError
    from game.session import LivePlayer, prepare

    with pytest.raises(UserError, match="--mouse cannot play --reach-mode forward"):
        prepare(SessionRequest(patient="p1", data_dir=str(tmp_path / "d"), reach_mode="forward"),
                LivePlayer(mouse=True, new_patient=True))
    assert not (tmp_path / "d").exists()


def test_the_next_forward_target_waits_for_the_hand_to_come_back() -> None:
    """A hand parked forward cannot collect targets: after a hit the next target appears
    only once the forward reading is back within half the last depth (or after
    RETURN_WAIT_S: depth is coarse, so the game never stalls on a noisy reading)."""
    from exercises.reaching_forward import RETURN_WAIT_S

    ex = _game({"right": {"rest": 0.3, "reach": 1.4}, "left": {"rest": 0.3, "reach": 1.4}})
    first = next(e for e in _play(ex, 0.5, -3.0, 0.3, 0.2) if e.kind == TARGET_SHOWN)
    spot = (first.data["x"], first.data["y"])
    deep = 0.3 + 1.4  # at the target's depth
    ev = _play(ex, *spot, deep, 1.5, 0.2)
    t_hit = next(e.t for e in ev if e.kind == HOLD_COMPLETE)
    # parked forward on the spot: the next target only after RETURN_WAIT_S
    ev = _play(ex, *spot, deep, RETURN_WAIT_S + 1.0, 1.7)
    shown = [e for e in ev if e.kind == TARGET_SHOWN]
    assert shown and shown[0].t - t_hit >= RETURN_WAIT_S - 0.1
    # a hand that comes back: the next target at once (within a step of the return)
    ex2 = _game({"right": {"rest": 0.3, "reach": 1.4}, "left": {"rest": 0.3, "reach": 1.4}})
    _play(ex2, 0.5, -3.0, 0.3, 0.2)
    ev = _play(ex2, *spot, deep, 1.5, 0.2)
    assert any(e.kind == HOLD_COMPLETE for e in ev)
    ev = _play(ex2, 0.5, -1.2, 0.3 + 0.4 * 1.4, 1.0, 1.7)  # back below half the depth at 1.7 s
    shown = [e for e in ev if e.kind == TARGET_SHOWN]
    assert shown and shown[0].t - 1.7 < 0.1
