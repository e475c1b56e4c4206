"""Renderer of the reaching game: a kitchen shelf whose cups are the targets.

The everyday task: take cups from the shelf and put them on the table
(exercises/scenes/kitchen.py decides where every cup, board and table place is, from
the exercise's calibrated targets, and what a hit does; this module only draws it).
With no camera picture the kitchen is drawn behind the patient's avatar (`backdrop`:
a tiled wall with depth, the table in front); over the camera picture only the shelf
boards and cups are drawn, so the patient still sees themself.

Walks `ReachingExercise.targets` (TargetView: body-unit position, radius,
state, hold progress) and draws each through the view transform. Meaning
is never colour alone: the cup to take is orange with a white outline and a
dashed halo, held it fills with yellow from the bottom (tea poured in), a hit
lifts it off the shelf and carries it to the table, where it stays.

Smooth motion: a target that moves (carried, knocked) is drawn between
where it was at the previous fixed step and where it is now, by the loop's
`view.alpha` (0 = previous, 1 = current), so 60 fps drawing over 60 Hz
physics with uneven frames never stutters. The exercise scene calls
`after_step(exercise)` once per fixed step to remember the positions.
"""

from __future__ import annotations

import math
import weakref
from typing import Any

import pygame

from exercises.scenes.kitchen import (
    CUP_COLOURS,
    TABLE_DEPTH,
    TABLE_HALF_W,
    TABLE_Y,
    ItemPose,
    KitchenScene,
)
from exercises.scenes.reward import Reward
from game.feedback import Burst
from game.theme import OKABE_ITO, RGB
from game.views import ViewContext, register

# The kitchen's own colours: dark enough behind white text (>= 4.5:1, see
# tests/game/test_kitchen_view.py), warm wood, and calm cup colours (Okabe-Ito).
WALL_TOP: RGB = (22, 30, 44)
WALL_BOTTOM: RGB = (40, 52, 70)
TILE_LINE: RGB = (52, 66, 88)
WOOD: RGB = (150, 104, 62)
WOOD_FRONT: RGB = (112, 74, 42)
WOOD_DARK: RGB = (72, 46, 26)
TABLE_TOP: RGB = (128, 88, 54)
TABLE_FRONT: RGB = (88, 58, 34)
FLOOR: RGB = (26, 30, 38)
# (not the hit's bluish green nor the hold's yellow: those stay the burst's own colours)
TABLE_CUPS: tuple[RGB, ...] = (OKABE_ITO["sky_blue"], (236, 226, 204), OKABE_ITO["blue"],
                               OKABE_ITO["reddish_purple"], (170, 200, 230))
assert len(TABLE_CUPS) == CUP_COLOURS


def _arc_polygon(center: tuple[int, int], r: int, frac: float) -> list[tuple[int, int]]:
    pts = [center]
    n = max(3, int(48 * frac))
    for i in range(n + 1):
        a = -math.pi / 2 + 2 * math.pi * frac * i / n
        pts.append((round(center[0] + r * math.cos(a)), round(center[1] + r * math.sin(a))))
    return pts


Positions = dict[int, tuple[float, float]]


def lerp(a: tuple[float, float], b: tuple[float, float], alpha: float) -> tuple[float, float]:
    """From `a` (alpha 0) to `b` (alpha 1); alpha is clamped to 0..1."""
    k = min(1.0, max(0.0, alpha))
    return (a[0] + (b[0] - a[0]) * k, a[1] + (b[1] - a[1]) * k)


class ReachingView:
    """The reaching renderer, with each exercise's target positions one fixed step back."""

    def __init__(self) -> None:
        self.__name__ = "draw_reaching"  # named like the function renderers it stands beside
        # exercise -> (positions at the previous step, at the current step); weak so a
        # finished session's exercise is not kept alive by the renderer.
        self._steps: weakref.WeakKeyDictionary[Any, tuple[Positions, Positions]] = weakref.WeakKeyDictionary()
        # exercise -> (indices of targets already seen hit, the bursts still playing)
        self._hits: weakref.WeakKeyDictionary[Any, tuple[set[int], list[Burst]]] = weakref.WeakKeyDictionary()
        # exercise -> (its kitchen scene, [leaning reminders when the last cup was moved or left])
        self._kitchens: weakref.WeakKeyDictionary[Any, tuple[KitchenScene, list[int]]] = weakref.WeakKeyDictionary()

    @staticmethod
    def positions(exercise: Any) -> Positions:
        return {tv.index: (tv.x, tv.y) for tv in exercise.targets}

    def after_step(self, exercise: Any) -> None:
        """Called once per fixed step, after the exercise stepped."""
        now = self.positions(exercise)
        _, last = self._steps.get(exercise, (now, now))
        try:
            self._steps[exercise] = (last, now)
        except TypeError:  # an exercise that cannot be weakly referenced: no interpolation
            pass

    def previous(self, exercise: Any) -> Positions:
        try:
            return self._steps.get(exercise, ({}, {}))[0]
        except TypeError:
            return {}

    def bursts(self, exercise: Any, view: ViewContext) -> list[Burst]:
        """The bursts playing now: one starts at each target the first time it is seen hit."""
        try:
            seen, playing = self._hits.setdefault(exercise, (set(), []))
        except TypeError:
            return []
        for tv in exercise.targets:
            if tv.state == "popped" and tv.index not in seen:
                seen.add(tv.index)
                playing.append(Burst(tv.x, tv.y, tv.radius, view.t, view.pace))
        playing[:] = [b for b in playing if not b.done(view.t)]
        return list(playing)

    def kitchen(self, exercise: Any, view: ViewContext) -> KitchenScene | None:
        """The exercise's kitchen, brought up to date with its targets now."""
        try:
            entry = self._kitchens.get(exercise)
            if entry is None:
                entry = self._kitchens[exercise] = (KitchenScene(pace=view.pace), [0])
        except TypeError:
            return None
        scene, leans = entry
        targets = list(exercise.targets)
        leaned = int(getattr(exercise, "compensations", 0) or 0)
        # careful: no leaning reminder since the last cup was moved (or left)
        if scene.update(targets, view.t, _nearest_hand(view, targets), careful=leaned == leans[0]):
            leans[0] = leaned
        return scene

    def backdrop(self, surface: pygame.Surface, exercise: Any, view: ViewContext) -> None:
        """The kitchen behind the avatar (no camera picture): the tiled wall and the floor."""
        draw_kitchen_backdrop(surface, view)

    def hud(self, exercise: Any, view: ViewContext) -> tuple[str, Reward | None, str | None]:
        """The header's words in the game's terms, the reward, and a line of encouragement."""
        scene = self.kitchen(exercise, view)
        quota = getattr(getattr(exercise, "dose", None), "repetitions", None)
        hits = int(exercise.summary().get("hits", 0))
        words = f"Cups moved {hits} of {quota}" if isinstance(quota, int) else f"Cups moved {hits}"
        return words, (scene.reward if scene else None), (scene.message_now(view.t) if scene else None)

    def __call__(self, surface: pygame.Surface, exercise: Any, view: ViewContext) -> None:
        scene = self.kitchen(exercise, view)
        if view.camera_image is None and not view.mirror:
            draw_table(surface, view)  # in front of the avatar: the patient sits at it
        if scene is None:
            draw_targets(surface, exercise, view, self.previous(exercise))
        else:
            draw_shelf_and_cups(surface, exercise, scene, view, self.previous(exercise))
        for burst in self.bursts(exercise, view):
            draw_burst(surface, burst, view)


draw_reaching = register("reaching")(ReachingView())


def draw_targets(surface: pygame.Surface, exercise: Any, view: ViewContext, previous: Positions) -> None:
    pal = view.theme.palette
    for tv in exercise.targets:
        x, y = lerp(previous.get(tv.index, (tv.x, tv.y)), (tv.x, tv.y), view.alpha)
        c = view.to_screen(x, y)
        r = view.length(tv.radius)
        ring = max(3, r // 7)
        if tv.state == "popped":
            pygame.draw.circle(surface, pal.hit, c, r)
            pygame.draw.circle(surface, pal.text, c, r, ring)
            tick = [(c[0] - r // 2, c[1]), (c[0] - r // 8, c[1] + r // 2.5), (c[0] + r // 2, c[1] - r // 2.5)]
            pygame.draw.lines(surface, pal.text, False, tick, max(3, r // 6))
        elif tv.state == "missed":
            pygame.draw.circle(surface, pal.text_dim, c, r, ring)
        else:
            pulse = 1.0 + 0.12 * math.sin(view.t * 2 * math.pi * 0.8)
            halo = round(r * 1.35 * pulse)
            for k in range(12):  # dashed halo: a shape cue besides colour
                a0 = 2 * math.pi * k / 12
                rect = pygame.Rect(c[0] - halo, c[1] - halo, 2 * halo, 2 * halo)
                pygame.draw.arc(surface, pal.target, rect, a0, a0 + math.pi / 12, max(2, ring // 2))
            pygame.draw.circle(surface, pal.target, c, r)
            if tv.hold_progress > 0:
                pygame.draw.polygon(surface, pal.target_hold, _arc_polygon(c, r, min(1.0, tv.hold_progress)))
            pygame.draw.circle(surface, pal.text, c, r, ring)


def draw_burst(surface: pygame.Surface, burst: Burst, view: ViewContext) -> None:
    """An expanding ring (bluish green, as the hit) and yellow particles flying out."""
    pal = view.theme.palette
    k = burst.strength(view.t)
    if k <= 0:
        return
    c = view.to_screen(burst.x, burst.y)
    width = max(1, round(view.length(burst.radius) * 0.25 * k))
    pygame.draw.circle(surface, pal.hit, c, view.length(burst.ring_radius(view.t)), width)
    for p in burst.particles(view.t):
        pygame.draw.circle(surface, pal.target_hold, view.to_screen(p.x, p.y), max(1, view.length(p.size)))


def _nearest_hand(view: ViewContext, targets: list[Any]) -> tuple[float, float] | None:
    """The hand nearest the cup being reached for (for the near-miss words)."""
    waiting = [tv for tv in targets if tv.state in ("waiting", "holding")]
    if view.intents is None or not waiting:
        return None
    tv = waiting[0]
    hands = [h for h in (view.intents.left, view.intents.right) if h is not None and h.visibility >= 0.5]
    if not hands:
        return None
    h = min(hands, key=lambda h: (h.x - tv.x) ** 2 + (h.y - tv.y) ** 2)
    return (h.x, h.y)


def _mix(a: RGB, b: RGB, k: float) -> RGB:
    return (round(a[0] + (b[0] - a[0]) * k), round(a[1] + (b[1] - a[1]) * k), round(a[2] + (b[2] - a[2]) * k))


_BACKDROP: dict[tuple[int, int, int, int, int], pygame.Surface] = {}


def draw_kitchen_backdrop(surface: pygame.Surface, view: ViewContext) -> None:
    """The wall and floor, drawn once per window size and framing, then blitted."""
    w, h = surface.get_size()
    ox, oy = view.transform.origin
    key = (w, h, round(ox), round(oy), round(view.transform.scale))
    cached = _BACKDROP.get(key)
    if cached is None:
        if len(_BACKDROP) > 8:  # the framing follows the calibration: keep only a few
            _BACKDROP.clear()
        cached = _BACKDROP[key] = pygame.Surface((w, h))
        paint_kitchen_backdrop(cached, view)
    surface.blit(cached, (0, 0))


def paint_kitchen_backdrop(surface: pygame.Surface, view: ViewContext) -> None:
    """A tiled kitchen wall, lighter toward the table (depth), and the floor."""
    w, h = surface.get_size()
    table_y = view.to_screen(0.0, TABLE_Y)[1]
    bands = 24
    for i in range(bands):  # vertical gradient: the wall catches the light near the table
        y0, y1 = round(h * i / bands), round(h * (i + 1) / bands)
        pygame.draw.rect(surface, _mix(WALL_TOP, WALL_BOTTOM, i / (bands - 1)), (0, y0, w, y1 - y0))
    tile = max(12, view.length(0.42))
    for x in range(-(w // 2 % tile), w, tile):  # tiles: a quiet grid, not a pattern that shimmers
        pygame.draw.line(surface, TILE_LINE, (x, 0), (x, table_y), 1)
    for y in range(table_y, -tile, -tile):
        pygame.draw.line(surface, TILE_LINE, (0, y), (w, y), 1)
    pygame.draw.rect(surface, FLOOR, (0, table_y, w, h - table_y))  # the room's floor, darker


def draw_table(surface: pygame.Surface, view: ViewContext) -> pygame.Rect:
    """The table: a top in perspective (wider at the front) and its front edge."""
    back_l = view.to_screen(-TABLE_HALF_W, TABLE_Y + TABLE_DEPTH)
    back_r = view.to_screen(TABLE_HALF_W, TABLE_Y + TABLE_DEPTH)
    front_l = view.to_screen(-TABLE_HALF_W * 1.15, TABLE_Y - 0.05)
    front_r = view.to_screen(TABLE_HALF_W * 1.15, TABLE_Y - 0.05)
    edge = max(6, view.length(0.12))
    pygame.draw.polygon(surface, TABLE_TOP, [back_l, back_r, front_r, front_l])
    pygame.draw.line(surface, WOOD, back_l, back_r, max(2, edge // 4))
    front = pygame.Rect(front_l[0], front_l[1], front_r[0] - front_l[0], edge)
    pygame.draw.rect(surface, TABLE_FRONT, front)
    return front


def draw_board(surface: pygame.Surface, view: ViewContext, x0: float, x1: float, y: float) -> pygame.Rect:
    """A shelf board: its top face (light), front face (darker) and a soft shadow under it."""
    a = view.to_screen(x0, y)
    b = view.to_screen(x1, y)
    depth = max(3, view.length(0.05))
    front = max(4, view.length(0.06))
    top = [(a[0] + depth, a[1] - depth), (b[0] + depth, b[1] - depth), b, a]
    shadow = pygame.Surface((b[0] - a[0], front * 2), pygame.SRCALPHA)
    shadow.fill((0, 0, 0, 70))
    surface.blit(shadow, (a[0] + depth, a[1] + front))
    pygame.draw.polygon(surface, WOOD, top)
    rect = pygame.Rect(a[0], a[1], b[0] - a[0], front)
    pygame.draw.rect(surface, WOOD_FRONT, rect)
    pygame.draw.line(surface, WOOD_DARK, rect.bottomleft, rect.bottomright, 2)
    for bx in (a[0] + (b[0] - a[0]) // 6, b[0] - (b[0] - a[0]) // 6):  # brackets on the wall
        pygame.draw.polygon(surface, WOOD_DARK, [(bx - 3, rect.bottom), (bx + 3, rect.bottom),
                                                 (bx + 3, rect.bottom + front * 2)])
    return rect


def cup_outline(c: tuple[int, int], r: int) -> list[tuple[int, int]]:
    """A cup's body (wider at the rim), centred on `c`, `r` px its half height."""
    top, bottom = c[1] - round(r * 0.85), c[1] + r
    return [(c[0] - round(r * 0.95), top), (c[0] + round(r * 0.95), top),
            (c[0] + round(r * 0.7), bottom), (c[0] - round(r * 0.7), bottom)]


def draw_cup(surface: pygame.Surface, view: ViewContext, pose: ItemPose, colour: RGB, *,
             fill: float = 0.0, handle_right: bool = True, tick: bool = False) -> pygame.Rect:
    """One cup: body, rim ellipse (depth), handle, optional fill from the bottom and a tick."""
    pal = view.theme.palette
    c = view.to_screen(pose.x, pose.y)
    r = view.length(pose.radius)
    body = cup_outline(c, r)
    line = max(2, r // 8)
    if pose.lift > 0:  # a shadow left on the way: the cup is in the air
        sw = round(r * 1.4 * (1 - 0.4 * pose.lift))
        shade = pygame.Surface((2 * sw, max(4, r // 3)), pygame.SRCALPHA)
        pygame.draw.ellipse(shade, (0, 0, 0, 90), shade.get_rect())
        surface.blit(shade, (c[0] - sw, c[1] + r + view.length(0.3 * pose.lift)))
    hs = 1 if handle_right else -1
    handle = pygame.Rect(0, 0, r, round(r * 1.1))
    handle.center = (c[0] + hs * round(r * 0.9), c[1])
    pygame.draw.ellipse(surface, pal.text, handle, max(3, r // 5) + 2)
    pygame.draw.ellipse(surface, colour, handle.inflate(-2, -2), max(3, r // 5))
    pygame.draw.polygon(surface, colour, body)
    if fill > 0:  # tea poured in: rises with the hold
        top, bottom = body[0][1], body[2][1]
        level = bottom - round((bottom - top) * min(1.0, fill))
        clip = surface.get_clip()
        surface.set_clip(pygame.Rect(c[0] - r, level, 2 * r, bottom - level + 1).clip(clip))
        pygame.draw.polygon(surface, pal.target_hold, body)
        surface.set_clip(clip)
    pygame.draw.polygon(surface, pal.text, body, line)
    rim = pygame.Rect(0, 0, 2 * round(r * 0.95), max(4, r // 3))
    rim.center = (c[0], body[0][1])
    pygame.draw.ellipse(surface, _mix(colour, (0, 0, 0), 0.35), rim)
    pygame.draw.ellipse(surface, pal.text, rim, max(1, line // 2))
    if tick:
        pygame.draw.lines(surface, pal.text, False, [(c[0] - r // 2, c[1]), (c[0] - r // 8, c[1] + r // 2),
                                                     (c[0] + r // 2, c[1] - r // 3)], max(3, r // 6))
    return pygame.Rect(body[0][0], body[0][1], body[1][0] - body[0][0], body[2][1] - body[0][1])


def draw_steam(surface: pygame.Surface, view: ViewContext, pose: ItemPose) -> None:
    """Two wisps rising slowly from a cup on the table (a gentle sway, well under 3 Hz)."""
    c = view.to_screen(pose.x, pose.y)
    r = view.length(pose.radius)
    sway = 0.5 * view.pace  # Hz
    for k in (-1, 1):
        pts = []
        for i in range(8):
            f = i / 7
            x = c[0] + k * r // 3 + round(r * 0.18 * math.sin(2 * math.pi * (sway * view.t + f) + k))
            pts.append((x, c[1] - round(r * (0.95 + 0.9 * f))))
        pygame.draw.lines(surface, view.theme.palette.text_dim, False, pts, max(1, r // 10))


def draw_shelf_and_cups(surface: pygame.Surface, exercise: Any, scene: KitchenScene, view: ViewContext,
                        previous: Positions) -> None:
    """Boards under the shelf cups, then every cup: on the shelf, in the air, on the table."""
    pal = view.theme.palette
    for board in scene.boards(view.t):
        draw_board(surface, view, board.x0, board.x1, board.y)
    poses = sorted(scene.items(view.t), key=lambda p: -p.y)  # back (higher) first: depth
    table = [p for p in poses if p.state == "table"]
    for pose in poses:
        if pose.state == "table":
            draw_cup(surface, view, pose, TABLE_CUPS[pose.colour], handle_right=pose.x >= 0)
        elif pose.state == "carried":
            draw_cup(surface, view, pose, TABLE_CUPS[pose.colour], tick=True, handle_right=pose.x >= 0)
    if table:
        draw_steam(surface, view, table[-1] if len(table) == 1 else max(table, key=lambda p: p.index))
    by_index = {p.index: p for p in poses}
    for tv in exercise.targets:  # the cup to take, where the exercise has it now (interpolated)
        pose = by_index.get(tv.index)
        if pose is None or pose.state not in ("shelf", "held"):
            continue
        x, y = lerp(previous.get(tv.index, (tv.x, tv.y)), (tv.x, tv.y), view.alpha)
        c = view.to_screen(x, y)
        r = view.length(tv.radius)
        pulse = 1.0 + 0.12 * math.sin(view.t * 2 * math.pi * 0.8 * view.pace)
        halo = round(r * 1.5 * pulse)
        for k in range(12):  # dashed halo: a shape cue besides colour
            a0 = 2 * math.pi * k / 12
            rect = pygame.Rect(c[0] - halo, c[1] - halo, 2 * halo, 2 * halo)
            pygame.draw.arc(surface, pal.target, rect, a0, a0 + math.pi / 12, max(2, r // 12))
        draw_cup(surface, view, ItemPose(tv.index, x, y, tv.radius, pose.state), pal.target,
                 fill=tv.hold_progress, handle_right=tv.x >= 0)
