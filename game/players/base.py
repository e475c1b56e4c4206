"""The `Player` protocol: where the session's input comes from, polled once per fixed step."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from vision.bodyframe import BodyFrame
from vision.intents import Intents

if TYPE_CHECKING:
    from game.scenes.base import Scene


class Player(Protocol):
    """Where tracked input comes from. `poll` is called once per fixed step."""

    def poll(self, t: float, scene: Scene[Any] | None) -> tuple[BodyFrame | None, Intents | None]: ...

    @property
    def finished(self) -> bool:
        """True when the source has nothing more to give (a replay's end)."""
        ...


class NoPlayer:
    """Keyboard and mouse only."""

    finished = False

    def poll(self, t: float, scene: Scene[Any] | None) -> tuple[BodyFrame | None, Intents | None]:
        return None, None
