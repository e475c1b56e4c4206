"""Paced breathing (pure): the plan's [breathing] table, the pacer, the breathing signal
from the upper body, the breathing-rate estimate, adherence, and an honest "pacer only".

Why (CLINICAL.md 5d): resonance breathing at about 6 breaths/min (4.5-7), often with a
longer exhale (4:6), 2-5 minutes to start. The pacer is the exercise; the camera only
says whether the patient follows it. Shoulders rise a few millimetres with each breath,
which is close to MediaPipe's landmark jitter, so the camera's reading is shown only
when the breathing stands out of the signal's OWN noise; otherwise the screen says
"pacer only" and nothing is claimed.

Signal: the shoulder midpoint's height in body units (shoulder widths; `Intents.trunk_dy`
live, or `shoulder_height_bu` from landmarks offline), resampled to a uniform grid,
band-limited to breathing (low-pass 0.7 Hz, drift removed with a running mean over
the longest breath searched), then:

- rate: 60 / the dominant period (telemetry.counting.dominant_period, autocorrelation)
  searched between 1.5 and 15 s (tested over 4-20 breaths/min);
- strength: the band signal's standard deviation over the white-noise level expected
  in that band (telemetry.counting.noise_level of the raw signal, scaled by the square
  root of the band's share of the sampled bandwidth); below MIN_SNR, or without a
  period, the reading is "pacer only";
- rhythm: a sine at the period (and its 2nd harmonic) must explain the movement
  (MIN_FIT_RATIO), or the "rate" is only the strongest bump of something irregular;
- movement: a swing larger than breathing makes (MAX_SWING_BU) is the body or the arms
  moving, read as "pacer only", never as a breathing rate;
- adherence: the share of valid time the chest moves the pacer's way (rising while the
  pacer says "breathe in"), the pacer shifted by REACTION_S; chance is about 0.5.

No clock, no I/O: numpy arrays and floats in, dataclasses out.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from telemetry.counting import dominant_period, lowpass, noise_level, running_mean, to_uniform

Phase = Literal["inhale", "exhale"]

MIN_BREATH_S, MAX_BREATH_S = 3.0, 15.0  # 20 and 4 breaths/min: the rates we test [D]
# The period search starts lower: an autocorrelation peak at the very edge of the search
# is missed (the correlation there is still falling from lag 0), so a 3 s breath would
# read as 6 s; searched from 1.5 s it is found, and faster breathing (to 40/min) too.
SEARCH_MIN_S = 1.5
BAND_HZ = 0.7  # low-pass: a breath is slower than this; landmark jitter is mostly faster [D]
MIN_SNR = 3.0  # band std / expected band noise below this: "pacer only" [D]
MIN_PERIODICITY = 0.3  # autocorrelation at the breath period below this: "pacer only" [D]
REACTION_S = 0.5  # a patient follows a visual pacer about this late [D]
# Shoulders rise about a centimetre with a deep breath; a swing of the band signal above
# this (peak to peak, 2 x std x sqrt 2, about 3 cm at a 40 cm shoulder width) is the body
# or the arms moving, not breathing: on real video, elbow flexion read as "6.7 /min"
# before this rule (benchmarks/breathing.py) [D].
MAX_SWING_BU = 0.08
# The breath's rhythm (a sine at the found period and its second harmonic, fitted to the
# band signal) must explain the movement: its std at least this many times the rest's.
# Synthetic breathing with landmark noise up to 0.008 gives 7-30; the stillest real clip
# (one wrist flexing) gave 0.96, i.e. no breathing rhythm worth a number [D].
MIN_FIT_RATIO = 1.5
MIN_ESTIMATE_S = 2.2 * MIN_BREATH_S  # fewer seconds of signal cannot show two breaths


class BreathingRules(BaseModel):
    """[breathing] in the plan: the pacer and the session length."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)
    breaths_per_min: float = Field(default=6.0, ge=4.0, le=10.0)  # resonance ~6 (4.5-7)
    inhale: float = Field(default=4.0, gt=0.0, le=10.0)  # ratio parts, e.g. 4:6
    exhale: float = Field(default=6.0, gt=0.0, le=10.0)
    minutes: float = Field(default=3.0, ge=0.5, le=20.0)  # start 2-5, build to 10-20
    at_rest_breaks: bool = True  # the rest break's circle paces the breath (game/scenes/rest.py)

    @model_validator(mode="after")
    def _ratio(self) -> BreathingRules:
        r = self.inhale / self.exhale
        if not 1 / 3 <= r <= 3:
            raise ValueError(f"inhale:exhale {self.inhale:g}:{self.exhale:g} is outside 1:3-3:1")
        if self.breath_s * min(self.inhale, self.exhale) / (self.inhale + self.exhale) < 2.0:
            raise ValueError("a breath phase shorter than 2 s is not slow breathing; "
                             "slow the pacer or even out the ratio")
        return self

    @property
    def breath_s(self) -> float:
        return 60.0 / self.breaths_per_min

    @property
    def inhale_s(self) -> float:
        return self.breath_s * self.inhale / (self.inhale + self.exhale)


@dataclass(frozen=True, slots=True)
class Pacer:
    """What the screen shows at time t: the phase, the seconds left in it, and the guide
    level (0 empty .. 1 full lungs, eased so it starts and ends gently)."""

    inhale_s: float
    exhale_s: float

    @classmethod
    def of(cls, rules: BreathingRules) -> Pacer:
        return cls(rules.inhale_s, rules.breath_s - rules.inhale_s)

    @property
    def period_s(self) -> float:
        return self.inhale_s + self.exhale_s

    def phase(self, t: float) -> tuple[Phase, float]:
        """(phase, seconds left in it)."""
        tau = t % self.period_s
        if tau < self.inhale_s:
            return "inhale", self.inhale_s - tau
        return "exhale", self.period_s - tau

    def level(self, t: float) -> float:
        tau = t % self.period_s
        if tau < self.inhale_s:
            return 0.5 - 0.5 * math.cos(math.pi * tau / self.inhale_s)
        return 0.5 + 0.5 * math.cos(math.pi * (tau - self.inhale_s) / self.exhale_s)

    def inhaling(self, t: np.ndarray) -> np.ndarray:
        return np.mod(t, self.period_s) < self.inhale_s


def shoulder_height_bu(pose: np.ndarray, width: int, height: int) -> float | None:
    """The shoulder midpoint's height in shoulder widths (up positive) from one frame's
    33 pose landmarks (normalised image x, y, z, visibility): body units, so the signal
    does not depend on the camera distance."""
    ls, rs = pose[11], pose[12]
    if min(float(ls[3]), float(rs[3])) < 0.5:
        return None
    lx, ly = float(ls[0]) * width, float(ls[1]) * height
    rx, ry = float(rs[0]) * width, float(rs[1]) * height
    sw = math.hypot(lx - rx, ly - ry)
    if sw < 1e-6:
        return None
    return -0.5 * (ly + ry) / sw


@dataclass(frozen=True, slots=True)
class BreathingReading:
    state: Literal["tracking", "pacer_only"]
    why: str  # in the therapist's words
    rate_per_min: float | None
    snr: float  # band std / expected band noise
    periodicity: float | None
    amplitude_bu: float  # the band signal's standard deviation (shoulder widths)
    adherence: float | None  # share of valid time in phase with the pacer
    seconds: float  # valid signal used
    fit_ratio: float | None = None  # how much of the movement the rhythm explains

    def to_dict(self) -> dict[str, object]:
        return {"state": self.state, "why": self.why,
                "rate_per_min": None if self.rate_per_min is None else round(self.rate_per_min, 2),
                "snr": round(self.snr, 2),
                "periodicity": None if self.periodicity is None else round(self.periodicity, 3),
                "amplitude_bu": round(self.amplitude_bu, 5),
                "adherence": None if self.adherence is None else round(self.adherence, 3),
                "seconds": round(self.seconds, 1),
                "fit_ratio": None if self.fit_ratio is None or not math.isfinite(self.fit_ratio)
                else round(self.fit_ratio, 2)}


def band_signal(t: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, float, float] | None:
    """(grid times, band-limited signal, fs, expected band noise std) or None."""
    uni = to_uniform(np.asarray(t, float), np.asarray(y, float))
    if uni is None or uni.t.size < 8:
        return None
    fs = uni.fs
    lp = lowpass(uni.x, fs, BAND_HZ)
    drift = running_mean(lp, max(3, round(MAX_BREATH_S * fs)))
    band = lp - drift
    sigma = noise_level(np.asarray(y, float))
    # white noise through the band: std scales with sqrt(band / Nyquist)
    band_noise = sigma * math.sqrt(min(1.0, BAND_HZ / (0.5 * fs)))
    return uni.t, band, fs, band_noise


def rhythm_fit_ratio(grid: np.ndarray, band: np.ndarray, period_s: float) -> float:
    """std of the best fit of a sine at `period_s` plus its 2nd harmonic / std of what is
    left: how much of the movement the rhythm explains (white noise alone: about 0.1)."""
    ok = np.isfinite(band)
    if ok.sum() < 8:
        return 0.0
    w = 2.0 * math.pi / period_s
    g = grid[ok]
    x = np.column_stack([np.sin(w * g), np.cos(w * g), np.sin(2 * w * g), np.cos(2 * w * g)])
    b = band[ok] - float(np.mean(band[ok]))
    coef, *_ = np.linalg.lstsq(x, b, rcond=None)
    fit = x @ coef
    rest = float(np.std(b - fit))
    return float(np.std(fit)) / rest if rest > 0 else math.inf


def estimate(t: Sequence[float] | np.ndarray, y: Sequence[float] | np.ndarray,
             pacer: Pacer | None = None) -> BreathingReading:
    """The breathing reading of a signal (seconds, shoulder height in body units)."""
    tt = np.asarray(t, float)
    yy = np.asarray(y, float)
    good = np.isfinite(yy)
    seconds = float(tt[good][-1] - tt[good][0]) if good.sum() >= 2 else 0.0
    if seconds < MIN_ESTIMATE_S:
        return BreathingReading("pacer_only", f"only {seconds:.0f} s of upper-body signal "
                                f"(at least {MIN_ESTIMATE_S:.0f} s needed)", None, 0.0, None,
                                0.0, None, seconds)
    got = band_signal(tt, yy)
    if got is None:
        return BreathingReading("pacer_only", "no usable upper-body signal", None, 0.0, None,
                                0.0, None, seconds)
    grid, band, fs, band_noise = got
    ok = np.isfinite(band)
    amp = float(np.std(band[ok])) if ok.any() else 0.0
    snr = amp / band_noise if band_noise > 0 else (math.inf if amp > 0 else 0.0)
    per = dominant_period(band, fs, min_s=SEARCH_MIN_S, max_s=MAX_BREATH_S)
    adherence = None
    if pacer is not None:
        rising = np.gradient(np.where(ok, band, 0.0)) > 0
        want = pacer.inhaling(grid - REACTION_S)
        valid = ok & (grid - REACTION_S >= grid[0])
        if valid.sum() > 0:
            adherence = float(np.mean(rising[valid] == want[valid]))
    swing = 2.0 * math.sqrt(2.0) * amp
    if swing > MAX_SWING_BU:
        return BreathingReading("pacer_only", f"the upper body moves more than breathing does "
                                f"(a swing of {swing:.2f} shoulder widths): keep still to be read",
                                None, snr, None if per is None else per.periodicity, amp, None,
                                seconds)
    if per is None or per.periodicity < MIN_PERIODICITY:
        return BreathingReading("pacer_only", "no regular breathing rhythm in the upper-body "
                                "movement", None, snr, None if per is None else per.periodicity,
                                amp, None, seconds)
    fit = rhythm_fit_ratio(grid, band, per.seconds)
    if fit < MIN_FIT_RATIO:
        return BreathingReading("pacer_only", f"no steady breathing rhythm: it explains too "
                                f"little of the movement (fit {fit:.1f} < {MIN_FIT_RATIO:g})",
                                60.0 / per.seconds, snr, per.periodicity, amp, None, seconds,
                                fit)
    if snr < MIN_SNR:
        return BreathingReading("pacer_only", f"breathing movement too small against the "
                                f"tracking noise (signal-to-noise {snr:.1f} < {MIN_SNR:g})",
                                60.0 / per.seconds, snr, per.periodicity, amp, None, seconds,
                                fit)
    return BreathingReading("tracking", "breathing seen in the shoulders' movement",
                            60.0 / per.seconds, snr, per.periodicity, amp, adherence, seconds,
                            fit)


def synthetic_chest(rate_per_min: float, fps: float, seconds: float, *, amplitude_bu: float = 0.02,
                    noise_bu: float = 0.002, drift_bu_per_s: float = 0.0005, seed: int = 0,
                    lag_s: float = 0.0, inhale_fraction: float = 0.5
                    ) -> tuple[np.ndarray, np.ndarray]:
    """A shoulder-height signal breathing at a known rate (tests, the virtual patient):
    a smooth rise for `inhale_fraction` of each breath, a fall for the rest, landmark
    noise and a slow postural drift."""
    rng = np.random.default_rng(seed)
    t = np.arange(0.0, seconds, 1.0 / fps)
    p = Pacer(60.0 / rate_per_min * inhale_fraction, 60.0 / rate_per_min * (1 - inhale_fraction))
    level = np.array([p.level(x - lag_s) for x in t])
    y = amplitude_bu * (level - 0.5) * 2 + drift_bu_per_s * t + rng.normal(0, noise_bu, t.size)
    return t, y
