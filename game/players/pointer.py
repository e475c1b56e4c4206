"""`PointerPlayer`: a scripted pointer that moves the affected hand toward the current
target at an unhurried speed (exactly what a mouse user does), with no frames at
all: the keyboard-and-mouse path, for tests and benchmarks."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from game.players.script import ScriptedMenus
from game.scenes.exercise import ExerciseScene
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

    def poll(self, t: float, scene: object) -> tuple[BodyFrame | None, Intents | None]:
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
