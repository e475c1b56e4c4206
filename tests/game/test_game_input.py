"""Keyboard and mouse as intents: bindings as data, the mouse through the draw transform."""

from __future__ import annotations

import pygame
import pytest

from game.input import BINDINGS, KeyboardMouseInput, actions_for_key, merge
from game.transform import fit_body_box
from vision.intents import HandIntent, Intents


def key(k: int) -> pygame.event.Event:
    return pygame.event.Event(pygame.KEYDOWN, key=k)


def test_escape_and_space_stop_and_are_one_shot() -> None:
    inp = KeyboardMouseInput()
    inp.handle(key(pygame.K_ESCAPE))
    assert inp.poll(0.0).stop is True
    assert inp.poll(0.1).stop is False
    inp.handle(key(pygame.K_SPACE))
    assert inp.poll(0.2).stop is True


def test_number_keys_answer_and_t_is_ten() -> None:
    inp = KeyboardMouseInput()
    inp.handle(key(pygame.K_7))
    assert inp.poll(0.0).number == 7
    inp.handle(key(pygame.K_t))
    assert inp.poll(0.1).number == 10
    assert inp.poll(0.2).number is None


def test_every_binding_has_a_description_and_stop_has_two_keys() -> None:
    assert all(b.description for b in BINDINGS)
    assert {b.key for b in BINDINGS if b.action == "stop"} == {"escape", "space"}
    assert actions_for_key("c") == ["toggle_camera"]


@pytest.mark.parametrize("side", ["left", "right"])
def test_mouse_moves_the_affected_hand_through_the_same_transform(side: str) -> None:
    tr = fit_body_box((1000, 600))
    inp = KeyboardMouseInput(side=side, transform=lambda: tr)  # type: ignore[arg-type]
    target = (1.1, 0.4)
    inp.handle(pygame.event.Event(pygame.MOUSEMOTION, pos=tr.to_screen_int(*target), rel=(0, 0), buttons=(0, 0, 0)))
    hand = inp.poll(0.0).hand(side)  # type: ignore[arg-type]
    assert hand is not None
    assert (hand.x, hand.y) == pytest.approx(target, abs=1.0 / tr.scale)
    other = "right" if side == "left" else "left"
    assert inp.poll(0.0).hand(other) is None  # type: ignore[arg-type]


def test_click_is_a_click_at_the_click_position_never_a_key_confirm() -> None:
    tr = fit_body_box((800, 600))
    inp = KeyboardMouseInput(transform=lambda: tr)
    inp.handle(pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=(400, 300), button=1))
    i = inp.poll(0.0)
    assert i.click and not i.confirm and i.right is not None
    inp.handle(key(pygame.K_RETURN))
    i = inp.poll(0.1)
    assert i.confirm and not i.click


def test_tab_and_shift_tab_move_the_focus() -> None:
    inp = KeyboardMouseInput()
    inp.handle(key(pygame.K_TAB))
    inp.handle(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_TAB, mod=pygame.KMOD_LSHIFT))
    inp.handle(key(pygame.K_RIGHT))
    assert inp.take_actions() == ["more", "less", "more"]


def test_merge_keeps_camera_hands_and_ors_the_keyboard_stop() -> None:
    cam = Intents(t=1.0, right=HandIntent(0.3, 0.2), trunk_dx=0.1)
    keys = Intents(t=1.0, left=HandIntent(-2.0, 0.0), stop=True)
    m = merge(cam, keys)
    assert m.right == HandIntent(0.3, 0.2) and m.left == HandIntent(-2.0, 0.0)
    assert m.stop and m.trunk_dx == 0.1
    assert merge(None, keys) is keys


def test_help_line_is_made_from_the_bindings_table() -> None:
    from game.input import help_line

    line = help_line()
    assert line.startswith("Esc/Space: Stop now")
    assert "P: Pause / resume" in line and "M: Mirror view on/off" in line
    assert "Answer 10" not in line  # hidden bindings stay out of the help


def test_with_a_camera_a_still_mouse_stops_being_a_hand() -> None:
    tr = fit_body_box((800, 600))
    inp = KeyboardMouseInput(transform=lambda: tr, hand_timeout_s=1.0)
    inp.move_mouse((500.0, 200.0))
    assert inp.poll(10.0).right is not None
    assert inp.poll(10.9).right is not None
    assert inp.poll(11.2).right is None  # the camera's hand (or its absence) rules again
    inp.move_mouse((510.0, 200.0))
    assert inp.poll(11.3).right is not None
    free = KeyboardMouseInput(transform=lambda: tr)  # keyboard-and-mouse play: always the hand
    free.move_mouse((500.0, 200.0))
    assert free.poll(0.0).right is not None and free.poll(100.0).right is not None
