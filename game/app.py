"""The app: scene stack + input + drawing, run by the fixed-step loop.

`App` is a `LoopClient`: `fixed_update(dt)` advances the session clock by
exactly `dt`, reads the newest input (a `game.players.Player`: camera pipeline, replay,
virtual patient, scripted answers) merged with keyboard and mouse, and
updates the top scene; `draw(alpha)` renders the top scene onto the
surface (a window, or a plain surface when headless) and saves a
screenshot of each scene when asked. It never decides a game rule.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import cv2
import pygame

from exercises.events import MIRROR_MODE, VIEW_MODE, Event
from game.context import DrawContext
from game.input import KeyboardMouseInput, merge
from game.players.base import NoPlayer, Player
from game.scenes.base import Scene, SceneStack
from game.scenes.common import menu_transform
from game.theme import Theme
from game.transform import BodyToScreen, fit_body_box, fit_image, from_camera
from vision.body_model import reference_from_pose
from vision.bodyframe import BodyFrame
from vision.intents import Intents

# Game seconds a scene must have been on top before its screenshot is taken
# (so a dwell fill or a target is visible); default for others.
SCREENSHOT_AFTER_S: dict[str, float] = {"exercise": 4.0, "calibration": 5.0, "rest": 1.5}
SCREENSHOT_DEFAULT_S = 0.9
CAMERA_DIM = 0.65  # the camera image's brightness under the drawings


class App:
    def __init__(self, surface: pygame.Surface, stack: SceneStack, *, driver: Player | None = None,
                 keys: KeyboardMouseInput | None = None, window: bool = False,
                 screenshots: Path | None = None, reference: Callable[[], Any] | None = None,
                 should_stop: Callable[[], bool] | None = None, render: bool | None = None) -> None:
        self.surface = surface
        self.stack = stack
        self.driver = driver or NoPlayer()
        self.keys = keys or KeyboardMouseInput()
        if self.keys.transform is None:
            self.keys.transform = self.input_transform
        self.window = window
        self.screenshots = screenshots
        self.reference = reference  # -> vision BodyReference (origin_px, unit_px, width, height) or None
        self.should_stop = should_stop
        self.t = 0.0
        self.frame: BodyFrame | None = None
        self.intents: Intents | None = None
        self.show_camera = True
        self.mirror: str | None = None  # the session's mirror mode ("split"/"swap")
        self.mirror_on = True  # "M" turns the mirror view off at once (and on again)
        self.mirror_transform: Any = None  # vision.mirror.MirrorTransform while mirroring
        self.view3d: Any = None  # game.views.scene3d.View3DState with --view 3d / --stereo sbs
        self.quit = False
        self.shots: dict[str, Path] = {}
        self._scene_since: dict[int, float] = {}
        self._camera_cache: tuple[tuple[int, tuple[int, int]], pygame.Surface] | None = None
        self.updates = 0
        # Headless with no screenshots: nobody sees the frames, so none are drawn.
        self.render = (window or screenshots is not None) if render is None else render
        self.frame_listeners: list[Callable[[BodyFrame, Scene[Any] | None], None]] = []
        self.emit: Callable[[list[Event]], None] = lambda events: None  # app-level events -> telemetry
        self._caption = ""

    # ------------------------------------------------------------ transforms
    def transform(self) -> BodyToScreen:
        scene = self.stack.top
        size = self.surface.get_size()
        if scene is None or not getattr(scene, "camera_view", False):
            return menu_transform(size)
        return self.camera_transform()

    def input_transform(self) -> BodyToScreen:
        """The transform a mouse position is read through: the one the top scene last drew
        with when it moved its picture (below its header: `drawn_transform`), else the
        app's own, so a click lands on what is drawn under it."""
        drawn = getattr(self.stack.top, "drawn_transform", None)
        return drawn if isinstance(drawn, BodyToScreen) else self.transform()

    def camera_transform(self) -> BodyToScreen:
        size = self.surface.get_size()
        ref = self.reference() if self.reference is not None else None
        if ref is None and self.frame is not None and self.frame.pose is not None:
            try:  # no calibration yet: the frame's own shoulders (CONTRACTS.md)
                ref = reference_from_pose(self.frame.pose, self.frame.width, self.frame.height)
            except ValueError:
                ref = None
        if ref is not None:
            # The reference may come from a different image size than the frame shown.
            if self.frame is not None and (ref.width, ref.height) != (self.frame.width, self.frame.height):
                sx, sy = self.frame.width / ref.width, self.frame.height / ref.height
                return from_camera(size, (self.frame.width, self.frame.height),
                                   (ref.origin_px[0] * sx, ref.origin_px[1] * sy), ref.unit_px * sx)
            return from_camera(size, (ref.width, ref.height), ref.origin_px, ref.unit_px)
        return fit_body_box(size)

    # ------------------------------------------------------------------ loop
    @property
    def running(self) -> bool:
        return not self.quit and self.stack.top is not None

    def fixed_update(self, dt: float) -> None:
        self.t += dt
        self.updates += 1
        if self.window:
            for event in pygame.event.get():
                if event.type == pygame.QUIT:
                    self.quit = True
                elif event.type == pygame.VIDEORESIZE:
                    self.surface = pygame.display.get_surface()
                else:
                    self.keys.handle(event)
        for action in self.keys.take_actions():
            self._app_action(action)
        scene = self.stack.top
        frame, cam = self.driver.poll(self.t, scene)
        if frame is not None:
            self.frame = frame
            for listener in self.frame_listeners:
                listener(frame, scene)
        if cam is not None:
            cam = replace(cam, t=self.t)
        intents = merge(cam, self.keys.poll(self.t))
        self.intents = intents
        self.stack.update(intents, dt)
        for action in getattr(self.stack.top, "take_actions", list)():
            self._app_action(action)  # on-screen buttons that act on the app (e.g. "Mirror off")
        if self.should_stop is not None and self.should_stop():
            self.quit = True

    def _app_action(self, action: str) -> None:
        scene = self.stack.top
        if action == "toggle_camera":
            self.show_camera = not self.show_camera
        elif action == "toggle_mirror" and self.mirror:
            self.mirror_on = not self.mirror_on
            if self.mirror_transform is not None:
                self.mirror_transform.enabled = self.mirror_on  # landmarks unmirrored at once too
            # The therapist must know when the patient turned the mirror off (CRPS: it can hurt).
            self.emit([Event(self.t, MIRROR_MODE, {"mode": self.mirror, "on": self.mirror_on,
                                                   "by": "patient"})])
        elif action == "toggle_view" and self.view3d is not None:
            on = self.view3d.toggle()  # V: back to 2-D at once (and to 3-D again)
            self.emit([Event(self.t, VIEW_MODE, {"view": "3d" if on else "2d",
                                                 "stereo": self.view3d.settings.stereo,
                                                 "by": "patient"})])
        elif action in ("less", "more") and hasattr(scene, "adjust"):
            scene.adjust(-1 if action == "less" else 1)  # type: ignore[union-attr]

    def context(self, alpha: float = 0.0) -> DrawContext:
        size = self.surface.get_size()
        scene = self.stack.top
        camera_view = scene is not None and getattr(scene, "camera_view", False)
        placement = None
        image = None
        theme = Theme(height=size[1], width=size[0])
        # a scene that keeps its header off the picture says how tall it is (the picture is
        # scaled once, here, to where the scene will draw it: game.widgets.below_header)
        in_3d = self.view3d is not None and getattr(self.view3d, "on", False)  # 3-D draws its own
        top = scene.picture_top(theme) if camera_view and hasattr(scene, "picture_top") and not in_3d else 0
        if camera_view and self.frame is not None:
            placement = fit_image(size, (self.frame.width, self.frame.height))
            if self.show_camera and self.frame.image is not None:
                shown = fit_image((size[0], max(1, size[1] - top)), (self.frame.width, self.frame.height)) \
                    if top else placement
                image = self._camera_surface(self.frame, shown.rect[2:])
        return DrawContext(theme=theme, transform=self.transform(),
                           intents=self.intents, alpha=alpha, t=self.t, frame=self.frame if camera_view else None,
                           placement=placement, show_camera=self.show_camera, camera_image=image,
                           mirror=self.mirror if self.mirror_on else None, view3d=self.view3d)

    def _camera_surface(self, frame: BodyFrame, size: tuple[int, int]) -> pygame.Surface:
        """The frame's BGR image as a mirrored (selfie), scaled, dimmed surface.

        Made once per camera frame (not per drawn frame): at 30 fps camera and
        60 fps drawing this halves the work, and the dimming (so drawings stay
        readable over a busy room) is a multiply blend in place, no alpha layer.
        """
        key = (frame.index, size)
        if self._camera_cache is not None and self._camera_cache[0] == key:
            return self._camera_cache[1]
        # OpenCV does the per-pixel work (about 4x faster than pygame's smoothscale,
        # and it releases the GIL the tracker thread also needs).
        img = cv2.resize(frame.image, size, interpolation=cv2.INTER_LINEAR)
        img = cv2.flip(img, 1)
        img = cv2.convertScaleAbs(img, alpha=CAMERA_DIM)
        surf = pygame.image.frombuffer(img.tobytes(), size, "BGR")
        self._camera_cache = (key, surf)
        return surf

    def caption(self, scene: Scene[Any]) -> None:
        """The window title names the screen on top ("NeuroPlay: safety"): a screen reader
        says it, a window list shows it, and the real-window test waits on it."""
        title = f"NeuroPlay: {scene.name}"
        if self.window and title != self._caption:
            pygame.display.set_caption(title)
            self._caption = title

    def draw(self, alpha: float) -> None:
        scene = self.stack.top
        if scene is not None:
            self.caption(scene)
        if scene is None or not self.render:
            return
        ctx = self.context(alpha)
        scene.draw(self.surface, ctx)
        self._maybe_screenshot(scene)
        if self.window:
            pygame.display.flip()

    def _maybe_screenshot(self, scene: Scene[Any]) -> None:
        if self.screenshots is None:
            return
        since = self._scene_since.setdefault(id(scene), self.t)
        later = getattr(scene, "later_screenshot_s", None)  # a second shot, the game under way
        if scene.name in self.shots:
            if later is not None and f"{scene.name}_later" not in self.shots and self.t - since >= later:
                self._save_shot(f"{scene.name}_later")
            return
        wait = getattr(scene, "screenshot_after_s", None) or SCREENSHOT_AFTER_S.get(scene.name, SCREENSHOT_DEFAULT_S)
        if self.t - since < wait:
            return
        self._save_shot(scene.name)

    def _save_shot(self, name: str) -> None:
        assert self.screenshots is not None
        self.screenshots.mkdir(parents=True, exist_ok=True)
        path = self.screenshots / f"{len(self.shots) + 1:02d}_{name}.png"
        tmp = path.with_suffix(".tmp.png")
        pygame.image.save(self.surface, str(tmp))
        tmp.replace(path)
        self.shots[name] = path
