"""Renderers of the dexterity games: tapping, pinch-carry-place, open/close.

Each walks its exercise's public state (exercises/dexterity) and draws it
through the view transform (body units in, pixels out), in the palette's
colours, with a shape or a word besides every colour. Shared parts:

  * the tracked hand's 21 landmarks on the (selfie-mirrored) camera picture,
    from `view.frame` and `view.placement`, so the patient sees what the
    camera sees of their fingers;
  * an aperture gauge: the live aperture with the game's thresholds (the
    patient sees how far to open and close);
  * the "hand_not_visible" banner while the game waits for the hand.

Tapping also plays its metronome tick: a short tone made in code
(`game.audio.tone`) whenever `exercise.beat_index` changes. The renderer
remembers the last beat per exercise (a weak map, so nothing outlives the
session); with no audio device it stays silent and the beat still pulses on
screen.
"""

from __future__ import annotations

import math
import weakref
from typing import Any

import numpy as np
import pygame

from game.views import ViewContext, register
from vision.bodyframe import BodyFrame

HAND_EDGES = ((0, 1), (1, 2), (2, 3), (3, 4), (0, 5), (5, 6), (6, 7), (7, 8), (5, 9), (9, 10), (10, 11),
              (11, 12), (9, 13), (13, 14), (14, 15), (15, 16), (13, 17), (0, 17), (17, 18), (18, 19), (19, 20))
TICK_HZ = (1046.5,)  # C6: short, high, easy to hear over a room
TICK_S = 0.05


def _side_sign(side: str) -> float:
    return 1.0 if side == "right" else -1.0


def _text(surface: pygame.Surface, view: ViewContext, text: str, pos: tuple[int, int], *,
          kind: str = "body", color: tuple[int, int, int] | None = None, center: bool = True,
          bold: bool = True) -> pygame.Rect:
    f = view.theme.font(kind, bold=bold)
    pal = view.theme.palette
    img = f.render(text, True, color or pal.text)
    rect = img.get_rect(center=pos) if center else img.get_rect(topleft=pos)
    shadow = f.render(text, True, (0, 0, 0))
    surface.blit(shadow, rect.move(2, 2))
    surface.blit(img, rect)
    return rect


def draw_hand_landmarks(surface: pygame.Surface, frame: BodyFrame | None, view: ViewContext) -> int:
    """The frame's hands as thin skeletons on the selfie camera picture; returns how many."""
    if frame is None or view.placement is None or not frame.hands:
        return 0
    place = view.placement
    w, h = place.size
    pal = view.theme.palette
    lw = max(1, surface.get_height() // 300)
    for hand in frame.hands:
        lm = np.asarray(hand.landmarks, dtype=np.float64)
        pts = [(round(place.offset[0] + (1.0 - x) * w * place.scale), round(place.offset[1] + y * h * place.scale))
               for x, y in lm[:, :2]]
        color = pal.hand_left if hand.handedness == "Left" else pal.hand_right
        for a, b in HAND_EDGES:
            pygame.draw.line(surface, color, pts[a], pts[b], lw + 1)
        for k, p in enumerate(pts):
            pygame.draw.circle(surface, pal.text if k in (4, 8) else color, p, lw + 2)
    return len(frame.hands)


def draw_gauge(surface: pygame.Surface, view: ViewContext, anchor: tuple[float, float], value: float | None,
               low: float | None, high: float | None, top: float, label: str) -> None:
    """A vertical gauge (body units: `anchor` is its bottom centre, 1 unit tall) of value / top."""
    pal = view.theme.palette
    x0, y0 = view.to_screen(anchor[0] - 0.07, anchor[1] + 1.0)
    x1, y1 = view.to_screen(anchor[0] + 0.07, anchor[1])
    rect = pygame.Rect(x0, y0, max(4, x1 - x0), max(4, y1 - y0))
    pygame.draw.rect(surface, pal.panel, rect)
    if value is not None:
        frac = float(np.clip(value / top, 0.0, 1.0))
        fill = pygame.Rect(rect.x, rect.bottom - round(frac * rect.height), rect.width, round(frac * rect.height))
        pygame.draw.rect(surface, pal.hand_right, fill)
    for level, name in ((low, "close"), (high, "open")):
        if level is None:
            continue
        yy = rect.bottom - round(float(np.clip(level / top, 0, 1)) * rect.height)
        pygame.draw.line(surface, pal.target_hold, (rect.x - 6, yy), (rect.right + 6, yy), 3)
        _text(surface, view, name, (rect.right + 10, yy - view.theme.small_px // 2), kind="small",
              center=False, bold=False)
    pygame.draw.rect(surface, pal.text, rect, 2)
    _text(surface, view, label, (rect.centerx, rect.bottom + view.theme.small_px), kind="small")


def draw_hand_cue(surface: pygame.Surface, exercise: Any, view: ViewContext) -> None:
    if getattr(exercise, "cue", None) == "hand_not_visible":
        from game.widgets import draw_cue_banner

        draw_cue_banner(surface, view, "hand_not_visible")  # type: ignore[arg-type]


# ------------------------------------------------------------------ tapping
class _Metronome:
    """Plays a tick when the beat index changes (silent without a mixer)."""

    def __init__(self) -> None:
        self.last_beat = -1
        self.sound: Any = None
        self.ticks = 0
        if pygame.mixer.get_init():
            try:
                from game.audio import tone

                freq, _, channels = pygame.mixer.get_init()
                self.sound = pygame.sndarray.make_sound(np.ascontiguousarray(tone(TICK_HZ, TICK_S, 0.35, freq, channels)))
            except (pygame.error, ValueError, TypeError):
                self.sound = None

    def update(self, beat: int) -> bool:
        if beat < 0 or beat == self.last_beat:
            self.last_beat = beat if beat < 0 else self.last_beat
            return False
        self.last_beat = beat
        self.ticks += 1
        if self.sound is not None:
            self.sound.play()
        return True


_METRONOMES: weakref.WeakKeyDictionary[Any, _Metronome] = weakref.WeakKeyDictionary()


def metronome_for(exercise: Any) -> _Metronome:
    m = _METRONOMES.get(exercise)
    if m is None:
        m = _METRONOMES[exercise] = _Metronome()
    return m


@register("tapping")
def draw_tapping(surface: pygame.Surface, exercise: Any, view: ViewContext) -> None:
    pal = view.theme.palette
    s = _side_sign(exercise.active_side)
    draw_hand_landmarks(surface, view.frame, view)
    centre = (s * 1.6, 0.45)
    c = view.to_screen(*centre)
    r = view.length(0.38)
    if exercise.phase == "tapping":
        metronome_for(exercise).update(exercise.beat_index)
        phase = exercise.beat_phase
        pulse = max(0.0, 1.0 - phase / 0.25)  # bright just after the beat
        pygame.draw.circle(surface, pal.panel, c, round(r * 1.25))
        pygame.draw.circle(surface, pal.target, c, round(r * (0.75 + 0.35 * pulse)))
        sweep = pygame.Rect(c[0] - round(r * 1.25), c[1] - round(r * 1.25), round(r * 2.5), round(r * 2.5))
        pygame.draw.arc(surface, pal.text, sweep, math.pi / 2 - 2 * math.pi * phase, math.pi / 2, max(3, r // 6))
        _text(surface, view, "TAP", c, color=pal.cue_text if pulse > 0.3 else pal.text)
        last = exercise.taps[-1] if exercise.taps else None
        if last is not None and last.set_index == exercise.set_index and exercise.t - last.t < 0.6:
            word = "on the beat" if last.on_beat else ("early" if last.offset_s < 0 else "late")
            color = pal.hit if last.on_beat else pal.target_hold
            _text(surface, view, word, view.to_screen(centre[0], centre[1] - 0.72), color=color)
        left = max(0.0, exercise.dose.set_s - exercise.set_elapsed)
        _text(surface, view, f"Set {exercise.set_index + 1} of {exercise.dose.sets}   taps {exercise.set_taps}"
              f"   {left:0.0f} s", view.to_screen(centre[0], centre[1] + 0.72))
    elif exercise.phase == "rest":
        pygame.draw.circle(surface, pal.rest, c, r, max(3, r // 6))
        _text(surface, view, f"Rest {exercise.rest_left:0.0f} s", c)
        _text(surface, view, f"Next: set {exercise.set_index + 2} of {exercise.dose.sets}",
              view.to_screen(centre[0], centre[1] - 0.6), kind="small")
    th = exercise.thresholds
    draw_gauge(surface, view, (s * 2.6, -0.8), exercise.aperture, th[0] if th else None, th[1] if th else None,
               1.8, "thumb-index")
    draw_hand_cue(surface, exercise, view)


# -------------------------------------------------------------------- pinch
@register("pinch")
def draw_pinch(surface: pygame.Surface, exercise: Any, view: ViewContext) -> None:
    pal = view.theme.palette
    draw_hand_landmarks(surface, view.frame, view)
    lw = max(3, view.length(0.03))
    for seg in exercise.world.visible_segments:
        a = view.to_screen(*seg.a)
        b = view.to_screen(*seg.b)
        pygame.draw.line(surface, pal.text_dim, a, b, lw)
    box = exercise.box
    inside = pygame.Rect(*view.to_screen(box.x0, box.y1), view.length(box.x1 - box.x0), view.length(box.y1 - box.y0))
    glow = pygame.Surface(inside.size, pygame.SRCALPHA)
    glow.fill((*pal.hit, 70))
    surface.blit(glow, inside.topleft)
    pygame.draw.line(surface, pal.hit, view.to_screen(box.x0, box.y1), view.to_screen(box.x1, box.y1), 2)
    _text(surface, view, "BOX", view.to_screen(0.5 * (box.x0 + box.x1), box.y0 - 0.15), kind="small")
    hand = exercise.hand_pos
    for obj in exercise.objects:
        c = view.to_screen(*obj.position)
        r = view.length(obj.radius)
        color = {"waiting": pal.target, "carried": pal.target_hold, "placed": pal.hit}[obj.state]
        pygame.draw.circle(surface, color, c, r)
        pygame.draw.circle(surface, pal.text, c, r, max(2, r // 8))
        if obj.state == "placed":  # a tick: meaning is never colour alone
            pygame.draw.lines(surface, pal.text, False, [(c[0] - r // 2, c[1]), (c[0] - r // 8, c[1] + r // 2),
                                                         (c[0] + r // 2, c[1] - r // 2)], max(2, r // 5))
        if obj.state == "carried" and hand is not None:
            pygame.draw.line(surface, pal.text, view.to_screen(*hand), c, 2)
    if hand is not None:
        hc = view.to_screen(*hand)
        gap = 0 if exercise.pinch_closed else view.length(0.08)
        for sign in (-1, 1):  # thumb and index: together when pinched
            pygame.draw.circle(surface, pal.text, (hc[0] + sign * gap, hc[1]), max(4, view.length(0.035)))
    d = exercise.dose
    _text(surface, view, f"Moved {exercise.moved} of {d.objects}   drops {exercise.drops}",
          view.to_screen(0.0, 1.1))
    left = max(0.0, exercise.time_limit_s - exercise.elapsed)
    _text(surface, view, f"{left:0.0f} s left  (a game score, not a clinical test)", view.to_screen(0.0, 0.85),
          kind="small", bold=False)
    th = exercise.detector.thresholds
    s = _side_sign(exercise.active_side)
    draw_gauge(surface, view, (-s * 2.5, -0.8), exercise.aperture, th.low if th else None, th.high if th else None,
               1.8, "pinch")
    draw_hand_cue(surface, exercise, view)


# ---------------------------------------------------------------- openclose
@register("openclose")
def draw_openclose(surface: pygame.Surface, exercise: Any, view: ViewContext) -> None:
    pal = view.theme.palette
    s = _side_sign(exercise.active_side)
    draw_hand_landmarks(surface, view.frame, view)
    centre = (s * 1.6, 0.45)
    c = view.to_screen(*centre)
    r = view.length(0.32)
    word = "OPEN wide" if exercise.wants == "open" else "CLOSE tight"
    color = pal.target if exercise.wants == "close" else pal.rest
    pygame.draw.circle(surface, pal.panel, c, round(r * 1.2))
    n = 5 if exercise.wants == "open" else 0  # spread fingers, or a fist: a shape cue
    if n:
        for k in range(n):
            a = math.pi * (0.15 + 0.7 * k / (n - 1))
            tip = (c[0] + round(math.cos(a) * r * 1.05), c[1] - round(math.sin(a) * r * 1.05))
            pygame.draw.line(surface, color, c, tip, max(4, r // 6))
    pygame.draw.circle(surface, color, c, round(r * (0.55 if n else 0.7)))
    if exercise.hold_progress > 0:
        ring = pygame.Rect(c[0] - round(r * 1.2), c[1] - round(r * 1.2), round(r * 2.4), round(r * 2.4))
        pygame.draw.arc(surface, pal.target_hold, ring, math.pi / 2 - 2 * math.pi * exercise.hold_progress,
                        math.pi / 2, max(4, r // 5))
    _text(surface, view, word, view.to_screen(centre[0], centre[1] - 0.65))
    _text(surface, view, f"Repetitions {exercise.repetitions} of {exercise.dose.repetitions}",
          view.to_screen(centre[0], centre[1] + 0.65))
    peak = exercise.peak if math.isfinite(exercise.peak) else None
    trough = exercise.trough if math.isfinite(exercise.trough) else None
    low = peak - exercise.dose.min_range if peak is not None and exercise.phase == "open" else None
    high = trough + exercise.dose.min_range if trough is not None and exercise.phase == "closed" else None
    draw_gauge(surface, view, (s * 2.6, -0.8), exercise.grasp, low, high, 2.2, "hand opening")
    draw_hand_cue(surface, exercise, view)
