"""Audio cues generated in code (no sound files): soft tones for game events.

Tones are numpy sine waves with a short fade (no clicks) turned into
`pygame.mixer.Sound`s. A machine with no audio device (or the dummy
driver) gets a silent `Audio` that does nothing: sound is a cue, never the
only one, so the game is fully usable without it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pygame

from exercises.events import (
    HOLD_COMPLETE,
    PINCH_PLACE,
    REPETITION,
    REST_END,
    REST_START,
    SESSION_END,
    TARGET_SHOWN,
    TRACKING_LOST,
)

SAMPLE_RATE = 44100

# event kind -> (frequencies Hz played in sequence, seconds each, volume 0..1)
CUES: dict[str, tuple[tuple[float, ...], float, float]] = {
    TARGET_SHOWN: ((523.25,), 0.12, 0.25),  # C5: a new target
    HOLD_COMPLETE: ((659.25, 783.99), 0.10, 0.3),  # E5-G5 (played as a chime): a hit
    TRACKING_LOST: ((392.0, 329.63), 0.15, 0.25),  # G4-E4: move back into view
    REST_START: ((440.0, 349.23), 0.25, 0.2),
    REST_END: ((349.23, 440.0), 0.25, 0.2),
    SESSION_END: ((523.25, 659.25, 783.99), 0.18, 0.3),
}


HIT = "hit"  # the chime of every game's success (a cup moved, a berry in the jar, a squeeze)
CHIME: tuple[tuple[float, ...], float, float] = ((783.99, 1046.5), 0.35, 0.3)  # G5 then C6, ringing


def cue_for(event: Any) -> str | None:
    """Which sound an event plays: the hit chime for every game's success, else its own cue."""
    if event.kind in (HOLD_COMPLETE, PINCH_PLACE):
        return HIT
    if event.kind == REPETITION and (getattr(event, "data", None) or {}).get("exercise") == "openclose":
        return HIT
    return event.kind if event.kind in CUES and event.kind != HOLD_COMPLETE else None


def chime(freqs: Iterable[float], seconds: float, volume: float, rate: int = SAMPLE_RATE,
          channels: int = 2) -> np.ndarray:
    """int16 samples (n, channels) of a soft bell: each note a fundamental with two quiet
    overtones, struck (5 ms rise) and dying away exponentially, so it never clicks and
    never ends abruptly; the notes overlap by half, like a chime."""
    n = max(1, int(seconds * rate))
    t = np.arange(n) / rate
    env = np.minimum(1.0, t / 0.005) * np.exp(-t / (seconds / 4.0))
    env[-min(n, int(0.01 * rate)):] *= np.linspace(1.0, 0.0, min(n, int(0.01 * rate)))
    notes = list(freqs)
    step = n // 2
    out = np.zeros(step * (len(notes) - 1) + n) if notes else np.zeros(n)
    for i, f in enumerate(notes):
        note = (np.sin(2 * np.pi * f * t) + 0.3 * np.sin(2 * np.pi * 2 * f * t)
                + 0.12 * np.sin(2 * np.pi * 3 * f * t)) / 1.42 * env
        out[i * step:i * step + n] += note
    peak = float(np.max(np.abs(out))) or 1.0
    mono = (out / max(1.0, peak) * volume * 32767.0).astype(np.int16)
    return np.repeat(mono[:, None], channels, axis=1) if channels > 1 else mono


def tone(freqs: Iterable[float], seconds: float, volume: float, rate: int = SAMPLE_RATE,
         channels: int = 2) -> np.ndarray:
    """int16 samples (n, channels) of the notes in sequence, each faded in and out."""
    parts = []
    n = max(1, int(seconds * rate))
    t = np.arange(n) / rate
    fade = np.minimum(1.0, np.minimum(t, seconds - t) / 0.015).clip(0.0, 1.0)
    for f in freqs:
        parts.append(np.sin(2 * np.pi * f * t) * fade)
    wave = np.concatenate(parts) * volume * 32767.0
    mono = wave.astype(np.int16)
    return np.repeat(mono[:, None], channels, axis=1) if channels > 1 else mono


@dataclass
class Audio:
    sounds: dict[str, Any] = field(default_factory=dict)
    enabled: bool = False

    @classmethod
    def open(cls, enabled: bool = True) -> Audio:
        """Initialise the mixer and make the cues; a silent Audio if there is no device."""
        if not enabled:
            return cls()
        try:
            if not pygame.mixer.get_init():
                pygame.mixer.init(frequency=SAMPLE_RATE, size=-16, channels=2)
            freq, _, channels = pygame.mixer.get_init()
            sounds = {kind: pygame.sndarray.make_sound(np.ascontiguousarray(tone(f, s, v, freq, channels)))
                      for kind, (f, s, v) in CUES.items()}
            sounds[HIT] = pygame.sndarray.make_sound(np.ascontiguousarray(chime(*CHIME, rate=freq,
                                                                               channels=channels)))
        except (pygame.error, ValueError, TypeError):
            return cls()
        return cls(sounds=sounds, enabled=True)

    def on_events(self, events: Iterable[Any]) -> None:
        if not self.enabled:
            return
        for e in events:
            cue = cue_for(e)
            snd = self.sounds.get(cue) if cue is not None else None
            if snd is not None:
                snd.play()

    def close(self) -> None:
        if self.enabled and pygame.mixer.get_init():
            pygame.mixer.quit()
        self.enabled = False
