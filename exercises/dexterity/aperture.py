"""Hand apertures and the hysteresis detector every dexterity game counts with.

Role: turn a noisy, normalised aperture signal (thumb-index `pinch`, or the
four-fingertip `grasp`, both divided by |wrist - index MCP| so they do not
depend on camera distance) into clean close/open transitions.

Why hysteresis: a single threshold chatters when the signal hovers near it
(tracker jitter is about 0.02-0.05 of the normalised aperture), which would
count one tap as three. A transition to "closed" needs the signal below a
LOW threshold, back to "open" above a HIGH one.

Why relative thresholds: a patient with a stiff hand may open to 0.6 where a
healthy hand opens to 1.4 (CLINICAL.md section 2). Thresholds are fractions
of the patient's own open aperture, estimated online as the largest value
in a sliding window of seconds (`OpenReference`), with a floor so a hand
that stays closed is not mistaken for a tiny-but-open one.

Pure logic: time arrives as arguments (seconds), no clock, no I/O.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Literal

import numpy as np

from vision.bodyframe import (
    HAND_WRIST,
    INDEX_MCP,
    INDEX_TIP,
    MIDDLE_TIP,
    PINKY_TIP,
    RING_TIP,
    THUMB_TIP,
)

Transition = Literal["closed", "opened"]

# Defaults for thumb-index tapping and pinching, as fractions of the open aperture.
PINCH_LOW = 0.35
PINCH_HIGH = 0.60
PINCH_MIN_OPEN = 0.35  # below this the "open" reference is not trusted (hand never opened yet)
REFERENCE_WINDOW_S = 6.0


def _scaled(landmarks: np.ndarray, width: int, height: int) -> np.ndarray:
    lm = np.asarray(landmarks, dtype=np.float64)
    return lm[:, :2] * (float(width), float(height))


def pinch_aperture(landmarks: np.ndarray, width: int, height: int) -> float | None:
    """d = |thumb tip - index tip| / |wrist - index MCP| in pixels (None if degenerate).

    Normalised landmarks are scaled by the image size first: x and y of
    MediaPipe's normalised coordinates have different units in a non-square
    image, so a ratio of raw normalised distances would depend on the aspect.
    """
    p = _scaled(landmarks, width, height)
    ref = float(np.linalg.norm(p[HAND_WRIST] - p[INDEX_MCP]))
    if not ref > 1e-6:
        return None
    return float(np.linalg.norm(p[THUMB_TIP] - p[INDEX_TIP])) / ref


def grasp_aperture(landmarks: np.ndarray, width: int, height: int) -> float | None:
    """Mean distance of fingertips 8/12/16/20 to the wrist / |wrist - index MCP|."""
    p = _scaled(landmarks, width, height)
    ref = float(np.linalg.norm(p[HAND_WRIST] - p[INDEX_MCP]))
    if not ref > 1e-6:
        return None
    tips = p[[INDEX_TIP, MIDDLE_TIP, RING_TIP, PINKY_TIP]]
    return float(np.linalg.norm(tips - p[HAND_WRIST], axis=1).mean()) / ref


class OpenReference:
    """The patient's open aperture: the maximum over the last `window_s` seconds.

    `value` is None until an aperture of at least `min_open` has been seen
    (or `initial`, e.g. from a calibration, is given), so a hand that starts
    closed produces no spurious transitions. A monotone deque keeps the
    window maximum in O(1) amortised per sample.
    """

    def __init__(self, window_s: float = REFERENCE_WINDOW_S, min_open: float = PINCH_MIN_OPEN,
                 initial: float | None = None) -> None:
        if window_s <= 0:
            raise ValueError(f"window_s must be > 0, got {window_s}")
        self.window_s = window_s
        self.min_open = min_open
        self._maxima: deque[tuple[float, float]] = deque()  # (t, value), values decreasing
        self._initial = initial if initial is not None and initial >= min_open else None

    def update(self, t: float, value: float) -> float | None:
        while self._maxima and self._maxima[-1][1] <= value:
            self._maxima.pop()
        self._maxima.append((t, value))
        while self._maxima[0][0] < t - self.window_s:
            self._maxima.popleft()
        return self.value

    @property
    def value(self) -> float | None:
        best = self._maxima[0][1] if self._maxima else 0.0
        if best < self.min_open and self._initial is not None:
            best = self._initial
        return best if best >= self.min_open else None


@dataclass(frozen=True, slots=True)
class Thresholds:
    low: float
    high: float


class HysteresisDetector:
    """Open/closed state of an aperture with two thresholds.

    Feed `update(value, thresholds)`; it returns "closed" on the sample that
    goes below `low` from the open state, "opened" on the sample that goes
    above `high` from the closed state, else None. The state starts "open"
    only once a value above `high` has been seen (`state` is None before).
    """

    def __init__(self) -> None:
        self.state: Literal["open", "closed"] | None = None

    def reset(self) -> None:
        self.state = None

    def update(self, value: float, thresholds: Thresholds) -> Transition | None:
        if not thresholds.low < thresholds.high:
            raise ValueError(f"hysteresis needs low < high, got {thresholds.low} >= {thresholds.high}")
        if self.state is None:
            if value >= thresholds.high:
                self.state = "open"
            elif value <= thresholds.low:
                self.state = "closed"
            return None
        if self.state == "open" and value <= thresholds.low:
            self.state = "closed"
            return "closed"
        if self.state == "closed" and value >= thresholds.high:
            self.state = "open"
            return "opened"
        return None


class RelativeHysteresis:
    """A detector whose thresholds are fractions of the patient's open aperture."""

    def __init__(self, low_fraction: float = PINCH_LOW, high_fraction: float = PINCH_HIGH, *,
                 window_s: float = REFERENCE_WINDOW_S, min_open: float = PINCH_MIN_OPEN,
                 initial_open: float | None = None) -> None:
        if not 0.0 < low_fraction < high_fraction < 1.0:
            raise ValueError(f"need 0 < low_fraction < high_fraction < 1, got {low_fraction}, {high_fraction}")
        self.low_fraction = low_fraction
        self.high_fraction = high_fraction
        self.reference = OpenReference(window_s, min_open, initial_open)
        self.detector = HysteresisDetector()

    @property
    def state(self) -> Literal["open", "closed"] | None:
        return self.detector.state

    @property
    def thresholds(self) -> Thresholds | None:
        ref = self.reference.value
        if ref is None:
            return None
        return Thresholds(self.low_fraction * ref, self.high_fraction * ref)

    def update(self, t: float, value: float) -> Transition | None:
        self.reference.update(t, value)
        th = self.thresholds
        if th is None:
            # No open reference yet: a hand that has never opened is "closed".
            self.detector.state = "closed" if self.detector.state is None else self.detector.state
            return None
        return self.detector.update(value, th)
