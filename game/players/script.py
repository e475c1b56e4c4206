"""Scripted answers for the menu scenes (the demo's "patient" outside the game).

For each menu scene the script moves one hand onto the button it wants and
holds it there, so the demo goes through exactly the dwell path a real
hand does (and its screenshots show the fill). It does not touch the
exercise or calibration scenes: those are played by the tracked player
(virtual patient, replay, camera).

At a rest break it rates pain as before the session unless told otherwise
(`in_session`: a number, or "skip"); at a pain pause it goes on easier
unless told to stop (`pause_choice`); at "how about today?" it takes the
suggested choice unless told one (`today`: "planned", "easier" or "rest",
taken only when the screen offers it); the weekly PSFS gets a seeded 4-6 per
activity, the kind of answer a patient part-way through rehab gives.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from game.scenes.bodymap import BodyMapScene, body_map_target
from game.scenes.breathing import BreathingScene
from game.scenes.checkin import PSFS_PREFIX, CheckinScene
from game.scenes.common import MenuScene
from game.scenes.menus import PatientScene
from game.scenes.pain_check import CONTINUE, STOP_TODAY, PainEasierScene
from game.scenes.today import TodayScene
from vision.intents import HandIntent, Intents

DEMO_PRE: dict[str, int] = {"pain": 3, "sleep": 6, "mood": 7, "interference": 4}
DEMO_POST: dict[str, int] = {"pain": 3}
HAND_SPEED = 2.5  # body units per second: an unhurried hand
PSFS_RANGE = (4, 6)  # a plausible weekly PSFS answer: partly able, as a patient in rehab often is


def psfs_answer(item: str, seed: int = 0) -> int:
    """The scripted PSFS answer for one activity: seeded, stable per activity and seed
    (0 would say "unable to do it", which the demo's patient is not)."""
    return random.Random(f"{seed}:{item}").randint(*PSFS_RANGE)


@dataclass
class ScriptedMenus:
    pre: dict[str, int] = field(default_factory=lambda: dict(DEMO_PRE))
    post: dict[str, int] = field(default_factory=lambda: dict(DEMO_POST))
    pain_stop: int = 6
    in_session: int | str | None = None  # at a rest: 0-10, "skip", or None = the pre pain
    pause_choice: str = CONTINUE  # at a pain pause: "continue" (easier) or "stop_today"
    today: str | None = None  # at "how about today?": None = the suggested choice
    seed: int = 0
    side: str = "right"
    hand: tuple[float, float] = (0.6, -1.2)

    def target(self, scene: MenuScene) -> tuple[float, float] | None:
        want: Any = None
        if isinstance(scene, CheckinScene) and scene.phase == "in_session":
            want = self.pre.get("pain", 0) if self.in_session is None else self.in_session
        elif isinstance(scene, CheckinScene) and scene.item.startswith(PSFS_PREFIX):
            want = psfs_answer(scene.item, self.seed)
        elif isinstance(scene, CheckinScene):
            answers = {"pre": self.pre, "post": self.post}.get(scene.phase, {"pain": self.pain_stop})
            want = answers.get(scene.item, 0)
        elif isinstance(scene, PatientScene):
            want = scene.buttons[0].value
        elif isinstance(scene, TodayScene):
            offered = {b.value for b in scene.buttons}
            want = self.today if self.today in offered else scene.selected
        elif isinstance(scene, BreathingScene):  # breathe with the guide to its end (no Finish)
            return None
        elif isinstance(scene, BodyMapScene):  # rest a hand on the affected palm, then Done
            return body_map_target(scene, self.side)
        elif isinstance(scene, PainEasierScene):
            want = STOP_TODAY if self.pause_choice == STOP_TODAY else CONTINUE
        for b in scene.buttons:
            if want is None or b.value == want:
                return b.center
        return scene.buttons[0].center if scene.buttons else None

    def intents(self, t: float, dt: float, scene: object) -> Intents | None:
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
