"""Recorded input for the demo: a replay (or a tracked video) played on its own clock.

The exercise starts at the recording's first frame and every frame is
played: a frame is delivered once the game clock (time since the exercise
began) reaches its timestamp, so a 20 fps portrait clip and a 30 fps
landscape one both play at their true speed. When the recording ends the
session is stopped (the player has left). Frames become Intents through
vision's IntentsBuilder, the same path as a live camera.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from game.errors import UserError
from game.players import FramesDriver
from game.scenes.exercise import ExerciseScene
from game.script import ScriptedMenus
from vision.bodyframe import BodyFrame
from vision.intents import Intents


def intents_builder(calibration: Any = None, *, hands: bool = False,
                    arms: tuple[str, ...] = ("left", "right")) -> Callable[[BodyFrame], Intents]:
    """vision.intents_builder.IntentsBuilder's per-frame function for this calibration.

    `hands`: fill pinch/grasp from hand landmarks (dexterity games); `arms`: the arms whose
    visibility (and hand) tracking must see, so a resting hand out of view does not pause.
    """
    from vision.intents_builder import IntentsBuilder

    return IntentsBuilder(calibration=calibration, hands=hands, arms=arms).build  # type: ignore[arg-type]


PROBE_S = 1.0  # how much of a recording's start may set its default calibration


def calibration_for(frames: list[BodyFrame], saved: Any = None, *, probe_s: float = PROBE_S) -> Any:
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
        for f in sorted(early, key=lambda f: -shoulder_width_px(f.pose, f.width, f.height)):
            try:
                return Calibration.default(f.width, f.height, pose=f.pose, pose_world=f.pose_world)
            except ValueError:
                continue
    f0 = frames[0]
    return Calibration.default(f0.width, f0.height)


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
    """FramesDriver that stops the exercise once the recording is used up, with the
    reason `end_reason` ("video_ended" / "replay_ended"), not the player's stop."""

    end_reason = "video_ended"

    def poll(self, t: float, scene: Any) -> tuple[BodyFrame | None, Intents | None]:
        frame, intents = super().poll(t, scene)
        if self.finished and isinstance(scene, ExerciseScene) and frame is None:
            return None, Intents(t=t, stop=True, stop_reason=self.end_reason)
        return frame, intents


@dataclass
class RecordingDriver:
    driver: FramesDriver
    reference: Callable[[], Any] | None
    source: str
    duration_s: float
    calibration: Any = None
    close: Callable[[], None] = lambda: None


def recording_driver(*, replay: str | Any = None, video: str | None = None,
                     menus: ScriptedMenus | None = None, saved_calibration: Any = None,
                     hands: bool = False, arms: tuple[str, ...] = ("left", "right")) -> RecordingDriver:
    if not replay:
        return video_driver(str(video), menus=menus, saved_calibration=saved_calibration, hands=hands, arms=arms)
    from vision.replay import Replay, ReplayError, load_replay

    try:  # a Replay already loaded (and so validated) by the caller, or its path
        rec = replay if isinstance(replay, Replay) else load_replay(replay)
    except ReplayError as exc:
        raise UserError(str(exc)) from None
    frames = list(rec.frames)
    source = "replay"
    timed = TimedFrames(frames)
    cal = calibration_for(frames, saved_calibration)
    build = intents_builder(cal, hands=hands, arms=arms)
    t0 = timed.t0_ns

    def build_from_start(frame: BodyFrame) -> Intents:
        return build(frame, t0)

    driver = StopAtEnd(next_frame=timed.next, build=build_from_start, menus=menus,
                       is_finished=lambda: timed.done)
    driver.end_reason = "replay_ended"
    return RecordingDriver(driver=driver, reference=lambda: cal.reference, source=source,
                           duration_s=timed.duration_s, calibration=cal)


class StreamedFrames:
    """Frames tracked one by one (vision's LockstepPipeline) as the game clock reaches them.

    Nothing is dropped: each poll tracks every frame whose timestamp has come,
    so a headless run plays every frame of the video; the camera image stays
    attached for display only (never stored).
    """

    def __init__(self, pipe: Any, first: BodyFrame) -> None:
        self.pipe = pipe
        self.t0_ns = first.t_ns
        self._buffered: list[BodyFrame] = []  # tracked ahead by `probe`, played in order
        self._pending: BodyFrame | None = first
        self.start: float | None = None

    def probe(self, seconds: float) -> list[BodyFrame]:
        """Track the first `seconds` of the video ahead (they are played later as usual)."""
        frames = [self._pending] if self._pending is not None else []
        while frames and (frames[-1].t_ns - self.t0_ns) / 1e9 < seconds:
            nxt = self.pipe.take()
            if nxt is None:
                break
            frames.append(nxt)
        self._buffered = frames[1:]
        return frames

    def _take(self) -> BodyFrame | None:
        return self._buffered.pop(0) if self._buffered else self.pipe.take()

    @property
    def done(self) -> bool:
        return self._pending is None

    def next(self, t: float, scene: Any) -> BodyFrame | None:
        if not isinstance(scene, ExerciseScene):
            return None
        if self.start is None:
            self.start = t
        newest = None
        while self._pending is not None and \
                (self._pending.t_ns - self.t0_ns) / 1e9 <= t - self.start + 1e-9:
            newest = self._pending
            self._pending = self._take()
        return newest


def video_driver(path: str, *, menus: ScriptedMenus | None = None,
                 saved_calibration: Any = None, hands: bool = False,
                 arms: tuple[str, ...] = ("left", "right")) -> RecordingDriver:
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
    streamed = StreamedFrames(pipe, first)
    cal = calibration_for(streamed.probe(PROBE_S), saved_calibration)
    build = intents_builder(cal, hands=hands, arms=arms)

    def build_from_start(frame: BodyFrame) -> Intents:
        return build(frame, streamed.t0_ns)

    driver = StopAtEnd(next_frame=streamed.next, build=build_from_start, menus=menus,
                       is_finished=lambda: streamed.done)
    return RecordingDriver(driver=driver, reference=lambda: cal.reference, source="video",
                           duration_s=duration or 600.0, calibration=cal, close=pipe.stop)


@dataclass
class MirroredGoal:
    """What a mirror-therapy patient does: move the UNAFFECTED hand to the mirror image
    of the goal (the mirrored landmarks then carry it to the affected side)."""

    scene: Any

    def player_goal(self) -> Any:
        from dataclasses import replace as dc_replace

        from exercises.virtual_patient import HandGoal, ReachGoal, goal_for

        goal = goal_for(self.scene)
        other = {"left": "right", "right": "left"}
        if isinstance(goal, ReachGoal):
            return ReachGoal(other[goal.side], -goal.x, goal.y)  # type: ignore[arg-type]
        if isinstance(goal, HandGoal):
            return dc_replace(goal, side=other[goal.side], x=None if goal.x is None else -goal.x)
        return goal


@dataclass
class VirtualPatientDriver:
    driver: FramesDriver
    source: str
    procedure_factory: Callable[[], Any]
    on_app: Callable[[Any, Any], None]


def virtual_patient_driver(seed: int, affected: str = "right", *, hands: bool = False) -> VirtualPatientDriver:
    """The demo's player: exercises.virtual_patient over the bundled recording.

    Its frames go through IntentsBuilder exactly like a camera's; it is
    calibrated by vision's CalibrationProcedure like a patient, and from then
    on the builder and the screen transform use that calibration.
    """
    from exercises.virtual_patient import VirtualPatient
    from vision.calibration import CalibrationProcedure
    from vision.intents_builder import IntentsBuilder

    hand_model = None
    if hands:  # the dexterity games need hand landmarks: the dexterity engineer's hand model
        from exercises.virtual_hands import VirtualHands

        hand_model = VirtualHands(seed)
    vp = VirtualPatient.for_demo(seed, hand_model=hand_model)
    builder = IntentsBuilder(hands=hands)

    def next_frame(t: float, scene: Any) -> BodyFrame | None:
        mt = getattr(driver.frame_filter, "__self__", None)  # the session's MirrorTransform
        mirrored = mt is not None and getattr(mt, "enabled", False)
        return vp.poll_frame(t, watching=MirroredGoal(scene) if mirrored else scene)

    # "both": the menus' hand is the right one; calibration measures both arms.
    driver = FramesDriver(next_frame=next_frame, build=builder.build,
                          menus=ScriptedMenus(side="left" if affected == "left" else "right"))
    arms = ("left", "right") if affected == "both" else (affected,)

    def on_app(app: Any, flow: Any) -> None:
        def calibrated(cal: Any) -> None:
            builder.calibration = cal
            builder.reset()
            ref = getattr(cal, "reference", None)
            if ref is not None:
                app.reference = lambda: ref

        flow.on_calibrated.append(calibrated)

    return VirtualPatientDriver(
        driver=driver, source="virtual_patient",
        procedure_factory=lambda: CalibrationProcedure(sides=arms),  # type: ignore[arg-type]
        on_app=on_app)
