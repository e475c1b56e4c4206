"""Drivers: where the tracked player's input comes from, one per kind of source.

* `PointerPlayer`: a scripted pointer that moves the affected hand toward the
  current target at an unhurried speed (exactly what a mouse user does), with
  no frames at all: the keyboard-and-mouse path, for tests.
* `FramesDriver`: BodyFrames from a camera, a replay, a video or the virtual
  patient, made into Intents by vision's IntentsBuilder (the camera's path);
  an optional `frame_filter` (mirror therapy) runs first.
Menus are answered by `game.script.ScriptedMenus` in the demo.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from game.scenes.exercise import ExerciseScene
from game.script import ScriptedMenus
from vision.bodyframe import BodyFrame
from vision.intents import HandIntent, Intents


@dataclass
class PointerPlayer:
    """Scripted pointer: menus by script, the exercise by moving toward the live target."""

    side: str = "right"
    speed: float = 1.6  # body units per second
    menus: ScriptedMenus = field(default_factory=ScriptedMenus)
    finished: bool = False

    def __post_init__(self) -> None:
        self.hand = (0.5 if self.side == "right" else -0.5, -1.0)
        self._last_t = 0.0
        self.menus.side = self.side

    def poll(self, t: float, scene: Any) -> tuple[BodyFrame | None, Intents | None]:
        dt = max(1e-6, t - self._last_t)
        self._last_t = t
        menu = self.menus.intents(t, dt, scene)
        if menu is not None:
            return None, menu
        if isinstance(scene, ExerciseScene):
            ex = scene.runner.exercise
            live = [tv for tv in getattr(ex, "targets", ()) if tv.state in ("waiting", "holding")]
            side = getattr(ex, "active_side", self.side)
            if live:
                gx, gy = live[-1].x, live[-1].y
                x, y = self.hand
                d = math.hypot(gx - x, gy - y)
                step = self.speed * dt * (0.6 + 0.4 * min(1.0, d))  # slows down near the target
                self.hand = (gx, gy) if d <= step else (x + (gx - x) / d * step, y + (gy - y) / d * step)
            h = HandIntent(*self.hand)
            return None, Intents(t=t, left=h if side == "left" else None, right=h if side == "right" else None)
        return None, Intents(t=t)


@dataclass
class FramesDriver:
    """Tracked frames -> Intents through `build` (vision's IntentsBuilder.build or equivalent).

    `next_frame(t, scene)` returns the newest frame at game time `t` (None if
    none is new); `menus` answers the menu scenes when there is no real person.
    """

    next_frame: Callable[[float, Any], BodyFrame | None]
    build: Callable[[BodyFrame], Intents]
    menus: ScriptedMenus | None = None
    is_finished: Callable[[], bool] = lambda: False
    last: Intents | None = None
    last_frame: BodyFrame | None = None
    frame_filter: Callable[[BodyFrame], BodyFrame] | None = None
    _new: BodyFrame | None = None

    @property
    def finished(self) -> bool:
        return self.is_finished()

    def take_new_frame(self) -> BodyFrame | None:
        """The frame delivered by the latest poll, once (for the calibration procedure)."""
        f, self._new = self._new, None
        return f

    def poll(self, t: float, scene: Any) -> tuple[BodyFrame | None, Intents | None]:
        if self.menus is not None:
            menu = self.menus.intents(t, 1 / 60, scene)
            if menu is not None:
                return None, menu
        frame = self.next_frame(t, scene)
        if frame is not None and self.frame_filter is not None:
            frame = self.frame_filter(frame)  # e.g. the mirror-therapy transform of the landmarks
        self._new = frame
        if frame is not None:
            self.last_frame = frame
            self.last = self.build(frame)
        return frame, self.last
