"""`FramesDriver`: tracked BodyFrames (a camera, a replay, a video or the virtual
patient) made into Intents by vision's IntentsBuilder, the camera's path; an
optional `frame_filter` (mirror therapy) runs first. `ClockedFrames` is the one
loop that hands out recorded frames as the game clock reaches their timestamps.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from game.players.script import ScriptedMenus
from game.scenes.exercise import ExerciseScene
from vision.bodyframe import BodyFrame
from vision.intents import Intents


@dataclass
class FramesDriver:
    """Tracked frames -> Intents through `build` (vision's IntentsBuilder.build or equivalent).

    `next_frame(t, scene)` returns the newest frame at game time `t` (None if
    none is new); `menus` answers the menu scenes when there is no real person.
    """

    next_frame: Callable[[float, object], BodyFrame | None]
    build: Callable[[BodyFrame], Intents]
    menus: ScriptedMenus | None = None
    is_finished: Callable[[], bool] = lambda: False
    last: Intents | None = None
    last_frame: BodyFrame | None = None
    frame_filter: Callable[[BodyFrame], BodyFrame] | None = None
    _new: BodyFrame | None = None

    @property
    def finished(self) -> bool:
        return self.is_finished()

    def take_new_frame(self) -> BodyFrame | None:
        """The frame delivered by the latest poll, once (for the calibration procedure)."""
        f, self._new = self._new, None
        return f

    def poll(self, t: float, scene: object) -> tuple[BodyFrame | None, Intents | None]:
        if self.menus is not None:
            menu = self.menus.intents(t, 1 / 60, scene)
            if menu is not None:
                return None, menu
        frame = self.next_frame(t, scene)
        if frame is not None and self.frame_filter is not None:
            frame = self.frame_filter(frame)  # e.g. the mirror-therapy transform of the landmarks
        self._new = frame
        if frame is not None:
            self.last_frame = frame
            self.last = self.build(frame)
        return frame, self.last


class ClockedFrames:
    """Frames handed out as the game clock reaches their timestamps, every one played.

    The clock starts at the exercise's first step (menus and calibration do not
    use up the recording); a poll returns the newest frame whose time has come
    and consumes all up to it, so a 20 fps portrait clip and a 30 fps landscape
    one both play at their true speed. `take()` gives the next frame (None at
    the end): a list's next item, or the next frame tracked from a video.
    """

    def __init__(self, first: BodyFrame, take: Callable[[], BodyFrame | None]) -> None:
        self.t0_ns = first.t_ns
        self._pending: BodyFrame | None = first
        self._take = take
        self._ahead: list[BodyFrame] = []  # read by `probe`, played in order
        self.start: float | None = None

    @classmethod
    def of(cls, frames: list[BodyFrame]) -> ClockedFrames:
        """Over frames already in memory (a replay)."""
        rest = iter(frames[1:])
        return cls(frames[0], lambda: next(rest, None))

    def probe(self, seconds: float) -> list[BodyFrame]:
        """The first `seconds` of frames, read ahead (they are still played later)."""
        frames = [self._pending] if self._pending is not None else []
        while frames and (frames[-1].t_ns - self.t0_ns) / 1e9 < seconds:
            nxt = self._next()
            if nxt is None:
                break
            frames.append(nxt)
        self._ahead = frames[1:]
        return frames

    def _next(self) -> BodyFrame | None:
        return self._ahead.pop(0) if self._ahead else self._take()

    @property
    def done(self) -> bool:
        return self._pending is None

    def next(self, t: float, scene: object) -> BodyFrame | None:
        if not isinstance(scene, ExerciseScene):
            return None
        if self.start is None:
            self.start = t
        newest = None
        while self._pending is not None and \
                (self._pending.t_ns - self.t0_ns) / 1e9 <= t - self.start + 1e-9:
            newest = self._pending
            self._pending = self._next()
        return newest
