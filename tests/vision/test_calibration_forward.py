"""Calibration's forward phase: the per-patient forward envelope, stored, and forward
targets scaled from it."""

from __future__ import annotations

import numpy as np
import pytest

from exercises.doses import SessionDose, make_dose
from exercises.reaching_forward import ForwardReachingExercise
from exercises.virtual_patient import VirtualPatient, calibrate
from vision.calibration import Calibration, CalibrationProcedure
from vision.intents import HandIntent, Intents


@pytest.fixture(scope="module")
def measured() -> tuple[Calibration, VirtualPatient]:
    vp = VirtualPatient.for_demo(0, skill=0.8)
    proc = CalibrationProcedure(sides=("right",))
    proc.add_forward_phases()
    assert [p.kind for p in proc.phases][-1] == "forward"
    assert proc.phases[-1].prompt == "Reach straight ahead as far as is comfortable: right arm"
    calibrate(vp, proc)
    return proc.result(), vp


def test_forward_phase_measures_rest_and_envelope(measured: tuple[Calibration, VirtualPatient]) -> None:
    cal, vp = measured
    fwd = cal.forward["right"]
    assert fwd["rest"] == pytest.approx(0.0, abs=0.02)  # the virtual arm rests level with the shoulder
    # it reaches as far as its skill allows: 0.8 x the straight arm, in shoulder widths
    assert fwd["reach"] == pytest.approx(0.8 * vp.arm_reach_bu("right"), rel=0.05)
    assert "left" not in cal.forward


def test_without_forward_phases_nothing_is_measured() -> None:
    proc = CalibrationProcedure(sides=("right",))
    assert all(p.kind != "forward" for p in proc.phases)
    calibrate(VirtualPatient.for_demo(1), proc)
    assert proc.result().forward == {}
    assert "forward" not in proc.result().to_dict()


def test_forward_round_trips_and_bad_values_are_named(measured: tuple[Calibration, VirtualPatient]) -> None:
    cal, _ = measured
    back = Calibration.from_dict(cal.to_dict())
    assert back.forward == {"right": pytest.approx(cal.forward["right"])}
    bad = cal.to_dict() | {"forward": {"right": {"rest": 0.0, "reach": -1.0}}}
    with pytest.raises(ValueError, match="forward reach for right must be positive"):
        Calibration.from_dict(bad)
    with pytest.raises(ValueError, match="bad side 'middle'"):
        Calibration.from_dict(cal.to_dict() | {"forward": {"middle": {"rest": 0, "reach": 1}}})


def test_forward_targets_scale_from_the_envelope(measured: tuple[Calibration, VirtualPatient]) -> None:
    cal, _ = measured
    depths = []
    for reach in (1.0, 2.0):
        c = Calibration.from_dict(cal.to_dict() | {"forward": {"right": {"rest": 0.2, "reach": reach}}})
        dose = make_dose("reaching", reach_fraction=0.7, inter_target_s=0.0, mode="forward")
        ex = ForwardReachingExercise(dose, c, np.random.default_rng(0), session_dose=SessionDose())
        ex.step(Intents(t=0.0, right=HandIntent(0.5, -1.5, forward=0.2)), 1 / 30)
        depths.append(ex.targets[0].depth)
        assert ex.depth_of("right", 0.9) == pytest.approx(0.7)  # readings are taken beyond rest
    assert depths == [pytest.approx(0.7), pytest.approx(1.4)]
