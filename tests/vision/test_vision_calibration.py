"""Calibration from a scripted stream gives back the values it was built from."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest

from vision.body_model import BodyReference, to_image
from vision.bodyframe import (
    LEFT_HIP,
    LEFT_SHOULDER,
    RIGHT_HIP,
    RIGHT_SHOULDER,
    BodyFrame,
)
from vision.calibration import (
    HAND_POINTS,
    SHOULDER_BU,
    Calibration,
    CalibrationProcedure,
)
from vision.directions import DIRECTIONS, direction_vector

W, H = 640, 480
TRUE_REF = BodyReference((330.0, 210.0), 110.0, W, H)
FPS = 25.0


class Script:
    """A synthetic seated body: shoulders at +-0.5 bu around a swaying origin."""

    def __init__(self) -> None:
        self.i = 0
        self.frames: list[BodyFrame] = []

    def frame(self, trunk: tuple[float, float] = (0.0, 0.0),
              hands: dict[str, tuple[float, float]] | None = None) -> BodyFrame:
        pose = np.zeros((33, 4), np.float32)
        pose[:, 3] = 0.95
        world = np.zeros((33, 3), np.float32)
        world[LEFT_SHOULDER] = (0.2, -0.5, 0)
        world[RIGHT_SHOULDER] = (-0.2, -0.5, 0)  # 0.40 m apart

        def put(idx: int, bx: float, by: float) -> None:
            pose[idx, 0:2] = to_image(TRUE_REF, bx, by)

        tx, ty = trunk
        put(RIGHT_SHOULDER, 0.5 + tx, ty)
        put(LEFT_SHOULDER, -0.5 + tx, ty)
        put(RIGHT_HIP, 0.4 + tx, -2.0 + ty)
        put(LEFT_HIP, -0.4 + tx, -2.0 + ty)
        rest = {"right": (0.6, -1.6), "left": (-0.6, -1.6)}
        rest.update(hands or {})
        for side, (hx, hy) in rest.items():
            for idx in HAND_POINTS[side]:  # type: ignore[index]
                put(idx, hx, hy)
        f = BodyFrame(self.i, round(2e9 + self.i * 1e9 / FPS), W, H, pose=pose, pose_world=world)
        self.i += 1
        return f


def _run(proc: CalibrationProcedure, reach: dict[str, dict[str, float]]) -> tuple[Script, np.ndarray]:
    s = Script()
    sway = []
    k = 0
    while proc.phase is not None and proc.phase.kind == "neutral":
        # known sway: a circle of radius 0.02 bu
        a = 2 * np.pi * k / 25.0
        tr = (0.02 * np.cos(a), 0.02 * np.sin(a))
        sway.append(tr)
        proc.step(s.frame(trunk=tr))
        k += 1
        assert k < 200
    for _ in range(2000):
        ph = proc.phase
        if ph is None:
            break
        assert ph.side is not None and ph.direction is not None
        r = reach[ph.side][ph.direction]
        vx, vy = direction_vector(ph.direction, ph.side)
        sx, sy = SHOULDER_BU[ph.side]
        # 1 s out (passing through), then hold at the furthest point
        for j in range(int(FPS)):
            f = (j + 1) / FPS
            proc.step(s.frame(hands={ph.side: (sx + f * r * vx, sy + f * r * vy)}))
        while proc.phase is ph:
            proc.step(s.frame(hands={ph.side: (sx + r * vx, sy + r * vy)}))
    return s, np.array(sway)


def test_scripted_stream_gives_back_its_values() -> None:
    reach = {"right": {"out": 1.7, "up_out": 1.5, "up": 1.3, "up_in": 1.1, "in": 0.9, "down_out": 1.2},
             "left": {"out": 1.6, "up_out": 1.4, "up": 1.2, "up_in": 1.0, "in": 0.8, "down_out": 1.1}}
    proc = CalibrationProcedure()
    assert proc.prompt == "Sit still and look at the screen" and proc.progress == 0.0
    _, sway = _run(proc, reach)
    assert proc.done and proc.progress == 1.0
    cal = proc.result()
    centre = sway.mean(axis=0)
    # The origin is the mean neutral shoulder midpoint; x is flipped into pixels.
    exp_origin = (TRUE_REF.origin_px[0] - centre[0] * TRUE_REF.unit_px,
                  TRUE_REF.origin_px[1] - centre[1] * TRUE_REF.unit_px)
    assert cal.reference.origin_px == pytest.approx(exp_origin, abs=1e-3)
    assert cal.reference.unit_px == pytest.approx(110.0, abs=1e-3)
    radial = np.hypot(*(sway - centre).T)
    assert cal.trunk_mean == pytest.approx(radial.mean(), abs=2e-4)
    assert cal.trunk_sd == pytest.approx(radial.std(), abs=2e-4)
    assert cal.shoulder_width_m == pytest.approx(0.40, abs=1e-6)
    assert cal.trunk_sd_cm == pytest.approx(cal.trunk_sd * 40.0)
    assert cal.lean_mean_deg == pytest.approx(0.0, abs=0.05)
    assert cal.neutral_s >= 3.0
    for side in ("left", "right"):
        for d, r in reach[side].items():
            # the sway offset of the reference shifts the measurement by at most its radius
            assert cal.envelope[side][d] == pytest.approx(r, abs=0.03), (side, d)
        # an unmeasured direction gets the median of the measured ones
        assert cal.envelope[side]["down"] == pytest.approx(float(np.median(list(reach[side].values()))), abs=0.03)


def test_progress_prompts_and_dict_round_trip() -> None:
    proc = CalibrationProcedure(sides=("right",), directions=("out", "up"))
    s = Script()
    seen = []
    while not proc.done:
        ph = proc.phase
        assert ph is not None
        if ph.kind == "neutral":
            proc.step(s.frame())
        else:
            assert ph.side == "right" and ph.direction is not None
            vx, vy = direction_vector(ph.direction, "right")
            proc.step(s.frame(hands={"right": (0.5 + 1.4 * vx, 1.4 * vy)}))
        seen.append((proc.prompt, proc.progress))
    prompts = [p for p, _ in seen]
    assert any("out to the side" in p for p in prompts) and any("straight up" in p for p in prompts)
    progress = [p for _, p in seen]
    assert all(b >= a - 1e-9 for a, b in itertools.pairwise(progress))
    cal = proc.result()
    assert set(cal.envelope) == {"right"}
    assert cal.envelope["right"]["out"] == pytest.approx(1.4, abs=1e-6)
    again = Calibration.from_dict(json.loads(json.dumps(cal.to_dict())))
    assert again == cal


def test_pose_gap_restarts_the_neutral_hold_and_missing_pose_is_ignored() -> None:
    proc = CalibrationProcedure(sides=("right",), directions=("out",))
    s = Script()
    for _ in range(50):  # 2 s
        proc.step(s.frame())
    assert proc.phase_progress == pytest.approx(49 / 25 / 3.0)
    s.i += 25  # one second with no frames
    proc.step(BodyFrame(s.i, int(2e9 + s.i * 1e9 / FPS), W, H))  # no pose: ignored
    proc.step(s.frame())
    assert proc.phase_progress == 0.0


def test_default_and_bad_dicts() -> None:
    cal = Calibration.default(1280, 720)
    assert not cal.measured and cal.reference.unit_px == pytest.approx(320.0)
    assert set(cal.envelope["left"]) == set(DIRECTIONS)
    with pytest.raises(ValueError, match="envelope"):
        Calibration.from_dict({"reference": cal.reference.to_dict()})
    bad = cal.to_dict()
    bad["envelope"]["right"]["sideways"] = 1.0
    with pytest.raises(ValueError, match="sideways"):
        Calibration.from_dict(bad)


def test_neutral_waits_for_the_patient_to_settle() -> None:
    proc = CalibrationProcedure(sides=("right",), directions=("out",))
    s = Script()
    # 2 s of settling into the chair: the trunk swings 0.3 body units side to side
    for k in range(50):
        proc.step(s.frame(trunk=(0.3 * np.sin(2 * np.pi * k / 25.0), 0.0)))
    # then still, 0.1 bu to the right of where the settling was centred
    while proc.phase is not None and proc.phase.kind == "neutral":
        proc.step(s.frame(trunk=(0.1, 0.0)))
        assert s.i < 400
    finished_at = (s.i - 1) / FPS
    assert finished_at >= 2.0 + 3.0 - 0.05  # a whole still hold after the settling
    ph = proc.phase
    assert ph is not None and ph.side == "right"
    proc.step(s.frame(hands={"right": (1.9, 0.0)}))
    for _ in range(40):
        proc.step(s.frame(trunk=(0.1, 0.0), hands={"right": (1.9, 0.0)}))
    cal = proc.result()
    assert cal.trunk_sd < 0.01
    assert cal.reference.origin_px[0] == pytest.approx(TRUE_REF.origin_px[0] - 0.1 * 110.0, abs=0.5)


def test_a_patient_who_cannot_keep_still_is_calibrated_after_the_timeout() -> None:
    proc = CalibrationProcedure(sides=("right",), directions=("out",), neutral_timeout_s=6.0)
    s = Script()
    while proc.phase is not None and proc.phase.kind == "neutral":
        proc.step(s.frame(trunk=(0.3 * np.sin(2 * np.pi * s.i / 12.0), 0.0)))
        assert s.i < 400
    assert (s.i - 1) / FPS == pytest.approx(6.0, abs=0.1)
    # the large sway is recorded as it is: the guard becomes lenient for this patient, honestly
    assert proc.result().trunk_mean > 0.1
