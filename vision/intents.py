"""What a player wants, independent of the input device.

Every scene and every exercise reads `Intents`, never a `BodyFrame`, a key
code or a mouse position. `vision.intents_builder` makes them from tracked
frames (through the body model and calibration); `game.input` makes them
from the keyboard and mouse. So every game runs and is tested with no camera.

Body units: origin at the calibrated shoulder midpoint, unit = one shoulder
width, +x toward the PATIENT'S RIGHT as seen in a selfie mirror (so screen
right in the mirrored view), +y up.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Cue = Literal["move_into_frame", "step_back", "too_dark", "arm_not_visible", "hand_not_visible"]


@dataclass(frozen=True, slots=True)
class HandIntent:
    """One hand of the player."""

    x: float  # body units (see module docstring)
    y: float
    visibility: float = 1.0  # 0..1
    pinch: float | None = None  # thumb-index aperture / (wrist-index MCP), None if no hand landmarks
    grasp: float | None = None  # mean fingertip (8/12/16/20) to wrist / (wrist-index MCP)
    # wrist in front of its shoulder, shoulder widths, from the world landmarks (vision.forward);
    # coarse: median error 0.58 arm lengths (docs/benchmarks.md "Depth from one camera")
    forward: float | None = None


@dataclass(frozen=True, slots=True)
class Intents:
    """One input sample. `t` is seconds on the session clock (capture time)."""

    t: float
    left: HandIntent | None = None
    right: HandIntent | None = None
    # Trunk, relative to the calibrated neutral posture.
    trunk_dx: float = 0.0  # shoulder-midpoint displacement, body units
    trunk_dy: float = 0.0
    trunk_lean_deg: float = 0.0  # lean of the shoulder-to-hip line from vertical
    shoulder_rotation_deg: float = 0.0  # tilt of the shoulder line from horizontal
    body_visible: bool = True
    tracking_quality: float = 1.0  # 0..1 (visibility, jitter)
    cue: Cue | None = None  # why tracking is not good enough, for the player
    # Buttons (keyboard, on-screen, or dwell gestures).
    stop: bool = False
    stop_reason: str | None = None  # why, when not the player ("video_ended": the recording ran out)
    pause: bool = False
    # A deliberate key press (Enter): it confirms the FOCUSED control, wherever the
    # hands are (a hand resting in view must never swallow it).
    confirm: bool = False
    number: int | None = None  # a 0-10 answer typed or chosen, for check-ins
    # A pointer click: presses the control under the hand it moved (the mouse hand);
    # the only input that needs a position.
    click: bool = False

    def hand(self, side: Literal["left", "right"]) -> HandIntent | None:
        return self.left if side == "left" else self.right
