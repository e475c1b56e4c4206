"""Synthetic hand landmarks for the virtual patient: open palm, fist, pinch, taps.

Role: the `hand_model` of `exercises.virtual_patient.VirtualPatient`. Given a
`HandContext` (wrist pixel, forearm direction, one shoulder width in pixels,
the goal being played) it returns 21 MediaPipe-like hand landmarks in
normalised image coordinates, so the dexterity games run end to end from
the bundled body recording: IntentsBuilder reads pinch and grasp from them
exactly as it does from a tracked hand.

Where the shape comes from: OPEN_TEMPLATE is a real open palm, the hand
landmarks MediaPipe Hands (0.10.21, complexity 1) found in the Apache-2.0
gesture test still `stills/mediapipe_gesture_testdata/four/249c5023-...jpg`
(an anatomical LEFT hand, raised, fingers up), expressed in a hand frame:
origin the wrist, unit |wrist - index MCP|, axis 0 along wrist -> middle MCP,
axis 1 across the palm, axis 2 depth. Its pinch aperture is 1.48 and its
grasp aperture 1.94. tests/exercises/test_dexterity_virtual_hands.py
re-measures the still and checks the template against it.

Poses: fingers flex by rotating each bone about the axis across its finger
(cumulative MCP, PIP, DIP angles), which in the image shortens the finger
toward the palm as a real fist seen palm-on does; the thumb is moved toward
its target (index tip for a pinch, the index/middle knuckles for a fist)
joint by joint. A right hand is the template reflected across the palm.

Hand size: |wrist - index MCP| = PALM_BU shoulder widths (0.30: the median
over the eight "four" stills where pose and hand were both found).

Determinism: `VirtualHands(seed)` smooths opening and closing at a finite
speed (state per side, advanced by the context's time) and jitters tap
timing per tap from `default_rng([seed, tap index])`, so the same seed and
call sequence give the same landmarks.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

Side = Literal["left", "right"]

OPEN_TEMPLATE = np.array([
    (0.0000, 0.0000, 0.0000),
    (0.1425, -0.2947, -0.2023),
    (0.4434, -0.4098, -0.3221),
    (0.5833, -0.1381, -0.4231),
    (0.5548, 0.1415, -0.5288),
    (0.9614, -0.2751, -0.2609),
    (1.3820, -0.3685, -0.4160),
    (1.6774, -0.3941, -0.5422),
    (1.9308, -0.3992, -0.6420),
    (0.9921, 0.0000, -0.2762),
    (1.4816, 0.0957, -0.4121),
    (1.8174, 0.1893, -0.5270),
    (2.1004, 0.2755, -0.6109),
    (0.9027, 0.2353, -0.3116),
    (1.3537, 0.3724, -0.4548),
    (1.6605, 0.4695, -0.5743),
    (1.9085, 0.5482, -0.6537),
    (0.7279, 0.4556, -0.3634),
    (1.0241, 0.6794, -0.4978),
    (1.2240, 0.8212, -0.5677),
    (1.3935, 0.9305, -0.6136),
], dtype=np.float64)
TEMPLATE_SOURCE = "stills/mediapipe_gesture_testdata/four/249c5023-6106-447a-84ac-17eb4713731b.jpg"
TEMPLATE_SIDE: Side = "left"

PALM_BU = 0.30
FINGERS = ((5, 6, 7, 8), (9, 10, 11, 12), (13, 14, 15, 16), (17, 18, 19, 20))
THUMB = (1, 2, 3, 4)
FIST_DEG = (45.0, 70.0, 40.0)  # MCP, PIP, DIP: the projected fist reads grasp 0.67, as real fists do (0.62-0.7)
PINCH_INDEX_DEG = (25.0, 35.0, 15.0)  # the index bends a little to meet the thumb
PINCH_GAP = 0.05  # palm lengths between thumb and index tips in a closed pinch
CLOSE_TIME_S = 0.25  # a full open -> closed (or back) takes this long
TAP_JITTER_S = 0.03  # SD of each tap's timing around the beat


def _flex(points: np.ndarray, chain: tuple[int, ...], angles_deg: tuple[float, float, float]) -> None:
    """Bend a finger chain (MCP, PIP, DIP, TIP) in place by cumulative angles."""
    base = points[chain[0]].copy()
    d0 = points[chain[1], :2] - points[chain[0], :2]
    n = float(np.hypot(*d0))
    if n < 1e-9:
        return
    u = np.array([d0[0] / n, d0[1] / n, 0.0])
    w = np.array([-u[1], u[0], 0.0])
    z = np.array([0.0, 0.0, -1.0])  # toward the camera
    bones = [points[chain[k + 1]] - points[chain[k]] for k in range(3)]
    pos = base
    cum = 0.0
    for k, bone in enumerate(bones):
        cum += math.radians(angles_deg[k])
        a, b, c = float(bone @ u), float(bone @ w), float(bone @ z)
        rot = u * (a * math.cos(cum) - c * math.sin(cum)) + z * (a * math.sin(cum) + c * math.cos(cum)) + w * b
        pos = pos + rot
        points[chain[k + 1]] = pos


def _move_thumb(points: np.ndarray, target: np.ndarray, amount: float) -> None:
    """Bring the thumb tip `amount` (0..1) of the way to `target`, joints following."""
    shift = (target - points[THUMB[3]]) * amount
    for joint, share in zip(THUMB[1:], (0.35, 0.7, 1.0)):
        points[joint] = points[joint] + shift * share


def hand_shape(*, grasp: float = 0.0, pinch: float = 0.0) -> np.ndarray:
    """(21, 3) landmarks in the template's hand frame (a LEFT hand).

    Args:
        grasp: 0 open palm .. 1 full fist (all fingers and the thumb).
        pinch: 0 open .. 1 thumb tip against the index tip (the others stay open).
    """
    grasp = float(np.clip(grasp, 0.0, 1.0))
    pinch = float(np.clip(pinch, 0.0, 1.0))
    p = OPEN_TEMPLATE.copy()
    if grasp > 0:
        for chain in FINGERS:
            _flex(p, chain, tuple(a * grasp for a in FIST_DEG))  # type: ignore[arg-type]
        knuckles = 0.5 * (p[5] + p[9])
        _move_thumb(p, knuckles, grasp)
    if pinch > 0:
        _flex(p, FINGERS[0], tuple(a * pinch for a in PINCH_INDEX_DEG))  # type: ignore[arg-type]
        tip = p[8]
        away = p[4] - tip
        n = float(np.linalg.norm(away[:2]))
        gap = away / n * PINCH_GAP if n > 1e-9 else np.zeros(3)
        _move_thumb(p, tip + gap, pinch)
    return p


def place(shape: np.ndarray, side: Side, wrist_px: tuple[float, float], forward: tuple[float, float],
          palm_px: float, width: int, height: int) -> np.ndarray:
    """Hand-frame landmarks -> normalised image landmarks of `side` at the wrist."""
    fx, fy = forward
    n = math.hypot(fx, fy) or 1.0
    fx, fy = fx / n, fy / n
    ax, ay = -fy, fx
    s = 1.0 if side == TEMPLATE_SIDE else -1.0  # the other hand: reflected across the palm
    along, across, depth = shape[:, 0], shape[:, 1] * s, shape[:, 2]
    x = wrist_px[0] + palm_px * (along * fx + across * ax)
    y = wrist_px[1] + palm_px * (along * fy + across * ay)
    out = np.stack([x / width, y / height, depth * palm_px / width], axis=1)
    return out.astype(np.float32)


def tap_closure(t: float, tempo_hz: float, beat0_t: float, seed: int = 0) -> float:
    """0..1 thumb-index closure of a tapper touching on each beat (with a little jitter)."""
    if tempo_hz <= 0:
        return 0.0
    period = 1.0 / tempo_hz
    k = math.floor((t - beat0_t) / period + 0.5)  # the nearest beat
    jitter = float(np.random.default_rng([seed, max(k, 0)]).normal(0.0, TAP_JITTER_S)) if seed >= 0 else 0.0
    phase = (t - beat0_t - k * period - jitter) / period  # -0.5..0.5 around the touch
    return 0.5 * (1.0 + math.cos(2.0 * math.pi * float(np.clip(phase, -0.5, 0.5))))


@dataclass
class _SideState:
    t: float | None = None
    grasp: float = 0.0
    pinch: float = 0.0


class VirtualHands:
    """A seeded hand model for `VirtualPatient(hand_model=VirtualHands(seed))`.

    Goals it understands (`HandGoal.kind`): "tap" (params tempo_hz, beat0_t),
    "pinch" (param closed), "grasp" (param closed), "open"; a Rest or a reach
    goal gives a relaxed open hand.
    """

    def __init__(self, seed: int = 0, *, palm_bu: float = PALM_BU, close_time_s: float = CLOSE_TIME_S) -> None:
        self.seed = seed
        self.palm_bu = palm_bu
        self.close_time_s = close_time_s
        self._state: dict[str, _SideState] = {"left": _SideState(), "right": _SideState()}

    def _approach(self, st: _SideState, t: float, grasp: float, pinch: float) -> None:
        dt = 0.0 if st.t is None else max(0.0, t - st.t)
        st.t = t
        step = dt / self.close_time_s if self.close_time_s > 0 else 1.0
        st.grasp += float(np.clip(grasp - st.grasp, -step, step))
        st.pinch += float(np.clip(pinch - st.pinch, -step, step))

    def closures(self, goal: object, side: Side, t: float) -> tuple[float, float]:
        """(grasp, pinch) closure 0..1 for this goal at time t (smoothed)."""
        st = self._state[side]
        kind = getattr(goal, "kind", None)
        mine = getattr(goal, "side", side) == side
        param = goal.param if hasattr(goal, "param") else (lambda name, default=None: default)
        if mine and kind == "tap":
            st.t, st.grasp = t, 0.0
            st.pinch = tap_closure(t, float(param("tempo_hz", 0.0)), float(param("beat0_t", 0.0)), self.seed)
            return st.grasp, st.pinch
        grasp = pinch = 0.0
        if mine and kind == "grasp" and param("closed", False):
            grasp = 1.0
        if mine and kind == "pinch" and param("closed", False):
            pinch = 1.0
        self._approach(st, t, grasp, pinch)
        return st.grasp, st.pinch

    def __call__(self, ctx: Any) -> np.ndarray:
        grasp, pinch = self.closures(ctx.goal, ctx.side, ctx.t)
        shape = hand_shape(grasp=grasp, pinch=pinch)
        return place(shape, ctx.side, ctx.wrist_px, ctx.forward, self.palm_bu * ctx.unit_px, ctx.width, ctx.height)
