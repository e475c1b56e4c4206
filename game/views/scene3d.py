"""The reaching game drawn in 3-D: head-tracked (fish-tank) mono or side-by-side stereo.

Why: `--view 3d` / `--stereo sbs` show the same game in depth (game/views/view3d.py
draws, game/views/projection.py is the math). The game's rules do not change: a
target is hit where the 2-D game says (the exercise decides), so the 3-D scene is
built to AGREE with the 2-D layout: every target (and the hand) is placed at its
depth on the line from the nominal eye through its 2-D screen position, so with
the head at the nominal viewpoint (centred, `VIEW_DISTANCE_M` away) it is drawn
exactly where the 2-D game draws it, and a head movement shows parallax about it.

Comfort (docs/vr.md): only the patient's own head moves the viewpoint, and only by
translation (eyes kept level: a fixed horizon); the head is smoothed and clamped
(`HeadTracker`); `comfort="low"` halves the parallax and keeps the viewing distance
fixed; nothing in the scene moves toward the face. One key (V) returns to 2-D at any
time (shown on screen), and the safety rail (STOP, Pain) is drawn over the 3-D
picture in the very rectangles of the 2-D game (game/widgets.rail_rects), once over
the whole window (never per eye).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np
import pygame

from game.views.projection import IPD_M, VIEW_DISTANCE_M, HeadTracker, Screen
from game.views.view3d import Box, Scene3D, Sphere, draw_mono, draw_sbs
from vision.bodyframe import BodyFrame
from vision.intents import Intents

View = Literal["2d", "3d"]
Stereo = Literal["sbs"]
ComfortName = Literal["low", "normal"]

SCREEN_WIDTH_M = 0.53  # a 24" 16:9 monitor; the height follows the window's aspect
FOCAL_PER_WIDTH = 0.87  # webcam focal length / image width (about 60 degrees across)
LEFT_EYE, RIGHT_EYE = 2, 5  # MediaPipe pose landmarks
PLANE_Z = -0.10  # image-plane targets: 10 cm behind the screen (a steady, small disparity)
FORWARD_NEAR_Z = -0.05  # a forward target at the resting reach...
FORWARD_M_PER_UNIT = 0.20  # ...and this far deeper per body unit of forward reach asked
TOGGLE_KEY = "V"
HINT_3D = f"{TOGGLE_KEY}: back to 2D"
HINT_2D = f"{TOGGLE_KEY}: 3D view"


@dataclass(frozen=True, slots=True)
class Comfort:
    """How much of the head's motion moves the viewpoint (1 = true parallax) and
    whether the viewing distance follows the head (z) or stays at the nominal one."""

    parallax_gain: float
    track_distance: bool


COMFORT: dict[str, Comfort] = {
    "low": Comfort(parallax_gain=0.5, track_distance=False),
    "normal": Comfort(parallax_gain=1.0, track_distance=True),
}


@dataclass(frozen=True, slots=True)
class ViewSettings:
    """What the command line asked: `--view`, `--stereo`, `--comfort`, `--ipd-mm`."""

    view: View = "2d"
    stereo: Stereo | None = None
    comfort: ComfortName = "normal"
    ipd_m: float = IPD_M

    @property
    def three_d(self) -> bool:
        return self.view == "3d" or self.stereo is not None


@dataclass
class View3DState:
    """The app's 3-D view: on or back in 2-D (the V key), and the tracked head."""

    settings: ViewSettings
    on: bool = True
    head: np.ndarray = field(default_factory=lambda: np.array([0.0, 0.0, VIEW_DISTANCE_M]))
    _tracker: HeadTracker | None = None

    def toggle(self) -> bool:
        self.on = not self.on
        return self.on

    def on_frame(self, frame: BodyFrame, scene: object = None) -> None:
        """A tracked frame: the head (eye midpoint) from the pose's eye landmarks."""
        pose = frame.pose
        if pose is None or frame.width <= 0:
            return
        if self._tracker is None:
            self._tracker = HeadTracker(FOCAL_PER_WIDTH * frame.width, frame.width,
                                        ipd=self.settings.ipd_m)
        le = (float(pose[LEFT_EYE, 0]), float(pose[LEFT_EYE, 1]))
        re = (float(pose[RIGHT_EYE, 0]), float(pose[RIGHT_EYE, 1]))
        if not np.isfinite([*le, *re]).all():
            return
        self.head = self._tracker.update(frame.t, le, re, frame.height / frame.width)

    @property
    def viewpoint(self) -> np.ndarray:
        """The head as the scene is drawn from: the comfort setting's share of the
        head's offset from the nominal viewpoint."""
        c = COMFORT[self.settings.comfort]
        hx, hy, hz = (float(v) for v in self.head)
        z = VIEW_DISTANCE_M + c.parallax_gain * (hz - VIEW_DISTANCE_M) if c.track_distance \
            else VIEW_DISTANCE_M
        return np.array([c.parallax_gain * hx, c.parallax_gain * hy, z])


def screen_for(size: tuple[int, int]) -> Screen:
    w, h = size
    return Screen(SCREEN_WIDTH_M, SCREEN_WIDTH_M * h / w, w, h)


def _at_depth(screen: Screen, px: tuple[float, float], z: float) -> tuple[float, float, float]:
    """The scene point at depth `z` that the nominal eye sees at pixel `px`."""
    sx = (px[0] / screen.width_px - 0.5) * screen.width_m
    sy = (0.5 - px[1] / screen.height_px) * screen.height_m
    k = (VIEW_DISTANCE_M - z) / VIEW_DISTANCE_M
    return (sx * k, sy * k, z)


def _radius_at(screen: Screen, r_px: float, z: float) -> float:
    return r_px / screen.width_px * screen.width_m * (VIEW_DISTANCE_M - z) / VIEW_DISTANCE_M


def forward_z(depth_bu: float | None) -> float:
    """Scene depth of a forward reach of `depth_bu` body units beyond rest."""
    return PLANE_Z if depth_bu is None else FORWARD_NEAR_Z - FORWARD_M_PER_UNIT * max(0.0, depth_bu)


def build_scene(exercise: Any, intents: Intents | None, to_screen: Any, length: Any,
                screen: Screen, palette: Any) -> Scene3D:
    """The table, the shelf, the exercise's targets and the tracked hands, in metres."""
    scene = Scene3D()
    scene.boxes.append(Box((-0.22, -0.14, -0.70), (0.22, -0.12, -0.05), (139, 98, 57)))  # table
    scene.boxes.append(Box((-0.20, 0.04, -0.80), (0.20, 0.06, -0.60), (110, 110, 120)))  # shelf
    active_z = PLANE_Z
    for tv in getattr(exercise, "targets", ()):
        z = forward_z(getattr(tv, "depth", None))
        if tv.state in ("waiting", "holding"):
            active_z = z
        color = (palette.hit if tv.state == "popped" else palette.text_dim if tv.state == "missed"
                 else palette.target_hold if tv.hold_progress > 0 else palette.target)
        c = _at_depth(screen, to_screen(tv.x, tv.y), z)
        scene.spheres.append(Sphere(c, _radius_at(screen, length(tv.radius), z), color, "target"))
    if intents is not None:
        depth_of = getattr(exercise, "depth_of", None)
        for side, hand, color in (("left", intents.left, palette.hand_left),
                                  ("right", intents.right, palette.hand_right)):
            if hand is None or hand.visibility < 0.5:
                continue
            z = active_z
            if callable(depth_of):
                d = depth_of(side, hand.forward)
                z = forward_z(d) if d is not None else z
            c = _at_depth(screen, to_screen(hand.x, hand.y), z)
            scene.spheres.append(Sphere(c, _radius_at(screen, length(0.12), z), color, "hand"))
    return scene


def draw_exercise_3d(surface: pygame.Surface, exercise: Any, view: Any, state: View3DState) -> None:
    """The exercise in 3-D over the whole surface (mono), or per eye (sbs)."""
    screen = screen_for(surface.get_size())
    scene = build_scene(exercise, view.intents, view.to_screen, view.length, screen, view.theme.palette)
    if state.settings.stereo == "sbs":
        draw_sbs(surface, screen, state.viewpoint, scene, ipd=state.settings.ipd_m)
    else:
        draw_mono(surface, screen, state.viewpoint, scene)


def hands_on(intents: Intents | None, controls: Sequence[Any]) -> Intents | None:
    """Only the hands that are on one of `controls` (in 3-D the hands are drawn in the
    scene; a hand on STOP or Pain still gets its ring around that button)."""
    if intents is None:
        return None
    keep = {s: h for s, h in (("left", intents.left), ("right", intents.right))
            if h is not None and any(b.contains(h) for b in controls)}
    return replace(intents, left=keep.get("left"), right=keep.get("right"))


def draw_hint(surface: pygame.Surface, font: pygame.font.Font, palette: Any, text: str,
              rail_side: str) -> pygame.Rect:
    """The return-to-2D key, always on screen in 3-D: a small panel in the bottom corner
    under the safety rail's column."""
    img = font.render(text, True, palette.text)
    w, h = surface.get_size()
    pad = max(6, img.get_height() // 4)
    margin = max(8, w // 50)
    r = img.get_rect()
    if rail_side == "left":
        r.bottomleft = (margin + pad, h - margin - pad)
    else:
        r.bottomright = (w - margin - pad, h - margin - pad)
    panel = r.inflate(2 * pad, 2 * pad)
    pygame.draw.rect(surface, palette.panel, panel, border_radius=pad)
    pygame.draw.rect(surface, palette.text, panel, width=2, border_radius=pad)
    surface.blit(img, r)
    return panel
