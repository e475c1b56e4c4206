"""Finger tapping to a metronome: taps counted as closings, the same way `assess` does.

Role: the rules of the tapping game. Input is `HandIntent.pinch`, the
normalised aperture d(t) = |thumb tip - index tip| / |wrist - index MCP|
(CLINICAL.md section 2). A tap is a CLOSING, counted by
`telemetry.counting.OnlineCounter` (the live form of the counting that
`neuroplay assess` and `telemetry.metrics.tapping_metrics` use): samples
that jump out and straight back faster than a finger can move are dropped,
the swing a tap must make is a share of the patient's own aperture range
over the last few seconds (percentiles: two mis-tracked frames cannot raise
it, as the old running maximum could, which stopped taps counting for 6 s
on real video), and a closing counts once the fingers reopen by that swing.
The tap is stamped at the moment the fingers were closest (`touch_t`).

Dose (`TappingDose`): `sets` sets of `set_s` seconds each, `rest_between_sets_s`
apart, a metronome at `tempo_hz` (times the session pace), on `side` ("both"
alternates sets right/left). Each tap is scored against the nearest beat:
`offset_s` (negative: early) and `on_beat` (|offset| within ON_BEAT_FRACTION of
a beat period, at most ON_BEAT_MAX_S).

Per set, the aperture samples (on the set's own clock, which stops while
the hand is not visible) are resampled to a uniform rate and handed to
`telemetry.metrics.tapping_metrics` for rate, amplitude, rhythm CoV,
decrement and interruptions; the set ends with a REPETITION event carrying
them. The game draws the metronome from `beat_index` / `beat_phase` and
plays a tick when `beat_index` changes.

Summary keys: taps, tap_rate_hz, rhythm_cov, decrement, interruptions,
amplitude, on_beat_fraction, mean_abs_offset_s, sets_done, sets (per set).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from exercises.base import CalibrationInput
from exercises.dexterity.common import HandWatch, Side, sides_for
from exercises.doses import SessionDose, TappingDose
from exercises.events import REPETITION, TAP, Event
from exercises.virtual_patient import HandGoal
from telemetry.counting import MAX_APERTURE_RATE, MIN_APERTURE_RANGE, Extreme, OnlineCounter
from vision.intents import Intents

METRICS_FS = 30.0  # Hz: the uniform rate the set's aperture is resampled to for the metrics
ON_BEAT_FRACTION = 0.25  # of a beat period
ON_BEAT_MAX_S = 0.15

Phase = Literal["tapping", "rest", "done"]


@dataclass(frozen=True, slots=True)
class TapView:
    t: float  # session time
    set_index: int
    offset_s: float
    on_beat: bool


def new_tap_counter() -> OnlineCounter:
    """The live tap counter: closings of the pinch aperture (a closed pinch is 0)."""
    return OnlineCounter("low", floor=0.0, max_rate=MAX_APERTURE_RATE,
                         min_range=MIN_APERTURE_RANGE)


def _mean(values: list[float | None] | list[float]) -> float | None:
    vals = [v for v in values if v is not None and math.isfinite(v)]
    return float(np.mean(vals)) if vals else None


class TappingExercise:
    """Thumb-index tapping in sets, to a metronome."""

    name = "tapping"

    def __init__(self, dose: TappingDose, calibration: CalibrationInput = None, rng: np.random.Generator | None = None, *,
                 session_dose: SessionDose | None = None) -> None:
        session_dose = session_dose if session_dose is not None else SessionDose()
        if session_dose.pace <= 0:
            raise ValueError(f"session pace must be > 0, got {session_dose.pace}")
        for key in ("tempo_hz", "set_s"):
            if not getattr(dose, key) > 0:
                raise ValueError(f"tapping {key} must be > 0, got {getattr(dose, key)}")
        if dose.sets < 1:
            raise ValueError(f"tapping sets must be >= 1, got {dose.sets}")
        if dose.rest_between_sets_s < 0:
            raise ValueError(f"tapping rest_between_sets_s must be >= 0, got {dose.rest_between_sets_s}")
        self.dose = dose
        self.sides = sides_for(dose.side)
        self.tempo_hz = float(dose.tempo_hz) * session_dose.pace
        self.rest_s = float(dose.rest_between_sets_s) / session_dose.pace
        self.phase: Phase = "tapping"
        self.set_index = 0
        self.set_elapsed = 0.0  # the set's own clock (stops while the hand is not visible)
        self.rest_left = 0.0
        self.t = 0.0
        self.beat0_t: float | None = None  # session time of the set's first beat (for the player)
        self.watch = HandWatch("pinch")
        self.counter = new_tap_counter()
        self.aperture: float | None = None  # newest d(t)
        self.taps: list[TapView] = []
        self._samples: list[tuple[float, float]] = []
        self.set_results: list[dict[str, Any]] = []

    # ---------------------------------------------------------------- state
    @property
    def done(self) -> bool:
        return self.phase == "done"

    @property
    def active_side(self) -> Side:
        return self.sides[self.set_index % len(self.sides)]

    @property
    def cue(self) -> str | None:
        return self.watch.cue if self.phase == "tapping" else None

    @property
    def beat_period_s(self) -> float:
        return 1.0 / self.tempo_hz

    @property
    def beat_index(self) -> int:
        """Beats heard so far in this set (the game ticks when it changes)."""
        return math.floor(self.set_elapsed * self.tempo_hz + 1e-9) if self.phase == "tapping" else -1

    @property
    def beat_phase(self) -> float:
        """0 on the beat, rising to 1 just before the next."""
        x = self.set_elapsed * self.tempo_hz
        return x - math.floor(x)

    @property
    def set_taps(self) -> int:
        return sum(1 for tap in self.taps if tap.set_index == self.set_index)

    @property
    def thresholds(self) -> tuple[float, float] | None:
        """(closed below, open above) for the gauge: the swing a tap must make, measured
        from the closed and the open levels of the last few seconds."""
        lv = self.counter.levels
        if lv is None:
            return None
        return (lv.excursion + lv.delta, lv.rest - lv.delta)

    def player_goal(self) -> HandGoal:
        """What a (virtual) player does now: tap to the beat, or hold the hand up and open."""
        if self.phase == "tapping":
            t0 = self.beat0_t if self.beat0_t is not None else self.t
            return HandGoal("tap", self.active_side, params=(("tempo_hz", self.tempo_hz), ("beat0_t", t0)))
        return HandGoal("open", self.active_side)

    # ----------------------------------------------------------------- step
    def step(self, intents: Intents, dt: float) -> list[Event]:
        out: list[Event] = []
        self.t = intents.t
        if self.phase == "done":
            return out
        if self.phase == "rest":
            self.rest_left -= dt
            if self.rest_left <= 1e-9:
                self._start_set(intents.t)
            return out
        if self.beat0_t is None:
            self.beat0_t = intents.t
        hand = self.watch.read(intents, self.active_side, dt, out)
        if hand is None or hand.pinch is None:
            self.aperture = None
            return out
        self.set_elapsed += dt
        d = float(hand.pinch)
        self.aperture = d
        self._samples.append((self.set_elapsed, d))
        self._count(self.counter.update(self.set_elapsed, d, hand.visibility), intents.t, out)
        if self.set_elapsed >= self.dose.set_s - 1e-9:
            self._count(self.counter.flush(), intents.t, out)  # the last sample too
            out.append(self._end_set(intents.t))
        return out

    def _count(self, ext: Extreme | None, now: float, out: list[Event]) -> None:
        if ext is not None and ext.kind == "out" and ext.counted:
            # the fingers were closest at ext.t on the set's clock: that is the tap
            out.append(self._tap(now - (self.set_elapsed - ext.t), ext.t, ext.value))

    def _tap(self, t: float, set_t: float, closest: float) -> Event:
        """A tap whose touch was at session time `t` (set clock `set_t`)."""
        period = self.beat_period_s
        k = round(set_t / period)
        offset = set_t - k * period
        on_beat = abs(offset) <= min(ON_BEAT_MAX_S, ON_BEAT_FRACTION * period)
        tap = TapView(t, self.set_index, offset, on_beat)
        self.taps.append(tap)
        return Event(t, TAP, {"set": self.set_index, "side": self.active_side, "beat": int(k),
                              "offset_s": round(offset, 4), "on_beat": on_beat,
                              "aperture": round(closest, 4), "touch_t": round(t, 4)})

    def _set_metrics(self) -> dict[str, Any]:
        from telemetry.metrics import tapping_metrics

        if len(self._samples) < 2:
            return {}
        ts = np.array([s[0] for s in self._samples])
        ds = np.array([s[1] for s in self._samples])
        grid = np.arange(ts[0], ts[-1], 1.0 / METRICS_FS)
        if grid.size < 4:
            return {}
        m = tapping_metrics(np.interp(grid, ts, ds), METRICS_FS)
        return {"rate_hz": m.rate_hz, "amplitude": m.amplitude_mean, "rhythm_cov": m.rhythm_cov,
                "decrement": m.decrement, "interruptions": m.interruptions, "closings": m.n_taps}

    def _end_set(self, t: float) -> Event:
        taps = [tap for tap in self.taps if tap.set_index == self.set_index]
        result: dict[str, Any] = {
            "set": self.set_index, "side": self.active_side, "taps": len(taps),
            "tempo_hz": self.tempo_hz, "duration_s": self.set_elapsed,
            "on_beat": sum(1 for tap in taps if tap.on_beat),
            "mean_abs_offset_s": _mean([abs(tap.offset_s) for tap in taps]),
        }
        result.update(self._set_metrics())
        self.set_results.append(result)
        event = Event(t, REPETITION, dict(result))
        if len(self.set_results) >= self.dose.sets:
            self.phase = "done"
        elif self.rest_s > 0:
            self.phase = "rest"
            self.rest_left = self.rest_s
        else:
            self._start_set(t)
        return event

    def _start_set(self, t: float) -> None:
        self.set_index += 1
        self.phase = "tapping"
        self.set_elapsed = 0.0
        self.beat0_t = t
        self.rest_left = 0.0
        self._samples = []
        self.counter = new_tap_counter()

    # -------------------------------------------------------------- summary
    def summary(self) -> dict[str, Any]:
        sets = list(self.set_results)
        tap_time = sum(r["duration_s"] for r in sets) + (self.set_elapsed if self.phase == "tapping" else 0.0)
        rate = _mean([r.get("rate_hz") for r in sets])
        if rate is None and tap_time > 0 and self.taps:
            rate = len(self.taps) / tap_time
        return {
            "taps": len(self.taps),
            "tap_rate_hz": rate,
            "rhythm_cov": _mean([r.get("rhythm_cov") for r in sets]),
            "decrement": _mean([r.get("decrement") for r in sets]),
            "interruptions": int(sum(r.get("interruptions") or 0 for r in sets)),
            "amplitude": _mean([r.get("amplitude") for r in sets]),
            "on_beat_fraction": (sum(1 for tap in self.taps if tap.on_beat) / len(self.taps)) if self.taps else None,
            "mean_abs_offset_s": _mean([abs(tap.offset_s) for tap in self.taps]),
            "tempo_hz": self.tempo_hz,
            "sets_done": len(sets),
            "hand_lost_s": self.watch.lost_s,
            "sets": sets,
        }
