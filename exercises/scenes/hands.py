"""The hand games as everyday tasks (pure): a drum, berries into a jar, an orange.

  * tapping: a drum played to the metronome. A tap strikes the skin, which dips and
    springs back (`strike`); a tap on the beat rings the rim too. Beats on time are the
    game's result.
  * pinch: berries picked into a jar. The pinch game's objects are berries, its box is
    the jar (the physics already piles the berries in it).
  * open/close: squeezing an orange. The orange squashes as the hand closes (`squash`,
    from the live grasp between the game's open and closed levels) and every full
    squeeze adds juice to a glass (`juice_level`).

Motion is one smooth move a fraction of a second long (never a flash: at least 1/3 s,
slower at a slower --pace). `HandReward` turns the games' counts, as they change, into
the gentle score of reward.py (a careful success: a tap on the beat, a berry placed with
no drop since the last, a full squeeze).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from exercises.scenes.reward import Reward

STRIKE_S = 0.4  # the drum skin's dip and spring back, at pace 1 (>= 1/3 s: no flashing)
MIN_MOTION_S = 1.0 / 3.0


def motion_s(seconds: float, pace: float) -> float:
    """A motion's length at the patient's pace, never shorter than 1/3 s."""
    return max(MIN_MOTION_S, seconds / max(0.25, pace))


def strike(since_tap_s: float | None, pace: float = 1.0) -> float:
    """How far the drum skin is pressed in (0..1), `since_tap_s` after a tap (None: no tap):
    in at once, then a smooth spring back over STRIKE_S."""
    if since_tap_s is None or since_tap_s < 0:
        return 0.0
    k = since_tap_s / motion_s(STRIKE_S, pace)
    return 0.0 if k >= 1.0 else (1.0 - k) ** 2


def squash(grasp: float | None, closed: float | None, opened: float | None) -> float:
    """How squeezed the orange is, 0 (hand open) to 1 (closed), from the live grasp and
    the game's closed/open levels (0 when a level is unknown)."""
    if grasp is None or closed is None or opened is None or opened <= closed:
        return 0.0
    return min(1.0, max(0.0, (opened - grasp) / (opened - closed)))


def juice_level(squeezes: int, quota: int) -> float:
    """The glass, 0..1 full: a share of it per full squeeze of the set."""
    return 0.0 if quota <= 0 else min(1.0, squeezes / quota)


@dataclass(slots=True)
class HandReward:
    """Feeds a hand game's counts into the gentle score as they change."""

    reward: Reward = field(default_factory=Reward)
    seen: int = 0
    drops_seen: int = 0

    def update(self, count: int, careful: bool = True, drops: int = 0) -> int:
        """`count`: the game's successes so far; `drops`: lapses so far (pinch). Returns
        how many new successes were scored."""
        new = max(0, count - self.seen)
        dropped = drops > self.drops_seen
        for i in range(new):
            self.reward.success(careful and not (dropped and i == 0))
        self.seen = max(self.seen, count)
        self.drops_seen = max(self.drops_seen, drops)
        return new


def orange_points(cx: float, cy: float, r: float, squeeze: float, n: int = 24) -> list[tuple[float, float]]:
    """The orange's outline squashed by the hand: flatter and wider as it is squeezed
    (its area about kept), in whatever units (cx, cy, r) are given."""
    sy = 1.0 - 0.35 * squeeze
    sx = 1.0 / sy
    return [(cx + r * sx * math.cos(2 * math.pi * i / n), cy + r * sy * math.sin(2 * math.pi * i / n))
            for i in range(n)]
