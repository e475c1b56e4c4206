"""Feedback on a hit: the timing and motion of a short burst at the target (pure: no pygame).

A hit is answered at once by an expanding ring and a few particles flying out from the
target, fading as they go. Everything here is a function of the time since the hit, so
it is tested directly and drawn by game/views/reaching.py. Two rules keep it safe for
everyone: one burst is ONE smooth expansion (it never blinks; its brightness only falls),
and it lasts at least 1/3 s, so nothing flashes faster than 3 Hz (WCAG 2.3.1); and its
motion is slowed by the patient's `--pace` like the rest of the game.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

BURST_S = 0.7  # how long a burst lasts at pace 1 (seconds)
MIN_FLASH_S = 1.0 / 3.0  # never shorter: no flashing faster than 3 Hz
PARTICLES = 10
RING_GROWTH = 1.2  # the ring grows to (1 + this) target radii
PARTICLE_FLIGHT = 1.6  # particles fly out to (1 + this) target radii


def _ease_out(k: float) -> float:
    return 1.0 - (1.0 - k) ** 3


@dataclass(frozen=True, slots=True)
class Particle:
    x: float  # body units
    y: float
    size: float  # radius, body units


@dataclass(frozen=True, slots=True)
class Burst:
    """A burst at a hit target: centre and target radius in body units, started at `t0` (s)."""

    x: float
    y: float
    radius: float
    t0: float
    pace: float = 1.0

    @property
    def duration_s(self) -> float:
        """Longer at a slower pace (pace 0.5: twice as long), never under 1/3 s."""
        return max(MIN_FLASH_S, BURST_S / max(0.25, self.pace))

    def phase(self, t: float) -> float | None:
        """0 at the hit, 1 at the end; None before it started or after it ended."""
        k = (t - self.t0) / self.duration_s
        return k if 0.0 <= k <= 1.0 else None

    def done(self, t: float) -> bool:
        return t - self.t0 > self.duration_s

    def ring_radius(self, t: float) -> float:
        k = self.phase(t)
        return 0.0 if k is None else self.radius * (1.0 + RING_GROWTH * _ease_out(k))

    def strength(self, t: float) -> float:
        """1 at the hit, falling steadily to 0 (drawn as the ring's width and particle size)."""
        k = self.phase(t)
        return 0.0 if k is None else 1.0 - k

    def particles(self, t: float) -> list[Particle]:
        k = self.phase(t)
        if k is None:
            return []
        dist = self.radius * (1.0 + PARTICLE_FLIGHT * _ease_out(k))
        size = self.radius * 0.18 * (1.0 - k)
        out = []
        for i in range(PARTICLES):
            a = 2 * math.pi * i / PARTICLES + math.pi / PARTICLES
            out.append(Particle(self.x + dist * math.cos(a), self.y + dist * math.sin(a), size))
        return out


def set_progress(hits: int, quota: int | None) -> float | None:
    """The share of the set done, 0..1 (None when the set has no quota)."""
    if not quota or quota <= 0:
        return None
    return min(1.0, max(0.0, hits / quota))
