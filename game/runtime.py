"""Open a window or a headless surface, run a session flow on the loop, report back.

Shared by `demo`, `play` and `calibrate`. Headless never touches the display
(a plain `pygame.Surface`); windowed falls back to headless, saying so,
when no display is available (no DISPLAY/WAYLAND_DISPLAY, or SDL cannot
open a window). A started session is always closed, also on an error or a
closed window.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pygame

from game.app import App
from game.audio import Audio
from game.flow import SessionFlow
from game.input import KeyboardMouseInput
from game.loop import FixedStepLoop, RealClock, SimClock
from game.players.base import NoPlayer, Player
from game.scenes.base import SceneStack

HEADLESS_SIZE = (1280, 720)
WINDOW_SIZE = (1280, 720)


def display_problem() -> str | None:
    """Why no window can be opened here, in words that say what to change (None: it can).

    SDL's invisible drivers are chosen by `SDL_VIDEODRIVER` whatever DISPLAY says, so
    that is named first: "no DISPLAY" would send the user looking in the wrong place.
    """
    driver = os.environ.get("SDL_VIDEODRIVER", "")
    if driver in ("dummy", "offscreen"):
        return (f"SDL_VIDEODRIVER={driver} selects SDL's invisible {driver} driver, so no window "
                f"can open; unset it (env -u SDL_VIDEODRIVER ...)")
    if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY")
                                                 or os.environ.get("WAYLAND_DISPLAY")):
        return "no display: neither DISPLAY nor WAYLAND_DISPLAY is set"
    return None


def display_available() -> bool:
    return display_problem() is None


def open_surface(headless: bool, size: tuple[int, int] = WINDOW_SIZE) -> tuple[pygame.Surface, bool, str | None]:
    """(surface, windowed, note). The note says why a windowed run went headless."""
    if headless:
        return pygame.Surface(HEADLESS_SIZE), False, None
    problem = display_problem()
    if problem is not None:
        return pygame.Surface(HEADLESS_SIZE), False, f"{problem}: running headless"
    try:
        pygame.display.init()
        surf = pygame.display.set_mode(size, pygame.RESIZABLE)
        pygame.display.set_caption("NeuroPlay")
        return surf, True, None
    except pygame.error as exc:
        return pygame.Surface(HEADLESS_SIZE), False, f"cannot open a window ({exc}): running headless"


@dataclass
class RunResult:
    app: App
    flow: SessionFlow
    loop: FixedStepLoop
    note: str | None


def run_flow(flow_factory: Callable[[SceneStack], SessionFlow], driver: Player, *, headless: bool,
             screenshots: Path | None = None, max_game_s: float = 3600.0,
             reference: Callable[[], Any] | None = None, affected: str = "right",
             sounds: bool = True, on_app: Callable[[App, SessionFlow], None] | None = None,
             view: Any = None) -> RunResult:
    pygame.font.init()
    surface, windowed, note = open_surface(headless)
    stack = SceneStack()
    flow = flow_factory(stack)
    camera_driven = not isinstance(driver, NoPlayer)
    keys = KeyboardMouseInput(side="left" if affected == "left" else "right",
                              hand_timeout_s=1.0 if camera_driven else None)
    app = App(surface, stack, driver=driver, keys=keys, window=windowed, screenshots=screenshots,
              reference=reference)
    if view is not None:  # --view 3d / --stereo sbs: the head from every tracked frame
        from game.views.scene3d import View3DState

        app.view3d = View3DState(view)
        app.frame_listeners.append(app.view3d.on_frame)
    audio = Audio.open(enabled=sounds and windowed)
    flow.listeners.append(audio.on_events)

    def session_started(setup: Any) -> None:
        app.mirror = setup.mirror
        if setup.mirror and hasattr(driver, "frame_filter"):
            # Mirror therapy: the unaffected hand's movement becomes the affected hand's.
            # Landmarks only: the picture is composed by the "mirror" view (game/views/mirror.py).
            from vision.mirror import MirrorTransform

            mt = MirrorTransform(mode=setup.mirror, affected_side=affected  # type: ignore[arg-type]
                                 if affected in ("left", "right") else "right", mirror_video=False)
            driver.frame_filter = mt.apply
            app.mirror_transform = mt

    flow.on_session_start = session_started
    app.frame_listeners.append(flow.record_frame)
    flow.game_clock = lambda: app.t  # the session's times follow the game clock when simulated
    flow.simulated_clock = not windowed
    app.emit = flow.record_events
    if on_app is not None:
        on_app(app, flow)
    flow.start()
    clock = RealClock() if windowed else SimClock()
    loop = FixedStepLoop(clock)
    try:
        loop.run(app, max_frames=int(max_game_s * 60))
    finally:
        flow.abort()
        audio.close()
    return RunResult(app=app, flow=flow, loop=loop, note=note)
