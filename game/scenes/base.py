"""Scene stack: push, pop, switch; a pushed scene hands a typed result back.

Shape borrowed from Textual's `Screen[ResultType].dismiss(result)`: a
check-in scene is a `Scene[CheckinAnswers]`, a calibration scene a
`Scene[CalibrationResult]`, and whoever pushed it receives the value in a
callback. Only the top scene is updated and drawn (scenes that want their
parent visible below draw it themselves via `below`). The stack keeps a
history of (scene name, result) so flows are testable headless.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import pygame

from vision.intents import Intents

if TYPE_CHECKING:
    from game.context import DrawContext

R = TypeVar("R")


class Scene(Generic[R]):
    """One screen. Subclasses override `update` and `draw`; call `dismiss(result)` when done."""

    name: str = "scene"
    rail_side: str = "left"  # screen side of the safety rail (STOP, Pain): the unaffected one

    def __init__(self) -> None:
        self._dismissed = False
        self._result: R | None = None
        self.stack: SceneStack | None = None
        self.below: Scene[Any] | None = None  # the scene under this one, if pushed

    # lifecycle -------------------------------------------------------------
    def on_enter(self) -> None:
        """Called when the scene becomes the top of the stack for the first time."""

    def update(self, intents: Intents, dt: float) -> None:
        """Advance by one fixed step of `dt` seconds with the newest intents."""

    def draw(self, surface: pygame.Surface, ctx: DrawContext) -> None:
        """Draw the whole scene onto `surface`."""

    # results ---------------------------------------------------------------
    def dismiss(self, result: R) -> None:
        """Finish this scene; the stack pops it and hands `result` to whoever pushed it."""
        self._dismissed = True
        self._result = result

    @property
    def dismissed(self) -> bool:
        return self._dismissed

    @property
    def result(self) -> R | None:
        return self._result


@dataclass
class _Entry:
    scene: Scene[Any]
    callback: Callable[[Any], None] | None


@dataclass
class SceneStack:
    """The running scenes, top last."""

    entries: list[_Entry] = field(default_factory=list)
    history: list[tuple[str, Any]] = field(default_factory=list)  # (name, result) as dismissed
    entered: list[str] = field(default_factory=list)  # scene names in the order they were shown
    rail_side: str | None = None  # set by the flow: every pushed scene's safety rail side
    # Set by the flow: what a pain rating given from the rail's Pain button (outside the
    # exercise, which has its own) does: called with the scene it was pressed on.
    on_rail_pain: Callable[[Scene[Any], int], None] | None = None

    @property
    def top(self) -> Scene[Any] | None:
        return self.entries[-1].scene if self.entries else None

    def __len__(self) -> int:
        return len(self.entries)

    def push(self, scene: Scene[R], callback: Callable[[R], None] | None = None) -> None:
        scene.stack = self
        scene.below = self.top
        if self.rail_side is not None:
            scene.rail_side = self.rail_side
        self.entries.append(_Entry(scene, callback))
        self.entered.append(scene.name)
        scene.on_enter()

    def pop(self) -> Scene[Any]:
        if not self.entries:
            raise IndexError("pop from an empty scene stack")
        return self.entries.pop().scene

    def switch(self, scene: Scene[R], callback: Callable[[R], None] | None = None) -> None:
        """Replace the top scene (its callback is dropped, not called)."""
        if self.entries:
            self.entries.pop()
        self.push(scene, callback)

    def update(self, intents: Intents, dt: float) -> None:
        """Update the top scene, then resolve any dismissals (a callback may push more)."""
        top = self.top
        if top is None:
            return
        top.update(intents, dt)
        self.resolve()

    def resolve(self) -> None:
        while self.entries and self.entries[-1].scene.dismissed:
            entry = self.entries.pop()
            self.history.append((entry.scene.name, entry.scene.result))
            if entry.callback is not None:
                entry.callback(entry.scene.result)

    def draw(self, surface: pygame.Surface, ctx: DrawContext) -> None:
        top = self.top
        if top is not None:
            top.draw(surface, ctx)
