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

Each is an everyday task (exercises/scenes/hands.py): tapping plays a drum to
the metronome, pinch picks berries into a jar, open/close squeezes an orange
into a glass of juice. Each renderer also has a `hud(exercise, view)` (the
header's words in the game's terms and the gentle score) and a
`progress(exercise)` (the set's share done), read by the exercise scene; the
scene's header holds the one timer.

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

from exercises.scenes.hands import HandReward, juice_level, orange_points, squash, strike
from game.feedback import Burst
from game.theme import OKABE_ITO, RGB
from game.views import ViewContext, register
from game.views.reaching import draw_burst
from vision.bodyframe import BodyFrame

# The scenes' own colours (besides the palette's): a drum, berries, a jar, an orange.
DRUM_SHELL: RGB = OKABE_ITO["blue"]
DRUM_SKIN: RGB = (236, 226, 204)
DRUM_SKIN_DOWN: RGB = (196, 184, 160)
BERRY: RGB = OKABE_ITO["reddish_purple"]
LEAF: RGB = OKABE_ITO["bluish_green"]
GLASS: RGB = (170, 200, 230)
ORANGE: RGB = OKABE_ITO["orange"]
JUICE: RGB = OKABE_ITO["yellow"]

_REWARDS: weakref.WeakKeyDictionary[Any, HandReward] = weakref.WeakKeyDictionary()
_DROPS: weakref.WeakKeyDictionary[Any, float] = weakref.WeakKeyDictionary()  # when a berry last fell
# exercise -> (successes already burst for, the bursts still playing)
_BURSTS: weakref.WeakKeyDictionary[Any, tuple[list[int], list[Burst]]] = weakref.WeakKeyDictionary()


def draw_success_bursts(surface: pygame.Surface, exercise: Any, view: ViewContext, count: int,
                        at: tuple[float, float], radius: float) -> int:
    """The hit burst of the reaching game (game/feedback.py: one smooth expansion, never a
    flash, slowed by --pace) at `at` for every new success; returns how many are playing."""
    seen, playing = _BURSTS.setdefault(exercise, ([count], []))
    if count > seen[0]:
        playing.append(Burst(at[0], at[1], radius, view.t, view.pace))
        seen[0] = count
    playing[:] = [b for b in playing if not b.done(view.t)]
    for burst in playing:
        draw_burst(surface, burst, view)
    return len(playing)


def reward_for(exercise: Any) -> HandReward:
    """The exercise's gentle score (created on first use; gone with the exercise)."""
    r = _REWARDS.get(exercise)
    if r is None:
        r = _REWARDS[exercise] = HandReward()
    return r

HAND_EDGES = ((0, 1), (1, 2), (2, 3), (3, 4), (0, 5), (5, 6), (6, 7), (7, 8), (5, 9), (9, 10), (10, 11),
              (11, 12), (9, 13), (13, 14), (14, 15), (15, 16), (13, 17), (0, 17), (17, 18), (18, 19), (19, 20))
TICK_HZ = (1046.5,)  # C6: short, high, easy to hear over a room
TICK_S = 0.05


TEXT_RECTS: list[pygame.Rect] = []  # where the words of the last frame went (tests check the face)


def _side_sign(side: str) -> float:
    return 1.0 if side == "right" else -1.0


def _text(surface: pygame.Surface, view: ViewContext, text: str, pos: tuple[int, int], *,
          kind: str = "body", color: tuple[int, int, int] | None = None, center: bool = True,
          bold: bool = True) -> pygame.Rect:
    f = view.theme.font(kind, bold=bold)
    pal = view.theme.palette
    img = f.render(text, True, color or pal.text)
    rect = img.get_rect(center=pos) if center else img.get_rect(topleft=pos)
    rect.clamp_ip(surface.get_rect())  # never cut at the window's edge
    if view.camera_image is not None:  # over the camera picture: never over the patient's face
        from game.widgets import face_box, keep_off_face

        rect = keep_off_face(rect, face_box(view), surface.get_rect())
    TEXT_RECTS.append(rect)
    if view.camera_image is not None:  # over a picture a shadow is not enough: a panel (>= 4.5:1)
        pygame.draw.rect(surface, pal.panel, rect.inflate(12, 4), border_radius=6)
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


def _last_tap(exercise: Any) -> Any:
    last = exercise.taps[-1] if exercise.taps else None
    return last if last is not None and last.set_index == exercise.set_index else None


def tapping_hud(exercise: Any, view: ViewContext) -> tuple[str, Any, str | None]:
    on_time = sum(1 for tap in exercise.taps if tap.on_beat)
    hr = reward_for(exercise)
    last = exercise.taps[-1] if exercise.taps else None
    hr.update(len(exercise.taps), careful=bool(last and last.on_beat))
    return f"Beats on time {on_time}", hr.reward, None


def tapping_progress(exercise: Any) -> float | None:
    sets = max(1, int(exercise.dose.sets))
    within = min(1.0, exercise.set_elapsed / max(1e-9, exercise.dose.set_s)) if exercise.phase == "tapping" else 0.0
    return min(1.0, (exercise.set_index + within) / sets)


def draw_drum(surface: pygame.Surface, view: ViewContext, centre: tuple[float, float], radius: float,
              press: float, beat_phase: float | None) -> pygame.Rect:
    """A drum seen from the front and a little above: shell, skin (pressed in by `press`),
    and the metronome's sweep round the rim (`beat_phase` 0..1, None at rest)."""
    pal = view.theme.palette
    c = view.to_screen(*centre)
    r = view.length(radius)
    skin = pygame.Rect(0, 0, 2 * r, r)
    skin.center = c
    shell = pygame.Rect(skin.x, c[1], 2 * r, round(r * 0.9))
    pygame.draw.rect(surface, DRUM_SHELL, shell)
    bottom = skin.move(0, round(r * 0.9))
    pygame.draw.ellipse(surface, DRUM_SHELL, bottom)
    pygame.draw.ellipse(surface, pal.text, bottom, 3)
    for k in range(7):  # the shell's cords, for depth
        x = shell.x + round((k + 0.5) * shell.w / 7)
        pygame.draw.line(surface, pal.text, (x, shell.y + 4), (x + (r // 6 if k % 2 else -r // 6), bottom.centery), 2)
    pygame.draw.line(surface, pal.text, shell.topleft, (shell.x, bottom.centery), 3)
    pygame.draw.line(surface, pal.text, shell.topright, (shell.right - 1, bottom.centery), 3)
    pygame.draw.ellipse(surface, DRUM_SKIN, skin)
    if press > 0:  # the skin dips where it was struck: a darker, lower centre
        dip = skin.inflate(-round(skin.w * 0.45), -round(skin.h * 0.45)).move(0, round(r * 0.12 * press))
        pygame.draw.ellipse(surface, DRUM_SKIN_DOWN, dip)
    pygame.draw.ellipse(surface, pal.text, skin, 4)
    if beat_phase is not None:
        ring = skin.inflate(round(r * 0.5), round(r * 0.35))
        pygame.draw.arc(surface, pal.target, ring, math.pi / 2 - 2 * math.pi * beat_phase, math.pi / 2,
                        max(4, r // 8))
    return skin.union(bottom)


@register("tapping")
def draw_tapping(surface: pygame.Surface, exercise: Any, view: ViewContext) -> None:
    pal = view.theme.palette
    TEXT_RECTS.clear()
    s = _side_sign(exercise.active_side)
    draw_hand_landmarks(surface, view.frame, view)
    centre = (s * 1.6, 0.2)
    if exercise.phase == "tapping":
        metronome_for(exercise).update(exercise.beat_index)
        last = _last_tap(exercise)
        press = strike(exercise.t - last.t if last is not None else None, view.pace)
        draw_drum(surface, view, centre, 0.5, press, exercise.beat_phase)
        draw_success_bursts(surface, exercise, view, sum(1 for tap in exercise.taps if tap.on_beat), centre, 0.45)
        _text(surface, view, "TAP", view.to_screen(*centre), kind="small", color=pal.cue_text)
        if last is not None and exercise.t - last.t < 0.6 / max(0.25, view.pace):
            word = "On the beat!" if last.on_beat else ("A little early" if last.offset_s < 0 else "A little late")
            color = pal.hit if last.on_beat else pal.target_hold
            _text(surface, view, word, view.to_screen(centre[0], centre[1] + 0.95), color=color)
        _text(surface, view, f"Set {exercise.set_index + 1} of {exercise.dose.sets}",
              view.to_screen(centre[0], centre[1] + 0.62), kind="small")
    elif exercise.phase == "rest":  # the rest shown as an arc that fills as it passes, not a second clock
        draw_drum(surface, view, centre, 0.5, 0.0, 1.0 - min(1.0, exercise.rest_left / max(1e-9, exercise.rest_s)))
        _text(surface, view, "Rest your hand", view.to_screen(centre[0], centre[1] + 0.62))
        _text(surface, view, f"Next: set {exercise.set_index + 2} of {exercise.dose.sets}",
              view.to_screen(centre[0], centre[1] + 0.95), kind="small")
    th = exercise.thresholds
    draw_gauge(surface, view, (s * 2.6, -0.8), exercise.aperture, th[0] if th else None, th[1] if th else None,
               1.8, "fingers")
    draw_hand_cue(surface, exercise, view)


draw_tapping.hud = tapping_hud  # type: ignore[attr-defined]
draw_tapping.progress = tapping_progress  # type: ignore[attr-defined]


# -------------------------------------------------------------------- pinch
def pinch_hud(exercise: Any, view: ViewContext) -> tuple[str, Any, str | None]:
    hr = reward_for(exercise)
    dropped = exercise.drops > hr.drops_seen
    hr.update(exercise.moved, drops=exercise.drops)
    if dropped:
        _DROPS[exercise] = view.t
    since = view.t - _DROPS.get(exercise, -1e9)
    message = "Nearly! Pick it up again - no hurry." if since < 2.5 / max(0.25, view.pace) else None
    return f"Berries in the jar {exercise.moved} of {exercise.dose.objects}", hr.reward, message


def pinch_progress(exercise: Any) -> float | None:
    return min(1.0, exercise.moved / max(1, exercise.dose.objects))


def draw_berry(surface: pygame.Surface, c: tuple[int, int], r: int, colour: RGB, outline: RGB) -> None:
    """A berry: a round fruit with a shine and a small green leaf on top."""
    pygame.draw.circle(surface, colour, c, r)
    pygame.draw.circle(surface, outline, c, r, max(2, r // 8))
    pygame.draw.circle(surface, (255, 255, 255), (c[0] - r // 3, c[1] - r // 3), max(2, r // 5))
    leaf = [(c[0], c[1] - r), (c[0] + r // 2, c[1] - r - r // 3), (c[0] + r // 5, c[1] - r + r // 6)]
    pygame.draw.polygon(surface, LEAF, leaf)


@register("pinch")
def draw_pinch(surface: pygame.Surface, exercise: Any, view: ViewContext) -> None:
    pal = view.theme.palette
    TEXT_RECTS.clear()
    draw_hand_landmarks(surface, view.frame, view)
    lw = max(3, view.length(0.03))
    for seg in exercise.world.visible_segments:  # the table (and the jar's walls, drawn over below)
        a = view.to_screen(*seg.a)
        b = view.to_screen(*seg.b)
        pygame.draw.line(surface, pal.text_dim, a, b, lw)
    box = exercise.box
    inside = pygame.Rect(*view.to_screen(box.x0, box.y1), view.length(box.x1 - box.x0), view.length(box.y1 - box.y0))
    glass = pygame.Surface(inside.size, pygame.SRCALPHA)
    glass.fill((*GLASS, 60))
    surface.blit(glass, inside.topleft)
    hand = exercise.hand_pos
    for obj in exercise.objects:
        c = view.to_screen(*obj.position)
        r = view.length(obj.radius)
        if obj.state == "waiting":  # the berry to pick: a dashed halo besides its colour
            for k in range(10):
                a0 = 2 * math.pi * k / 10
                ring = pygame.Rect(c[0] - round(r * 1.45), c[1] - round(r * 1.45), round(r * 2.9), round(r * 2.9))
                pygame.draw.arc(surface, pal.target, ring, a0, a0 + math.pi / 10, max(2, r // 6))
        draw_berry(surface, c, r, BERRY, pal.target_hold if obj.state == "carried" else pal.text)
        if obj.state == "carried" and hand is not None:
            pygame.draw.line(surface, pal.text, view.to_screen(*hand), c, 2)
    # the jar's glass walls and rim, in front of the berries in it
    wall = max(3, view.length(0.025))
    pygame.draw.line(surface, GLASS, inside.topleft, inside.bottomleft, wall)
    pygame.draw.line(surface, GLASS, inside.topright, inside.bottomright, wall)
    pygame.draw.line(surface, GLASS, inside.bottomleft, inside.bottomright, wall)
    rim = pygame.Rect(inside.x - wall, inside.y - wall, inside.w + 2 * wall, 2 * wall)
    pygame.draw.rect(surface, pal.text, rim, border_radius=wall)
    _text(surface, view, "JAR", view.to_screen(0.5 * (box.x0 + box.x1), box.y0 - 0.15), kind="small")
    draw_success_bursts(surface, exercise, view, exercise.moved, (0.5 * (box.x0 + box.x1), box.y1),
                        0.5 * (box.x1 - box.x0))
    if hand is not None:
        hc = view.to_screen(*hand)
        gap = 0 if exercise.pinch_closed else view.length(0.08)
        for sign in (-1, 1):  # thumb and index: together when pinched
            pygame.draw.circle(surface, pal.text, (hc[0] + sign * gap, hc[1]), max(4, view.length(0.035)))
    _text(surface, view, "Pick a berry and put it in the jar", view.to_screen(0.0, 1.1), kind="small")
    th = exercise.detector.thresholds
    s = _side_sign(exercise.active_side)
    draw_gauge(surface, view, (-s * 2.5, -0.8), exercise.aperture, th.low if th else None, th.high if th else None,
               1.8, "fingers")
    draw_hand_cue(surface, exercise, view)


draw_pinch.hud = pinch_hud  # type: ignore[attr-defined]
draw_pinch.progress = pinch_progress  # type: ignore[attr-defined]


# ---------------------------------------------------------------- openclose
def openclose_hud(exercise: Any, view: ViewContext) -> tuple[str, Any, str | None]:
    hr = reward_for(exercise)
    hr.update(exercise.repetitions)
    return f"Oranges squeezed {exercise.repetitions} of {exercise.dose.repetitions}", hr.reward, None


def openclose_progress(exercise: Any) -> float | None:
    return min(1.0, exercise.repetitions / max(1, exercise.dose.repetitions))


def _levels(exercise: Any) -> tuple[float | None, float | None]:
    """The grasp the game counts as closed and as open now (None: not known yet)."""
    peak = exercise.peak if math.isfinite(exercise.peak) else None
    trough = exercise.trough if math.isfinite(exercise.trough) else None
    closed = peak - exercise.dose.min_range if peak is not None else None
    opened = trough + exercise.dose.min_range if trough is not None else peak
    return closed, opened


@register("openclose")
def draw_openclose(surface: pygame.Surface, exercise: Any, view: ViewContext) -> None:
    pal = view.theme.palette
    TEXT_RECTS.clear()
    s = _side_sign(exercise.active_side)
    draw_hand_landmarks(surface, view.frame, view)
    centre = (s * 1.6, 0.35)
    c = view.to_screen(*centre)
    r = view.length(0.32)
    closed, opened = _levels(exercise)
    squeeze = squash(exercise.grasp, closed, opened)
    pts = [(round(x), round(y)) for x, y in orange_points(c[0], c[1] + r * 0.35 * squeeze, r, squeeze)]
    pygame.draw.polygon(surface, ORANGE, pts)
    pygame.draw.polygon(surface, pal.text, pts, max(2, r // 10))
    for k in range(5):  # the peel's dimples, for texture
        a = 2 * math.pi * k / 5 + 0.4
        pygame.draw.circle(surface, (200, 130, 0), (c[0] + round(r * 0.5 * math.cos(a)),
                                                    c[1] + round(r * 0.3 * math.sin(a))), max(2, r // 14))
    pygame.draw.ellipse(surface, LEAF, (c[0] - r // 6, c[1] - r - r // 8, r // 3, r // 4))
    if exercise.hold_progress > 0:
        ring = pygame.Rect(c[0] - round(r * 1.3), c[1] - round(r * 1.3), round(r * 2.6), round(r * 2.6))
        pygame.draw.arc(surface, pal.target_hold, ring, math.pi / 2 - 2 * math.pi * exercise.hold_progress,
                        math.pi / 2, max(4, r // 5))
    # the glass of juice beside it: one share per full squeeze
    g = pygame.Rect(0, 0, round(r * 0.9), round(r * 1.5))
    g.midbottom = view.to_screen(centre[0] + s * 0.7, centre[1] - 0.2)  # outside: clear of the arm
    level = juice_level(exercise.repetitions, int(exercise.dose.repetitions))
    if level > 0:
        jh = round(g.h * level)
        pygame.draw.rect(surface, JUICE, (g.x, g.bottom - jh, g.w, jh))
    pygame.draw.lines(surface, GLASS, False, [g.topleft, g.bottomleft, g.bottomright, g.topright], max(3, r // 10))
    draw_success_bursts(surface, exercise, view, exercise.repetitions, centre, 0.32)
    word = "OPEN your hand wide" if exercise.wants == "open" else "SQUEEZE the orange"
    _text(surface, view, word, view.to_screen(centre[0], centre[1] + 0.75))
    low = closed if exercise.phase == "open" else None
    high = opened if exercise.phase == "closed" else None
    draw_gauge(surface, view, (s * 2.6, -0.8), exercise.grasp, low, high, 2.2, "hand")
    draw_hand_cue(surface, exercise, view)


draw_openclose.hud = openclose_hud  # type: ignore[attr-defined]
draw_openclose.progress = openclose_progress  # type: ignore[attr-defined]
