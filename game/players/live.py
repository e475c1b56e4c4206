"""The live player for `play` and `calibrate`: a camera or video through vision's pipeline.

The tracker runs in vision's worker thread (`vision.pipeline.TrackingPipeline`)
and writes the newest frame into a one-slot mailbox; the game takes the
newest frame each fixed step (never a queue of stale ones) and builds
Intents with vision's IntentsBuilder. Opening fails with one clear line
(exit status 2) when the camera or the video is missing. If the camera
stops delivering mid-session, the session stops (gracefully, recorded as a
stop) and the pipeline's one-line reason is printed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from game.errors import UserError
from game.players.frames import FramesDriver
from game.scenes.exercise import ExerciseScene
from vision.bodyframe import BodyFrame
from vision.calibration import Calibration, Side

if TYPE_CHECKING:
    from game.app import App
    from game.flow import SessionFlow
    from game.players.script import ScriptedMenus
    from vision.intents_builder import IntentsBuilder
    from vision.pipeline import TrackingPipeline
    from vision.sources import FrameSource
from vision.intents import Intents


def open_source(camera: int | None, video: str | None) -> FrameSource:
    from vision.sources import CameraSource, SourceError, VideoSource

    try:
        if video:
            return VideoSource(video, max_side=960)
        return CameraSource(0 if camera is None else camera)
    except SourceError as exc:
        raise UserError(str(exc)) from None
    except (OSError, ValueError) as exc:
        raise UserError(f"cannot open {video or f'camera {camera}'}: {exc}") from None


def start_pipeline(source: FrameSource, *, hands: bool = False,
                   arms: Sequence[Side] = ("left", "right"), pace: bool = False) -> TrackingPipeline:
    """vision's TrackingPipeline over `source`, started (tracking in its worker thread).

    With `hands`, hand landmarks are tracked only for `arms` (the arm in play).
    """
    from vision.pipeline import TrackingPipeline

    return TrackingPipeline(source, hands=hands, arms=arms, pace=pace, keep_image=True).start()


class LiveDriver(FramesDriver):
    """Newest frame from the pipeline; stops the exercise if the source ends or fails."""

    def poll(self, t: float, scene: object) -> tuple[BodyFrame | None, Intents | None]:
        frame, intents = super().poll(t, scene)
        if frame is None and self.finished and isinstance(scene, ExerciseScene):
            return None, Intents(t=t, stop=True)
        return frame, intents


@dataclass
class Live:
    pipe: TrackingPipeline
    driver: LiveDriver
    builder: IntentsBuilder

    def on_app(self, app: App, flow: SessionFlow) -> None:
        """After calibration, the builder and the screen transform use the new calibration."""
        def calibrated(cal: Calibration) -> None:
            self.builder.calibration = cal
            self.builder.reset()
            ref = getattr(cal, "reference", None)
            if ref is not None:
                app.reference = lambda: ref

        flow.on_calibrated.append(calibrated)

    @property
    def status_message(self) -> str | None:
        s = self.pipe.status
        return s.message if getattr(s, "state", "ok") == "failed" else None

    def stop(self) -> None:
        self.pipe.stop()


def live_input(camera: int | None, video: str | None, *, calibration: Calibration | None = None,
               hands: bool = False, arms: Sequence[Side] = ("left", "right"),
               menus: ScriptedMenus | None = None) -> Live:
    """Camera or video -> tracking pipeline -> IntentsBuilder, as a game driver.

    `arms` are the arms the game plays with: a hand game passes only the
    affected arm, so tracking cues ask only for that arm and hand (the other
    may be out of the picture) and hand landmarks are looked for only there.
    """
    from vision.intents_builder import IntentsBuilder

    source = open_source(camera, video)
    pipe = start_pipeline(source, hands=hands, arms=arms, pace=bool(video))
    builder = IntentsBuilder(calibration=calibration, hands=hands, arms=arms)
    first: list[int] = []

    def build(frame: BodyFrame) -> Intents:
        if not first:
            first.append(frame.t_ns)
        return builder.build(frame, first[0])

    take: Callable[[float, object], BodyFrame | None] = lambda t, scene: pipe.take()
    driver = LiveDriver(next_frame=take, build=build, menus=menus,
                        is_finished=lambda: pipe.status.state != "ok")
    return Live(pipe=pipe, driver=driver, builder=builder)
