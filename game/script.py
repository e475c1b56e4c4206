"""Scripted answers for the menu scenes (the demo's "patient" outside the game).

For each menu scene the script moves one hand onto the button it wants and
holds it there, so the demo goes through exactly the dwell path a real
hand does (and its screenshots show the fill). It does not touch the
exercise or calibration scenes: those are played by the tracked player
(virtual patient, replay, camera).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from game.scenes.checkin import CheckinScene
from game.scenes.common import MenuScene
from game.scenes.menus import PatientScene
from vision.intents import HandIntent, Intents

DEMO_PRE: dict[str, int] = {"pain": 3, "sleep": 6, "mood": 7, "interference": 4}
DEMO_POST: dict[str, int] = {"pain": 3}
HAND_SPEED = 2.5  # body units per second: an unhurried hand


@dataclass
class ScriptedMenus:
    pre: dict[str, int] = field(default_factory=lambda: dict(DEMO_PRE))
    post: dict[str, int] = field(default_factory=lambda: dict(DEMO_POST))
    pain_stop: int = 6
    side: str = "right"
    hand: tuple[float, float] = (0.6, -1.2)

    def target(self, scene: MenuScene) -> tuple[float, float] | None:
        want: Any = None
        if isinstance(scene, CheckinScene):
            answers = {"pre": self.pre, "post": self.post}.get(scene.phase, {"pain": self.pain_stop})
            want = answers.get(scene.item, 0)
        elif isinstance(scene, PatientScene):
            want = scene.buttons[0].value
        for b in scene.buttons:
            if want is None or b.value == want:
                return b.center
        return scene.buttons[0].center if scene.buttons else None

    def intents(self, t: float, dt: float, scene: Any) -> Intents | None:
        """A hand moving toward the wanted button, or None when the scene is not a menu."""
        if not isinstance(scene, MenuScene):
            return None
        goal = self.target(scene)
        if goal is None:
            return Intents(t=t)
        x, y = self.hand
        dx, dy = goal[0] - x, goal[1] - y
        dist = (dx * dx + dy * dy) ** 0.5
        step = HAND_SPEED * dt
        self.hand = goal if dist <= step else (x + dx / dist * step, y + dy / dist * step)
        h = HandIntent(*self.hand)
        return Intents(t=t, left=h if self.side == "left" else None, right=h if self.side == "right" else None)
