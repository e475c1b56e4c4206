"""Colours and type: high contrast, colour-blind safe (Okabe-Ito), large text.

Every colour a scene uses comes from `PALETTE` so meaning never rests on
red-versus-green alone (targets also differ in shape and label). Font sizes
are fractions of the window height, so text stays large on any window.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import pygame

RGB = tuple[int, int, int]

# Okabe & Ito (2008) colour-universal-design palette.
OKABE_ITO: dict[str, RGB] = {
    "black": (0, 0, 0),
    "orange": (230, 159, 0),
    "sky_blue": (86, 180, 233),
    "bluish_green": (0, 158, 115),
    "yellow": (240, 228, 66),
    "blue": (0, 114, 178),
    "vermillion": (213, 94, 0),
    "reddish_purple": (204, 121, 167),
}


@dataclass(frozen=True, slots=True)
class Palette:
    background: RGB = (16, 20, 28)
    panel: RGB = (34, 40, 52)
    text: RGB = (255, 255, 255)
    text_dim: RGB = (200, 206, 216)
    target: RGB = OKABE_ITO["orange"]  # where to reach
    target_hold: RGB = OKABE_ITO["yellow"]  # hand inside, holding
    hit: RGB = OKABE_ITO["bluish_green"]
    hand_left: RGB = OKABE_ITO["sky_blue"]
    hand_right: RGB = OKABE_ITO["reddish_purple"]
    stop: RGB = OKABE_ITO["vermillion"]
    button: RGB = OKABE_ITO["blue"]
    dwell: RGB = OKABE_ITO["yellow"]
    cue: RGB = OKABE_ITO["yellow"]  # tracking cue banner background
    cue_text: RGB = (0, 0, 0)
    skeleton: RGB = (235, 235, 235)
    rest: RGB = OKABE_ITO["sky_blue"]


PALETTE = Palette()

WHITE: RGB = (255, 255, 255)
BLACK: RGB = (0, 0, 0)
MIN_CONTRAST = 4.5  # WCAG 2.2 AA, normal text
MIN_CONTRAST_LARGE = 3.0  # WCAG 2.2 AA, large text (>= 24 px, or 18.7 px bold)


def relative_luminance(c: RGB) -> float:
    """WCAG 2.x relative luminance of an sRGB colour."""
    def channel(v: int) -> float:
        x = v / 255.0
        return x / 12.92 if x <= 0.04045 else ((x + 0.055) / 1.055) ** 2.4

    r, g, b = c
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: RGB, b: RGB) -> float:
    """WCAG contrast ratio of two colours (1-21)."""
    hi, lo = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def readable_on(background: RGB) -> RGB:
    """White or black, whichever reads better on `background` (every Okabe-Ito fill has
    one of them at 4.5:1 or more)."""
    return WHITE if contrast(WHITE, background) >= contrast(BLACK, background) else BLACK


# Every text/background pair the screens draw (name: (text, background)).
TEXT_PAIRS: dict[str, tuple[RGB, RGB]] = {
    "text on background": (PALETTE.text, PALETTE.background),
    "dim text on background": (PALETTE.text_dim, PALETTE.background),
    "text on panel": (PALETTE.text, PALETTE.panel),
    "dim text on panel": (PALETTE.text_dim, PALETTE.panel),
    "cue text on cue banner": (PALETTE.cue_text, PALETTE.cue),
    "label over the dwell fill": (PALETTE.cue_text, PALETTE.dwell),
    "advice (orange) on background": (OKABE_ITO["orange"], PALETTE.background),
    "title (vermillion) on background": (PALETTE.stop, PALETTE.background),
    **{f"label on {name}": (readable_on(rgb), rgb) for name, rgb in OKABE_ITO.items()
       if name != "black"},
}


@lru_cache(maxsize=64)
def font(px: int, bold: bool = False) -> pygame.font.Font:
    """pygame's bundled font at `px` pixels (cached; pygame.font must be initialised)."""
    if not pygame.font.get_init():
        pygame.font.init()
    f = pygame.font.Font(None, max(8, int(px)))
    f.set_bold(bold)
    return f


@dataclass(frozen=True, slots=True)
class Theme:
    """Palette plus text sizes scaled to the window height."""

    height: int
    width: int = 0  # 0 = unknown (text sizes follow the height only)
    palette: Palette = field(default=PALETTE)

    @property
    def _base(self) -> int:
        # Portrait windows: size text by the narrow side so lines still fit.
        return min(self.height, int(self.width * 1.4)) if self.width else self.height

    @property
    def title_px(self) -> int:
        return max(28, self._base // 9)

    @property
    def body_px(self) -> int:
        return max(22, self._base // 15)

    @property
    def small_px(self) -> int:
        return max(18, self._base // 22)

    def font(self, kind: str = "body", bold: bool = False) -> pygame.font.Font:
        px = {"title": self.title_px, "body": self.body_px, "small": self.small_px}[kind]
        return font(px, bold)
