"""`telemetry.assess` on synthetic recordings with known answers (no camera, no model)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from telemetry.assess import AssessError, assess
from vision.bodyframe import BodyFrame, Hand

W, H = 720, 1280  # portrait, as a phone films


def _person(i: int, t: float, elbow_deg: float, *, side: str = "right") -> BodyFrame:
    """A seated person facing the camera; one elbow flexing sideways in the image plane."""
    pose = np.zeros((33, 4), np.float32)
    pose[:, 3] = 0.95
    pose[:, 0], pose[:, 1] = 0.5, 0.3
    sw = 0.25  # shoulder width, normalised x
    pose[11, :2], pose[12, :2] = (0.5 + sw / 2, 0.35), (0.5 - sw / 2, 0.35)
    pose[23, :2], pose[24, :2] = (0.5 + 0.08, 0.62), (0.5 - 0.08, 0.62)
    for s, e, w, sign in ((11, 13, 15, 1.0), (12, 14, 16, -1.0)):
        sx, sy = float(pose[s, 0]) * W, float(pose[s, 1]) * H
        ex, ey = sx, sy + 160.0
        a = math.radians(elbow_deg if (sign < 0) == (side == "right") else 5.0)
        wx, wy = ex + sign * 140.0 * math.sin(a), ey + 140.0 * math.cos(a)
        pose[e, :2] = (ex / W, ey / H)
        pose[w, :2] = (wx / W, wy / H)
    return BodyFrame(index=i, t_ns=int(t * 1e9), width=W, height=H, pose=pose)


def _curls(n: int, fps: float = 20.0, period: float = 2.5, top: float = 130.0) -> list[BodyFrame]:
    t = np.arange(0, n * period + 0.5, 1 / fps)
    ang = 5 + (top - 5) * 0.5 * (1 - np.cos(2 * np.pi * np.minimum(t, n * period) / period))
    return [_person(i, float(ti), float(a)) for i, (ti, a) in enumerate(zip(t, ang, strict=True))]


def _hand(t: float, aperture: float) -> Hand:
    """Right hand: wrist, index MCP 100 px apart; thumb and index tips `aperture` x that."""
    lm = np.zeros((21, 3), np.float32)
    wrist = np.array([300.0, 700.0])
    mcp = wrist + (0.0, -100.0)
    lm[:, :2] = mcp / (W, H)
    lm[0, :2] = wrist / (W, H)
    lm[5, :2] = mcp / (W, H)
    tip = mcp + (0.0, -60.0)
    lm[8, :2] = tip / (W, H)
    lm[4, :2] = (tip + (aperture * 100.0, 0.0)) / (W, H)
    for k in (12, 16, 20):
        lm[k, :2] = (mcp + (0.0, -80.0)) / (W, H)
    return Hand(lm, "Right", 0.99)


def test_elbow_flexion_counts_measures_and_reports_in_units() -> None:
    frames = _curls(5)
    a = assess(frames, "elbow-flexion", "right")
    assert a.repetitions == 5 and a.side == "right"
    d = a.to_dict()
    for key in ("task", "frames", "fps", "repetitions", "events", "rate_hz", "rom_deg", "quality"):
        assert key in d
    assert d["frames"] == len(frames) and d["fps"] == pytest.approx(20.0)
    assert a.rate_hz == pytest.approx(1 / 2.5, rel=0.02) and a.rhythm_cov < 0.05
    assert a.rom is not None and a.rom["mean"] == pytest.approx(125, abs=3)
    assert a.rom["max_angle"] <= 150 and a.rom["reliable_repetitions"] == 5
    assert "image 100%" in a.rom["method"]
    for e in d["events"]:
        assert e["start_s"] < e["peak_s"] < e["end_s"] and e["rom_deg"] == pytest.approx(125, abs=3)
        assert e["peak_speed_unit"] == "m/s" and e["peak_speed"] > 0 and e["sparc"] < 0
        assert e["quality"] == pytest.approx(0.95, abs=0.01)
    assert a.decrement == pytest.approx(1.0, abs=0.05)


def test_auto_finds_the_flexing_arm() -> None:
    a = assess(_curls(6), "auto")
    assert a.repetitions == 6 and a.side == "right"
    assert a.candidates and a.candidates[0]["count"] == 6


def test_side_defaults_to_the_arm_that_moved() -> None:
    a = assess(_curls(4), "elbow-flexion")
    assert a.side == "right" and a.repetitions == 4
    still = assess(_curls(4), "elbow-flexion", "left")
    assert still.repetitions == 0 and any("nothing counted" in w for w in still.warnings)


def test_reach_counts_the_hand_going_out_from_the_body() -> None:
    """Rest with the hand near the shoulder (elbow bent), reach out by straightening it."""
    fps, period, n = 25.0, 3.0, 5
    t = np.arange(0, n * period, 1 / fps)
    ang = 120 - 110 * 0.5 * (1 - np.cos(2 * np.pi * t / period))
    frames = [_person(i, float(ti), float(a)) for i, (ti, a) in enumerate(zip(t, ang, strict=True))]
    a = assess(frames, "reach", "right")
    assert a.repetitions == n and a.amplitude_unit == "body units" and a.rom is None
    # hand-shoulder distance 151 px (120 deg) -> 299 px (10 deg); the body unit is
    # max(shoulder width 180 px, 0.6 x trunk 346 px) = 207 px
    assert a.amplitude_mean == pytest.approx((299 - 151) / 207.4, abs=0.02)
    assert all(e.peak_speed_unit == "m/s" for e in a.events)


def test_tapping_counts_closings_and_reports_taps() -> None:
    fps, rate = 30.0, 3.0
    t = np.arange(0, 3.0, 1 / fps)
    ap = 0.1 + 0.8 * 0.5 * (1 + np.cos(2 * np.pi * rate * t))  # 9 closings
    frames = []
    for i, ti in enumerate(t):
        f = _person(i, float(ti), 10.0)
        frames.append(BodyFrame(index=i, t_ns=f.t_ns, width=W, height=H, pose=f.pose,
                                hands=(_hand(float(ti), float(ap[i])),), hands_tracked=True))
    a = assess(frames, "tapping", "right")
    d = a.to_dict()
    assert d["taps"] == d["repetitions"] == 9
    assert a.rate_hz == pytest.approx(rate, rel=0.03)
    assert a.amplitude_mean == pytest.approx(0.8, abs=0.05)
    assert assess(frames, "auto").to_dict()["taps"] == 9


def test_recordings_it_cannot_measure_say_why() -> None:
    with pytest.raises(AssessError, match="no frames"):
        assess([], "auto")
    empty = [BodyFrame(index=i, t_ns=i * 50_000_000, width=W, height=H) for i in range(10)]
    with pytest.raises(AssessError, match="no person"):
        assess(empty, "elbow-flexion")
    with pytest.raises(AssessError, match="no hand"):
        assess(_curls(2), "tapping")
    with pytest.raises(AssessError, match="unknown task"):
        assess(_curls(2), "juggling")
