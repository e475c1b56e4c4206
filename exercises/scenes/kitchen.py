"""The reaching game as a kitchen: cups on shelves, carried to the table on a hit (pure).

Where things are comes from the exercise, never from the screen: each target the
reaching game shows (at a fraction of the patient's own calibrated reach, in body
units) is a cup standing on a shelf board just under it, so the cup's body is where the
hand must go. A hit lifts the cup and carries it, on a gentle arc, to the next free
place on the table in front of the patient; it then stays there, so the table fills as
the set goes on (the set's progress, in the game's own terms). A target that runs out
of time leaves its cup on the shelf, and the scene says something encouraging (a near
miss: the hand came within a cup's width).

Motion follows the patient's --pace (pace 0.5: twice as slow) and is one smooth move
(no blinking). Everything is a function of the targets seen and the time, so it is
tested directly (tests/exercises/test_scenes_kitchen.py) and drawn by game/views/reaching.py.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

from exercises.scenes.reward import Reward

TABLE_Y = -1.45  # the table top, body units (below the shoulders: a seated person's table)
TABLE_HALF_W = 1.7  # the table runs from -this to +this
TABLE_DEPTH = 0.55  # drawn depth of the table top (a second row of cups sits further back)
CARRY_S = 1.1  # a cup's carry at pace 1, seconds
LIFT = 0.3  # how high a cup is lifted off the shelf before it travels, body units
BOARD_HALF = 2.0  # a shelf board's half width, in cup radii
NEAR_MISS_GAP = 1.0  # a missed cup the hand came within this many radii of is a near miss
CUP_COLOURS = 5  # cups on the table take one of this many calm colours in turn
TABLE_CUP_R = 0.17  # cups on the table are drawn no bigger than this (a big target's cup shrinks
# on its way, as a cup does going away from the viewer), so a whole set fits on the table

ItemState = Literal["shelf", "held", "carried", "table", "left"]


class TargetLike(Protocol):
    """What the scene reads of exercises.reaching.TargetView."""

    @property
    def index(self) -> int: ...
    @property
    def x(self) -> float: ...
    @property
    def y(self) -> float: ...
    @property
    def radius(self) -> float: ...
    @property
    def state(self) -> str: ...
    @property
    def hold_progress(self) -> float: ...


@dataclass(frozen=True, slots=True)
class Board:
    """A shelf board: its top surface at `y`, from `x0` to `x1` (body units)."""

    x0: float
    x1: float
    y: float


@dataclass(frozen=True, slots=True)
class ItemPose:
    """A cup as it is drawn now: centre, radius (body units), state, hold fill 0..1."""

    index: int
    x: float
    y: float
    radius: float
    state: ItemState
    hold: float = 0.0
    colour: int = 0  # which of the CUP_COLOURS (table cups), 0 for shelf cups
    lift: float = 0.0  # 0 on the shelf or table, up to 1 mid-carry (drawn as a shadow gap)


def board_under(x: float, y: float, radius: float) -> Board:
    """The board a cup centred at (x, y) stands on: its top at the cup's base."""
    return Board(x - BOARD_HALF * radius, x + BOARD_HALF * radius, y - radius)


def table_radius(radius: float) -> float:
    """A cup's radius once on the table."""
    return min(radius, TABLE_CUP_R)


def table_slot(k: int, radius: float) -> tuple[float, float]:
    """Where the k-th moved cup stands (centre, body units): from the middle of the table
    outwards, alternating right and left, then a second row further back. `radius` is the
    target's; the cup on the table is `table_radius(radius)`."""
    radius = table_radius(radius)
    spacing = 2.3 * radius
    per_row = max(1, int((2 * TABLE_HALF_W - spacing) / spacing))
    row, i = divmod(k, per_row)
    step = (i + 1) // 2 * (1 if i % 2 else -1)
    x = step * spacing + (spacing / 2 if row % 2 else 0.0)  # back rows staggered: all cups seen
    y = TABLE_Y + radius + row * 1.6 * radius
    return (x, y)


def _ease(k: float) -> float:
    k = min(1.0, max(0.0, k))
    return k * k * (3.0 - 2.0 * k)  # smoothstep: starts and ends at rest


def carry(start: tuple[float, float], end: tuple[float, float], k: float) -> tuple[float, float, float]:
    """The cup k of the way (0..1) from the shelf to the table: lifted, carried, set down.
    Returns (x, y, lift 0..1)."""
    k = min(1.0, max(0.0, k))
    s = _ease(k)
    lift = math.sin(math.pi * k)
    x = start[0] + (end[0] - start[0]) * s
    y = start[1] + (end[1] - start[1]) * s + LIFT * lift
    return (x, y, lift)


def encouragement(near: bool) -> str:
    """What the scene says when a cup is left on the shelf (never a reproach)."""
    return "So close! The next cup is waiting." if near else "That's fine - take your time with the next one."


@dataclass(slots=True)
class _Item:
    index: int
    home: tuple[float, float]
    radius: float
    state: ItemState = "shelf"
    hold: float = 0.0
    hit_t: float | None = None
    slot: tuple[float, float] | None = None
    colour: int = 0
    closest_gap: float = math.inf  # the hand's closest approach, in radii outside the cup


@dataclass(slots=True)
class KitchenScene:
    """The kitchen's state over a session: fed each step the exercise's targets."""

    pace: float = 1.0
    reward: Reward = field(default_factory=Reward)
    moved: int = 0
    left: int = 0
    message: str | None = None
    message_t: float = -math.inf
    _items: dict[int, _Item] = field(default_factory=dict)

    @property
    def carry_s(self) -> float:
        return CARRY_S / max(0.25, self.pace)

    def update(self, targets: Iterable[TargetLike], t: float, hand: tuple[float, float] | None = None,
               *, careful: bool = True) -> list[str]:
        """Take in the targets as the exercise shows them now; returns what happened
        ("moved", "near_miss", "left") for sound and words. `careful` says whether the
        last reach was made without leaning (it feeds the combo, never the score's base)."""
        happened: list[str] = []
        for tv in targets:
            item = self._items.get(tv.index)
            if item is None:
                item = self._items[tv.index] = _Item(tv.index, (tv.x, tv.y), tv.radius)
            if item.state in ("carried", "table", "left"):
                continue
            item.home = (tv.x, tv.y)  # a target may move (carried, knocked): the cup goes with it
            item.hold = float(tv.hold_progress)
            if hand is not None:
                gap = (math.hypot(hand[0] - tv.x, hand[1] - tv.y) - tv.radius) / max(tv.radius, 1e-9)
                item.closest_gap = min(item.closest_gap, gap)
            if tv.state == "popped":
                item.state, item.hit_t = "carried", t
                item.slot = table_slot(self.moved, item.radius)
                item.colour = self.moved % CUP_COLOURS
                self.moved += 1
                self.reward.success(careful)
                happened.append("moved")
            elif tv.state == "missed":
                item.state = "left"
                self.left += 1
                self.reward.timed_out()
                near = item.closest_gap <= NEAR_MISS_GAP
                self.message, self.message_t = encouragement(near), t
                happened.append("near_miss" if near else "left")
            else:
                item.state = "held" if tv.state == "holding" or item.hold > 0 else "shelf"
        return happened

    def items(self, t: float) -> list[ItemPose]:
        """Every cup as drawn at time t: shelf cups, cups on their way, cups on the table
        (cups left on the shelf are not drawn: the exercise has moved on)."""
        out: list[ItemPose] = []
        for it in self._items.values():
            if it.state in ("shelf", "held"):
                out.append(ItemPose(it.index, *it.home, it.radius, it.state, it.hold))
            elif it.state == "carried" and it.hit_t is not None and it.slot is not None:
                k = (t - it.hit_t) / self.carry_s
                small = table_radius(it.radius)
                if k >= 1.0:
                    out.append(ItemPose(it.index, *it.slot, small, "table", colour=it.colour))
                else:
                    x, y, lift = carry(it.home, it.slot, k)
                    r = it.radius + (small - it.radius) * min(1.0, max(0.0, k))
                    out.append(ItemPose(it.index, x, y, r, "carried", colour=it.colour, lift=lift))
        return out

    def boards(self, t: float) -> list[Board]:
        """The shelf boards: one under every cup waiting on the shelf, and under every cup
        that has left it (the shelf stays where it was)."""
        return [board_under(*it.home, it.radius) for it in self._items.values()
                if it.state in ("shelf", "held") or (it.state == "carried" and it.hit_t is not None
                                                    and t - it.hit_t < self.carry_s)]

    def message_now(self, t: float, show_s: float = 2.5) -> str | None:
        """The encouragement, for a few seconds after a cup was left (slower pace: longer)."""
        if self.message is None or t - self.message_t > show_s / max(0.25, self.pace):
            return None
        return self.message


def shelf_span(targets: Sequence[TargetLike]) -> tuple[float, float] | None:
    """The lowest and highest board tops of the targets shown (None: none shown)."""
    ys = [tv.y - tv.radius for tv in targets]
    return (min(ys), max(ys)) if ys else None
