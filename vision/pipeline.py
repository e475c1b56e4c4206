"""Capture + tracking off the game thread, newest frame wins.

Role: keep the 60 fps game loop free of camera waits and model time. A
worker thread reads the source and runs the tracker; each result goes into a
one-slot `Mailbox`. If the consumer has not taken the previous result it is
replaced (the game wants the newest pose, never a queue of old ones) and
counted in `dropped`. Every delivery carries three monotonic stamps:
capture (right after `read()`), inference done, and taken by the consumer,
so latency is measured, not guessed.

Errors never escape the worker as tracebacks: a `SourceError` (camera
unplugged, cannot open) or any tracker failure becomes `status` =
SourceStatus("failed", one-line message) which the game shows; the clean end
of a file is SourceStatus("ended"). `stop()` ends the worker and closes the
source and tracker; it is safe to call twice.

`LockstepPipeline` is the same contract with no thread (frame N in, result N
out) for tests, headless runs and `neuroplay track`, where every frame
matters more than latency.

Sources that already yield `BodyFrame`s (a `ReplaySource`) need no tracker;
for image sources without one, a `MediaPipeTracker(hands=hands, arms=arms)`
is made in the worker thread: hand landmarks only when the game needs them,
and only for the arms it plays with (a hand game passes the affected arm),
since each arm's hand model costs about as much again as pose. `take()` returns the newest `BodyFrame` (the game loop's
call); `take_delivered()` the same with its timestamps. The camera image is
attached to the frame (`keep_image`, display and the too-dark cue only).
`pace=True` plays files at their recorded speed (a replay or video standing
in for a camera); otherwise they run as fast as tracking allows.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import numpy as np

from vision.bodyframe import BodyFrame
from vision.sources import FrameSource, SourceError, SourceStatus
from vision.trackers import Tracker

if TYPE_CHECKING:
    from typing_extensions import Self  # typing.Self from Python 3.11

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Delivered:
    """One tracked frame as the consumer received it, with its monotonic timestamps (ns)."""

    frame: BodyFrame
    t_capture_ns: int
    t_inferred_ns: int
    t_taken_ns: int

    @property
    def latency_ms(self) -> float:
        """Capture to consumer."""
        return (self.t_taken_ns - self.t_capture_ns) / 1e6

    @property
    def inference_ms(self) -> float:
        return (self.t_inferred_ns - self.t_capture_ns) / 1e6


class Mailbox(Generic[T]):
    """A one-slot, thread-safe box: `put` replaces an untaken item and counts it as dropped."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._item: T | None = None
        self._closed = False
        self.dropped = 0
        self.put_count = 0

    def put(self, item: T) -> bool:
        """Store `item`; True if an untaken item was dropped to make room."""
        with self._cond:
            dropped = self._item is not None
            if dropped:
                self.dropped += 1
            self._item = item
            self.put_count += 1
            self._cond.notify_all()
            return dropped

    def take(self, timeout: float | None = 0.0) -> T | None:
        """The newest item, or None if none arrives within `timeout` s (0 = don't wait, None = forever)."""
        with self._cond:
            if self._item is None and timeout != 0.0 and not self._closed:
                self._cond.wait_for(lambda: self._item is not None or self._closed, timeout=timeout)
            item, self._item = self._item, None
            return item

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()


@dataclass
class PipelineStats:
    captured: int = 0
    tracked: int = 0
    taken: int = 0
    dropped: int = 0
    latencies_ms: list[float] = field(default_factory=list)

    def latency_percentile(self, q: float) -> float:
        return float(np.percentile(self.latencies_ms, q)) if self.latencies_ms else float("nan")


def _pose_t0(item: Any) -> int:
    return item.t_ns if isinstance(item, BodyFrame) else int(item[0])


class _Core:
    """Shared read -> track step of both pipelines."""

    def __init__(self, source: FrameSource, tracker: Tracker | None, keep_image: bool, pace: bool,
                 hands: bool = False, arms: Sequence[str] = ("left", "right")) -> None:
        self.source = source
        self.tracker = tracker
        self.hands = hands
        self.arms = tuple(arms)
        self.keep_image = keep_image
        self.pace = pace
        self.index = 0
        self._pace_origin: tuple[int, int] | None = None  # (media t_ns, wall ns)
        self._closed = False

    def next(self) -> tuple[BodyFrame, int, int] | None:
        """Read and track one frame: (frame, t_capture_ns, t_inferred_ns), None at the end."""
        item = self.source.read()
        if item is None:
            return None
        if self.tracker is None and not isinstance(item, BodyFrame):
            # made here, in the thread that will use it, and BEFORE the pace origin: a file
            # played as a camera must not start a model-load (about a second) behind
            self.tracker = self.make_tracker()
        if self.pace:
            t_media = _pose_t0(item)
            if self._pace_origin is None:
                self._pace_origin = (t_media, time.monotonic_ns())
            due = self._pace_origin[1] + (t_media - self._pace_origin[0])
            delay = (due - time.monotonic_ns()) / 1e9
            if delay > 0:
                time.sleep(delay)
        t_cap = time.monotonic_ns()
        if isinstance(item, BodyFrame):
            frame = item
        else:
            assert self.tracker is not None
            t_ns, image = item
            frame = self.tracker.process(image, int(t_ns), self.index)
            if self.keep_image:
                frame = dataclasses.replace(frame, image=image)
        self.index += 1
        return frame, t_cap, time.monotonic_ns()

    def make_tracker(self) -> Tracker:
        """MediaPipe with hands only if asked, and then only for the arms in play."""
        from vision.trackers import MediaPipeTracker

        return MediaPipeTracker(hands=self.hands, arms=self.arms)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            self.source.close()
        finally:
            if self.tracker is not None:
                self.tracker.close()


class TrackingPipeline:
    """Worker thread + one-slot mailbox. Use as a context manager or call start()/stop()."""

    def __init__(self, source: FrameSource, tracker: Tracker | None = None, *, hands: bool = False,
                 arms: Sequence[str] = ("left", "right"), keep_image: bool = True,
                 pace: bool = False) -> None:
        self._core = _Core(source, tracker, keep_image, pace, hands, arms)
        self.mailbox: Mailbox[tuple[BodyFrame, int, int]] = Mailbox()
        self.stats = PipelineStats()
        self._status = SourceStatus("ok")
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    @property
    def status(self) -> SourceStatus:
        with self._lock:
            return self._status

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _set_status(self, s: SourceStatus) -> None:
        with self._lock:
            self._status = s

    def start(self) -> Self:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="neuroplay-tracking", daemon=True)
            self._thread.start()
        return self

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                got = self._core.next()
                if got is None:
                    self._set_status(SourceStatus("ended", "end of recording"))
                    break
                self.stats.captured += 1
                self.stats.tracked += 1
                self.mailbox.put(got)
        except SourceError as exc:
            self._set_status(SourceStatus("failed", str(exc)))
        except Exception as exc:  # noqa: BLE001 - a crash in capture or model must reach the player as a message
            self._set_status(SourceStatus("failed", f"tracking stopped: {type(exc).__name__}: {exc}"))
        finally:
            self.mailbox.close()

    @property
    def pace_origin_ns(self) -> tuple[int, int] | None:
        """With `pace=True`: (media time, monotonic time) of the first frame played, so a
        file's frame at media time m was "captured" at monotonic origin + (m - media origin)."""
        return self._core._pace_origin

    def take(self, timeout: float | None = 0.0) -> BodyFrame | None:
        """The newest tracked frame, if one arrived since the last take (what the game loop calls)."""
        d = self.take_delivered(timeout)
        return d.frame if d is not None else None

    def take_delivered(self, timeout: float | None = 0.0) -> Delivered | None:
        """Like `take`, with the capture / inference / taken timestamps."""
        got = self.mailbox.take(timeout)
        if got is None:
            return None
        frame, t_cap, t_inf = got
        d = Delivered(frame, t_cap, t_inf, time.monotonic_ns())
        self.stats.taken += 1
        self.stats.dropped = self.mailbox.dropped
        self.stats.latencies_ms.append(d.latency_ms)
        return d

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self.mailbox.close()
        if self._thread is not None:
            self._thread.join(timeout)
        self.stats.dropped = self.mailbox.dropped
        self.mailbox.take(0.0)  # a frame left after stop() is not delivered
        if self._thread is None or not self._thread.is_alive():
            self._core.close()
        with self._lock:
            if self._status.state == "ok":
                self._status = SourceStatus("ended", "stopped")

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class LockstepPipeline:
    """No thread: each `take()` reads and tracks exactly the next frame (nothing dropped)."""

    def __init__(self, source: FrameSource, tracker: Tracker | None = None, *, hands: bool = False,
                 arms: Sequence[str] = ("left", "right"), keep_image: bool = False) -> None:
        self._core = _Core(source, tracker, keep_image, False, hands, arms)
        self.stats = PipelineStats()
        self.status = SourceStatus("ok")

    def take(self, timeout: float | None = None) -> BodyFrame | None:
        """The next tracked frame (None at the end or on a source error; see `status`)."""
        d = self.take_delivered(timeout)
        return d.frame if d is not None else None

    def take_delivered(self, timeout: float | None = None) -> Delivered | None:
        if self.status.state != "ok":
            return None
        try:
            got = self._core.next()
        except SourceError as exc:
            self.status = SourceStatus("failed", str(exc))
            return None
        if got is None:
            self.status = SourceStatus("ended", "end of recording")
            return None
        frame, t_cap, t_inf = got
        d = Delivered(frame, t_cap, t_inf, time.monotonic_ns())
        self.stats.captured += 1
        self.stats.tracked += 1
        self.stats.taken += 1
        self.stats.latencies_ms.append(d.latency_ms)
        return d

    def feed(self, t_ns: int, image: np.ndarray) -> BodyFrame:
        """Track one image given directly (frame N in, result N out)."""
        if self._core.tracker is None:
            self._core.tracker = self._core.make_tracker()
        tracker = self._core.tracker
        frame = tracker.process(image, t_ns, self._core.index)
        self._core.index += 1
        return frame

    def __iter__(self) -> Any:
        """The tracked frames in order."""
        while (f := self.take()) is not None:
            yield f

    def stop(self) -> None:
        self._core.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


# The name the game's live player uses (game/players/live.py).
Pipeline = TrackingPipeline
