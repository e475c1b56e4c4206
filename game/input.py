"""Keyboard and mouse as intents, so every scene is playable and testable with no camera.

Keys are named actions in a bindings table (Textual's `Binding(key,
action, description)`); scenes read `Intents`, never key codes. The mouse
moves the affected hand: its window position goes through the inverse of
the same body->screen transform the scene draws with, so pointing at a
drawn target puts the hand on it in body units. A click is `click` with
the hand where the click was (the button under it activates at once); Enter
is `confirm`, which presses the focused button wherever the hands are, and
Tab / Shift+Tab / the arrows move the focus.
`merge` combines camera intents with these, so Esc and Space stop the game
even while the camera drives the hands.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Literal

import pygame

from game.transform import BodyToScreen
from vision.intents import HandIntent, Intents


@dataclass(frozen=True, slots=True)
class Binding:
    key: str  # pygame key name, as pygame.key.name() spells it
    action: str
    description: str
    show: bool = True  # listed in the on-screen help


BINDINGS: tuple[Binding, ...] = (
    Binding("escape", "stop", "Stop now"),
    Binding("space", "stop", "Stop now"),
    Binding("p", "pause", "Pause / resume"),
    Binding("return", "confirm", "Confirm"),
    Binding("enter", "confirm", "Confirm", show=False),
    Binding("tab", "more", "Next button"),
    Binding("c", "toggle_camera", "Camera image on/off"),
    Binding("m", "toggle_mirror", "Mirror view on/off"),
    Binding("v", "toggle_view", "3-D view off (back to 2-D) / on", show=False),  # shown in 3-D
    Binding("left", "less", "Lower number", show=False),
    Binding("right", "more", "Higher number", show=False),
    Binding("t", "number:10", "Answer 10", show=False),
    *(Binding(str(d), f"number:{d}", f"Answer {d}", show=False) for d in range(10)),
    *(Binding(f"[{d}]", f"number:{d}", f"Answer {d}", show=False) for d in range(10)),
)

Side = Literal["left", "right"]


def actions_for_key(key_name: str, bindings: tuple[Binding, ...] = BINDINGS) -> list[str]:
    return [b.action for b in bindings if b.key == key_name]


@dataclass
class KeyboardMouseInput:
    """Turns pygame events into `Intents`.

    Args:
        side: the hand the mouse moves (the affected arm).
        transform: returns the current body->screen transform (it changes
            with the window and the calibration).
    """

    side: Side = "right"
    transform: Callable[[], BodyToScreen] | None = None
    bindings: tuple[Binding, ...] = BINDINGS
    mouse_moves_hand: bool = True
    # With a camera driving the hands, the mouse hand counts only this long after the mouse
    # last moved or clicked, so a mouse left lying about never plays for a hand the camera lost.
    # None: always (keyboard-and-mouse play).
    hand_timeout_s: float | None = None

    def __post_init__(self) -> None:
        self._mouse: tuple[float, float] | None = None
        self._mouse_fresh = False
        self._mouse_t: float | None = None
        self._pending: dict[str, bool] = {}
        self._number: int | None = None
        self.actions: list[str] = []  # app-level actions (camera, mirror, pace) since last poll

    def handle(self, event: pygame.event.Event) -> None:
        """Feed one pygame event."""
        if event.type == pygame.KEYDOWN:
            name = pygame.key.name(event.key)
            if name == "tab" and getattr(event, "mod", 0) & pygame.KMOD_SHIFT:
                self.press("less")  # Shift+Tab: the focus goes back
                return
            for action in actions_for_key(name, self.bindings):
                self.press(action)
        elif event.type == pygame.MOUSEMOTION:
            self.move_mouse((float(event.pos[0]), float(event.pos[1])))
        elif event.type == pygame.MOUSEBUTTONDOWN and event.button == 1:
            self.move_mouse((float(event.pos[0]), float(event.pos[1])))
            self.press("click")

    def press(self, action: str) -> None:
        """Trigger a named action (what a key does; tests call this directly)."""
        if action.startswith("number:"):
            self._number = int(action.split(":", 1)[1])
        elif action in ("stop", "pause", "confirm", "click"):
            self._pending[action] = True
        else:
            self.actions.append(action)

    def move_mouse(self, pos: tuple[float, float]) -> None:
        self._mouse = pos
        self._mouse_fresh = True

    def poll(self, t: float) -> Intents:
        """Intents for time `t`; one-shot buttons are consumed."""
        hand: HandIntent | None = None
        if self._mouse_fresh:
            self._mouse_t, self._mouse_fresh = t, False
        recent = self.hand_timeout_s is None or (
            self._mouse_t is not None and t - self._mouse_t <= self.hand_timeout_s)
        if self._mouse is not None and self.transform is not None and self.mouse_moves_hand and recent:
            bx, by = self.transform().to_body(*self._mouse)
            hand = HandIntent(bx, by)
        intents = Intents(
            t=t,
            left=hand if self.side == "left" else None,
            right=hand if self.side == "right" else None,
            stop=self._pending.pop("stop", False),
            pause=self._pending.pop("pause", False),
            confirm=self._pending.pop("confirm", False),
            number=self._number,
            click=self._pending.pop("click", False),
        )
        self._number = None
        return intents

    def take_actions(self) -> list[str]:
        out, self.actions = self.actions, []
        return out


def merge(camera: Intents | None, keys: Intents) -> Intents:
    """Camera hands and trunk with keyboard/mouse buttons OR-ed in.

    A hand the camera does not see falls back to the mouse hand.
    """
    if camera is None:
        return keys
    return replace(
        camera,
        left=camera.left or keys.left,
        right=camera.right or keys.right,
        stop=camera.stop or keys.stop,
        pause=camera.pause or keys.pause,
        confirm=camera.confirm or keys.confirm,
        click=camera.click or keys.click,
        number=keys.number if keys.number is not None else camera.number,
    )


KEY_LABELS = {"escape": "Esc", "space": "Space", "return": "Enter", "left": "Left", "right": "Right",
              "tab": "Tab"}


def help_line(bindings: tuple[Binding, ...] = BINDINGS) -> str:
    """The shown bindings, grouped by action: "Esc/Space: Stop now | P: Pause / resume | ..."."""
    by_action: dict[str, list[Binding]] = {}
    for b in bindings:
        if b.show:
            by_action.setdefault(b.action, []).append(b)
    parts = []
    for group in by_action.values():
        keys = "/".join(KEY_LABELS.get(b.key, b.key.upper()) for b in group)
        parts.append(f"{keys}: {group[0].description}")
    return " | ".join(parts)
