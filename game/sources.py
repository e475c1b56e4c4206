"""Recorded input for the demo: a replay (or a tracked video) played on its own clock.

The exercise starts at the recording's first frame and every frame is
played: a frame is delivered once the game clock (time since the exercise
began) reaches its timestamp, so a 20 fps portrait clip and a 30 fps
landscape one both play at their true speed. When the recording ends the
session is stopped (the player has left). Frames become Intents through
vision's IntentsBuilder, the same path as a live camera.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any, Callable

from game.cli.errors import UserError
from game.players import FramesDriver
from game.scenes.exercise import ExerciseScene
from game.script import ScriptedMenus
from vision.bodyframe import BodyFrame
from vision.intents import Intents


def intents_builder(reference: Any = None) -> Callable[[BodyFrame], Intents]:
    """vision.intents_builder.IntentsBuilder's per-frame function."""
    try:
        mod = importlib.import_module("vision.intents_builder")
    except ModuleNotFoundError as exc:
        raise UserError("tracked input needs vision.intents_builder, which is not installed") from exc
    builder = mod.IntentsBuilder(calibration=reference) if reference is not None else mod.IntentsBuilder()
    return builder.build


class TimedFrames:
    """Hands out recorded frames as the game clock reaches their timestamps."""

    def __init__(self, frames: list[BodyFrame]) -> None:
        if not frames:
            raise UserError("the recording has no frames")
        self.frames = frames
        self.t0_ns = frames[0].t_ns
        self.i = 0
        self.start: float | None = None

    @property
    def duration_s(self) -> float:
        return (self.frames[-1].t_ns - self.t0_ns) / 1e9

    @property
    def done(self) -> bool:
        return self.i >= len(self.frames)

    def next(self, t: float, scene: Any) -> BodyFrame | None:
        if not isinstance(scene, ExerciseScene):
            return None
        if self.start is None:
            self.start = t
        newest = None
        while self.i < len(self.frames) and (self.frames[self.i].t_ns - self.t0_ns) / 1e9 <= t - self.start + 1e-9:
            newest = self.frames[self.i]
            self.i += 1
        return newest


class StopAtEnd(FramesDriver):
    """FramesDriver that stops the exercise once the recording is used up."""

    def poll(self, t: float, scene: Any) -> tuple[BodyFrame | None, Intents | None]:
        frame, intents = super().poll(t, scene)
        if self.finished and isinstance(scene, ExerciseScene) and frame is None:
            return None, Intents(t=t, stop=True)
        return frame, intents


@dataclass
class RecordingDriver:
    driver: FramesDriver
    reference: Callable[[], Any] | None
    source: str
    duration_s: float


def recording_driver(*, replay: str | None = None, video: str | None = None,
                     menus: ScriptedMenus | None = None) -> RecordingDriver:
    if replay:
        from vision.replay import ReplayError, load_replay

        try:
            rec = load_replay(replay)
        except ReplayError as exc:
            raise UserError(str(exc)) from None
        frames = list(rec.frames)
        source = "replay"
    else:
        frames = track_video(str(video))
        source = "video"
    timed = TimedFrames(frames)
    ref = _reference_from(frames)
    build = intents_builder(ref)
    driver = StopAtEnd(next_frame=timed.next, build=build, menus=menus, is_finished=lambda: timed.done)
    return RecordingDriver(driver=driver, reference=(lambda: ref) if ref is not None else None,
                           source=source, duration_s=timed.duration_s)


def _reference_from(frames: list[BodyFrame]) -> Any:
    """The body reference of the first frame with a pose (no saved calibration)."""
    from vision.body_model import reference_from_pose

    for f in frames:
        if f.pose is not None:
            try:
                return reference_from_pose(f.pose, f.width, f.height)
            except ValueError:
                continue
    return None


def track_video(path: str) -> list[BodyFrame]:
    """Track a whole video with vision's tracker (every frame, on the video's clock)."""
    try:
        pipeline = importlib.import_module("vision.tracking")
    except ModuleNotFoundError as exc:
        raise UserError("--video needs vision.tracking, which is not installed; use --replay") from exc
    try:
        return list(pipeline.track_video(path))
    except (OSError, ValueError) as exc:
        raise UserError(f"cannot track {path}: {exc}") from None
