"""Hold-to-select never hides its label: the hand cursor rings the control's edge, and the
check-in says the number being chosen in large type."""

from __future__ import annotations

import numpy as np
import pygame
import pytest

from game.context import DrawContext
from game.scenes.checkin import CheckinScene
from game.scenes.common import menu_transform
from game.scenes.menus import TitleScene
from game.theme import PALETTE, Theme
from vision.intents import HandIntent, Intents


def _draw(scene, size: tuple[int, int], intents: Intents | None) -> np.ndarray:
    surf = pygame.Surface(size)
    scene.draw(surf, DrawContext(theme=Theme(size[1], size[0]), transform=menu_transform(size),
                                 intents=intents))
    return pygame.surfarray.array3d(surf)


@pytest.mark.parametrize("size", [(1280, 720), (800, 600), (540, 960)])
@pytest.mark.parametrize("which", ["number", "stop", "start"])
def test_a_hand_on_a_control_leaves_every_pixel_inside_it_as_without_the_hand(
        size: tuple[int, int], which: str) -> None:
    scene = TitleScene() if which == "start" else CheckinScene("pre")
    _draw(scene, size, None)  # lays the rail out
    button = scene.stop_btn if which == "stop" else scene.buttons[3 if which == "number" else 0]
    hand = Intents(t=0.0, right=HandIntent(*button.center))
    for _ in range(40):  # part-filled: the label is half over the dwell fill
        scene.update(hand, 1 / 60)
    assert button.hovered and 0.0 < button.progress < 1.0 and not scene.dismissed
    with_hand = _draw(scene, size, hand)
    without = _draw(scene, size, None)
    r = button.rect(menu_transform(size))
    # Everything inside the control (its label, its fill; all but the four rounded corners)
    # is exactly as with no cursor...
    radius = max(4, r.h // 8)
    for inner in (r.inflate(-2 * radius, 0), r.inflate(0, -2 * radius)):
        region = (slice(inner.left, inner.right), slice(inner.top, inner.bottom))
        assert np.array_equal(with_hand[region], without[region]), (which, size)
    # ...and the label is there: ink of both label colours inside the part-filled button.
    inside = with_hand[r.left:r.right, r.top:r.bottom].reshape(-1, 3)
    assert np.any(np.all(inside == PALETTE.cue_text, axis=-1))  # dark ink over the fill
    # The cursor is drawn: a ring of the hand's colour just outside the control's edge.
    ring = r.inflate(8 * max(4, r.h // 16), 8 * max(4, r.h // 16))
    outside = with_hand[max(0, ring.left):ring.right, max(0, ring.top):ring.bottom]
    assert np.any(np.all(outside == PALETTE.hand_right, axis=-1))
    # (no such ring without the hand; the rail's Pain button, filled in that same hue, is
    # left out of the comparison)
    plain = without.copy()
    p = scene.pain_btn.rect(menu_transform(size))
    plain[p.left:p.right, p.top:p.bottom] = 0
    assert not np.any(np.all(plain[max(0, ring.left):ring.right, max(0, ring.top):ring.bottom]
                             == PALETTE.hand_right, axis=-1))


def test_the_checkin_says_the_number_being_chosen_in_large_type() -> None:
    size = (1280, 720)
    scene = CheckinScene("pre")
    quiet = _draw(scene, size, None)
    assert scene.chosen is None
    hand = Intents(t=0.0, right=HandIntent(*scene.buttons[3].center))
    for _ in range(20):
        scene.update(hand, 1 / 60)
    assert scene.chosen == 3
    shown = _draw(scene, size, hand)
    top = scene.buttons[3].rect(menu_transform(size)).top
    band = slice(round(size[1] * 0.25), top - 24)  # between the question and the numbers
    cols = slice(scene.pain_btn.rect(menu_transform(size)).right + 1, None)  # beside the rail
    white = np.all(shown[cols, band] == PALETTE.text, axis=-1)
    assert not np.any(np.all(quiet[cols, band] == PALETTE.text, axis=-1))
    rows = np.flatnonzero(white.any(axis=0))
    assert rows.size and rows[-1] - rows[0] >= Theme(720, 1280).title_px * 0.5  # large type
    # The keyboard's highlighted number is said too.
    scene2 = CheckinScene("pre")
    scene2.adjust(+2)  # 5 -> 7
    assert scene2.chosen == 7
