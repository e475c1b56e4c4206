"""What a scene needs to draw one frame: theme, transforms, newest input, camera.

Built once per frame by the app and handed to `Scene.draw`, so scenes hold
no window state and render identically onto any surface size (tests draw
onto a plain `pygame.Surface`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pygame

from game.theme import Theme
from game.transform import BodyToScreen, ImagePlacement
from vision.bodyframe import BodyFrame
from vision.intents import Intents


@dataclass
class DrawContext:
    theme: Theme
    transform: BodyToScreen  # body units -> window pixels
    intents: Intents | None = None
    alpha: float = 0.0
    t: float = 0.0  # session clock, seconds
    frame: BodyFrame | None = None  # newest tracked frame (skeleton overlay, camera image)
    placement: ImagePlacement | None = None  # where the mirrored camera image sits
    camera_image: pygame.Surface | None = None  # mirrored camera image, when one is shown
    show_camera: bool = True
    mirror: str | None = None
    view3d: Any = None  # game.views.scene3d.View3DState when --view 3d / --stereo sbs (None: 2-D)

    @property
    def size(self) -> tuple[int, int]:
        return (self.theme.width, self.theme.height)

    @staticmethod
    def for_surface(surface: pygame.Surface, transform: BodyToScreen, **kw: object) -> DrawContext:
        w, h = surface.get_size()
        return DrawContext(theme=Theme(height=h, width=w), transform=transform, **kw)  # type: ignore[arg-type]
