"""Recorded input for the demo (`demo --replay` / `--video`): a replay (or a tracked video) played on its own clock.

The exercise starts at the recording's first frame and every frame is
played: a frame is delivered once the game clock (time since the exercise
began) reaches its timestamp, so a 20 fps portrait clip and a 30 fps
landscape one both play at their true speed. When the recording ends the
session is stopped (the player has left). Frames become Intents through
vision's IntentsBuilder, the same path as a live camera.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from game.errors import UserError
from game.players.frames import ClockedFrames, FramesDriver
from game.players.script import ScriptedMenus
from game.scenes.exercise import ExerciseScene
from vision.bodyframe import BodyFrame
from vision.calibration import Calibration, Side

if TYPE_CHECKING:
    from vision.body_model import BodyReference
    from vision.replay import Replay
from vision.intents import Intents


def intents_builder(calibration: Calibration | None = None, *, hands: bool = False,
                    arms: Sequence[Side] = ("left", "right")) -> Callable[[BodyFrame, int], Intents]:
    """vision.intents_builder.IntentsBuilder's per-frame function for this calibration.

    `hands`: fill pinch/grasp from hand landmarks (dexterity games); `arms`: the arms whose
    visibility (and hand) tracking must see, so a resting hand out of view does not pause.
    """
    from vision.intents_builder import IntentsBuilder

    return IntentsBuilder(calibration=calibration, hands=hands, arms=arms).build


PROBE_S = 1.0  # how much of a recording's start may set its default calibration


def calibration_for(frames: list[BodyFrame], saved: Mapping[str, Any] | None = None, *,
                    probe_s: float = PROBE_S) -> Calibration:
    """The saved calibration (a stored mapping), else a default from the recording's start.

    The default takes the frame, among the first `probe_s` seconds, whose shoulders look
    widest: a person turned side-on shows narrow shoulders, and a body unit taken from
    them would make every movement look too large (targets out of reach, trunk
    'leaning' all the time). The widest is the most frontal view.
    """
    from vision.body_model import shoulder_width_px
    from vision.calibration import Calibration

    if saved:
        try:
            return Calibration.from_dict(saved)
        except (KeyError, TypeError, ValueError):
            pass
    posed = [f for f in frames if f.pose is not None]
    if posed:
        t0 = posed[0].t_ns
        early = [f for f in posed if (f.t_ns - t0) / 1e9 <= probe_s + 1e-9]
        for f in sorted(early, key=lambda f: -shoulder_width_px(f.pose, f.width, f.height)
                        if f.pose is not None else 0.0):
            try:
                return Calibration.default(f.width, f.height, pose=f.pose, pose_world=f.pose_world)
            except ValueError:
                continue
    f0 = frames[0]
    return Calibration.default(f0.width, f0.height)


class StopAtEnd(FramesDriver):
    """FramesDriver that stops the exercise once the recording is used up, with the
    reason `end_reason` ("video_ended" / "replay_ended"), not the player's stop."""

    end_reason = "video_ended"

    def poll(self, t: float, scene: object) -> tuple[BodyFrame | None, Intents | None]:
        frame, intents = super().poll(t, scene)
        if self.finished and isinstance(scene, ExerciseScene) and frame is None:
            return None, Intents(t=t, stop=True, stop_reason=self.end_reason)
        return frame, intents


@dataclass
class RecordingDriver:
    driver: FramesDriver
    reference: Callable[[], BodyReference] | None
    source: str
    duration_s: float
    calibration: Calibration | None = None
    close: Callable[[], None] = lambda: None


def recording_driver(*, replay: str | Replay | None = None, video: str | None = None,
                     menus: ScriptedMenus | None = None,
                     saved_calibration: Mapping[str, Any] | None = None,
                     hands: bool = False, arms: Sequence[Side] = ("left", "right")) -> RecordingDriver:
    if not replay:
        return video_driver(str(video), menus=menus, saved_calibration=saved_calibration, hands=hands, arms=arms)
    from vision.replay import Replay, ReplayError, load_replay

    try:  # a Replay already loaded (and so validated) by the caller, or its path
        rec = replay if isinstance(replay, Replay) else load_replay(replay)
    except ReplayError as exc:
        raise UserError(str(exc)) from None
    frames = list(rec.frames)
    if not frames:
        raise UserError("the recording has no frames")
    timed = ClockedFrames.of(frames)
    cal = calibration_for(frames, saved_calibration)
    build = intents_builder(cal, hands=hands, arms=arms)
    t0 = timed.t0_ns

    def build_from_start(frame: BodyFrame) -> Intents:
        return build(frame, t0)

    driver = StopAtEnd(next_frame=timed.next, build=build_from_start, menus=menus,
                       is_finished=lambda: timed.done)
    driver.end_reason = "replay_ended"
    return RecordingDriver(driver=driver, reference=lambda: cal.reference, source="replay",
                           duration_s=(frames[-1].t_ns - t0) / 1e9, calibration=cal)


def video_driver(path: str, *, menus: ScriptedMenus | None = None,
                 saved_calibration: Mapping[str, Any] | None = None, hands: bool = False,
                 arms: Sequence[Side] = ("left", "right")) -> RecordingDriver:
    """`demo --video`: track the video frame by frame as the session plays it."""
    from vision.pipeline import LockstepPipeline
    from vision.sources import SourceError, VideoSource

    try:
        source = VideoSource(path, max_side=960)
    except SourceError as exc:
        raise UserError(str(exc)) from None
    duration = source.duration_s
    pipe = LockstepPipeline(source, keep_image=True, hands=hands, arms=arms)  # hands: the dexterity games
    first = pipe.take()
    if first is None:
        pipe.stop()
        raise UserError(f"{path}: no frame could be read ({pipe.status.message or 'empty video'})")
    streamed = ClockedFrames(first, pipe.take)  # tracked one by one: nothing dropped
    cal = calibration_for(streamed.probe(PROBE_S), saved_calibration)
    build = intents_builder(cal, hands=hands, arms=arms)

    def build_from_start(frame: BodyFrame) -> Intents:
        return build(frame, streamed.t0_ns)

    driver = StopAtEnd(next_frame=streamed.next, build=build_from_start, menus=menus,
                       is_finished=lambda: streamed.done)
    return RecordingDriver(driver=driver, reference=lambda: cal.reference, source="video",
                           duration_s=duration or 600.0, calibration=cal, close=pipe.stop)
