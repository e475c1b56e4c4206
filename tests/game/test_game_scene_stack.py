"""Scene stack: push/pop/switch and typed results handed back to the pusher."""

from __future__ import annotations

import numpy as np
import pygame

from game.audio import CUES, Audio, tone
from game.scenes.base import Scene, SceneStack
from vision.intents import Intents


class Ask(Scene[int]):
    name = "ask"

    def __init__(self, answer: int) -> None:
        super().__init__()
        self.answer = answer

    def update(self, intents: Intents, dt: float) -> None:
        if intents.confirm:
            self.dismiss(self.answer)


class Root(Scene[None]):
    name = "root"

    def __init__(self) -> None:
        super().__init__()
        self.got: list[int] = []

    def on_enter(self) -> None:
        assert self.stack is not None
        self.stack.push(Ask(7), self.got.append)


def test_pushed_scene_hands_its_result_back_and_is_popped() -> None:
    stack = SceneStack()
    root = Root()
    stack.push(root)
    assert stack.top is not None and stack.top.name == "ask"
    assert stack.top.below is root
    stack.update(Intents(t=0.0), 1 / 60)
    assert root.got == []  # nothing until it is dismissed
    stack.update(Intents(t=0.1, confirm=True), 1 / 60)
    assert root.got == [7]
    assert stack.top is root
    assert stack.history == [("ask", 7)]
    assert stack.entered == ["root", "ask"]


def test_switch_replaces_the_top_without_calling_its_callback() -> None:
    stack = SceneStack()
    called: list[int] = []
    stack.push(Ask(1), called.append)
    stack.switch(Ask(2), called.append)
    assert len(stack) == 1
    stack.update(Intents(t=0.0, confirm=True), 1 / 60)
    assert called == [2]
    assert stack.top is None


def test_tones_are_int16_with_silent_ends_and_audio_degrades_to_silence() -> None:
    wave = tone((440.0,), 0.2, 0.5, rate=8000, channels=2)
    assert wave.dtype == np.int16 and wave.shape == (1600, 2)
    assert abs(int(wave[0, 0])) < 50 and abs(int(wave[-1, 0])) < 2000  # faded: no click
    assert np.abs(wave).max() <= 0.5 * 32767 + 1
    audio = Audio.open(enabled=True)  # SDL_AUDIODRIVER=dummy: a real mixer, no sound card
    assert audio.enabled and set(audio.sounds) == set(CUES) | {"hit"}  # the cues and the hit chime
    audio.close()
    assert not Audio.open(enabled=False).enabled
    pygame.mixer.quit()
