"""What the three dexterity games share: which hand, and is it seen.

Role: pick the hand intent of the side in play and decide whether its
landmarks are usable. The session runner (exercises/session.py) already
pauses the session when the body or the arm is lost; a dexterity game also
needs the hand's LANDMARKS (pinch/grasp apertures), which the runner cannot
see. So each game freezes its own clocks while the hand is not visible,
shows the cue "hand_not_visible" (`cue`), and emits TRACKING_LOST /
TRACKING_RESTORED with that cue, exactly like the runner does for the arm.
"""

from __future__ import annotations

from typing import Literal

from exercises.events import TRACKING_LOST, TRACKING_RESTORED, Event
from vision.intents import HandIntent, Intents

Side = Literal["left", "right"]

MIN_HAND_VISIBILITY = 0.5  # CLINICAL.md section 7


def sides_for(dose_side: str) -> tuple[Side, ...]:
    if dose_side == "both":
        return ("right", "left")
    if dose_side in ("left", "right"):
        return (dose_side,)  # type: ignore[return-value]
    raise ValueError(f"unknown side {dose_side!r}; expected left, right or both")


class HandWatch:
    """Tracks whether the hand in play has usable landmarks (`attr`: pinch or grasp)."""

    def __init__(self, attr: Literal["pinch", "grasp"]) -> None:
        self.attr = attr
        self.visible = True
        self.losses = 0
        self.lost_s = 0.0
        self.cue: str | None = None

    def read(self, intents: Intents, side: Side, dt: float, out: list[Event]) -> HandIntent | None:
        """The hand intent if its aperture is usable, else None (and a cue)."""
        hand = intents.hand(side)
        ok = hand is not None and getattr(hand, self.attr) is not None and hand.visibility >= MIN_HAND_VISIBILITY
        if ok:
            if not self.visible:
                self.visible = True
                out.append(Event(intents.t, TRACKING_RESTORED, {"cue": "hand_not_visible", "side": side}))
            self.cue = None
            return hand
        self.lost_s += dt
        self.cue = "hand_not_visible"
        if self.visible:
            self.visible = False
            self.losses += 1
            out.append(Event(intents.t, TRACKING_LOST, {"cue": "hand_not_visible", "side": side}))
        return None
