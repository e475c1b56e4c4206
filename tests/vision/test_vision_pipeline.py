"""Pipeline: newest frame wins (stale ones dropped and counted), errors become a status."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import pytest

from vision.bodyframe import BodyFrame
from vision.pipeline import LockstepPipeline, Mailbox, TrackingPipeline
from vision.replay import ReplaySource, write_replay
from vision.sources import CameraSource, SourceError, SourceStatus, VideoSource


def _replay(tmp_path: Path, n: int) -> Path:
    frames = [BodyFrame(i, i * 50_000_000, 64, 48, pose=np.full((33, 4), i / n, np.float32)) for i in range(n)]
    return write_replay(tmp_path / "r.npz", frames, fps=20.0)


def _wait(pipe: TrackingPipeline) -> None:
    deadline = time.monotonic() + 30
    while pipe.status.state == "ok" and time.monotonic() < deadline:
        time.sleep(0.005)


def test_mailbox_keeps_the_newest_and_counts_drops() -> None:
    box: Mailbox[int] = Mailbox()
    assert box.take() is None
    assert box.put(1) is False
    assert box.put(2) is True and box.put(3) is True
    assert box.take() == 3 and box.dropped == 2
    assert box.take() is None
    got: list[int | None] = []
    t = threading.Thread(target=lambda: got.append(box.take(timeout=10)))
    t.start()
    box.put(7)
    t.join(10)
    assert got == [7]


def test_unread_frames_are_dropped_and_counted(tmp_path: Path) -> None:
    pipe = TrackingPipeline(ReplaySource(_replay(tmp_path, 40))).start()
    _wait(pipe)  # the consumer takes nothing while the worker runs through all 40 frames
    assert pipe.status.state == "ended"
    d = pipe.take_delivered()
    assert d is not None and d.frame.index == 39  # the newest
    assert pipe.take() is None
    pipe.stop()
    assert pipe.stats.dropped == 39 and pipe.stats.captured == 40 and pipe.stats.taken == 1
    assert d.t_capture_ns <= d.t_inferred_ns <= d.t_taken_ns


def test_a_paced_consumer_gets_every_frame_in_order(tmp_path: Path) -> None:
    with TrackingPipeline(ReplaySource(_replay(tmp_path, 6)), pace=True) as pipe:
        seen = []
        while len(seen) < 6:
            f = pipe.take(timeout=5)
            assert f is not None
            seen.append(f.index)
    assert seen == list(range(6)) and pipe.stats.dropped == 0


class _DyingCamera:
    """A camera that delivers three frames and then stops, as an unplugged one does."""

    fps = 30.0

    def __init__(self) -> None:
        self.n = 0
        self.closed = False

    def read(self) -> tuple[int, np.ndarray] | None:
        self.n += 1
        if self.n > 3:
            raise SourceError("camera 0 stopped delivering frames (unplugged or taken by another program?)")
        return self.n * 33_000_000, np.zeros((48, 64, 3), np.uint8)

    def close(self) -> None:
        self.closed = True


class _EchoTracker:
    hands = False

    def process(self, image: np.ndarray, t_ns: int, index: int) -> BodyFrame:
        return BodyFrame(index, t_ns, image.shape[1], image.shape[0])

    def close(self) -> None:
        pass


def test_camera_stopping_mid_run_becomes_a_status_not_a_hang() -> None:
    cam = _DyingCamera()
    pipe = TrackingPipeline(cam, _EchoTracker()).start()
    _wait(pipe)
    assert pipe.status.state == "failed"
    assert pipe.status.message == "camera 0 stopped delivering frames (unplugged or taken by another program?)"
    assert pipe.take(timeout=1.0) is not None  # the last good frame is still there
    assert pipe.take(timeout=1.0) is None  # closed mailbox: returns at once, no hang
    pipe.stop()
    assert cam.closed

    lock = LockstepPipeline(_DyingCamera(), _EchoTracker())
    assert [f.index for f in lock] == [0, 1, 2]
    assert lock.status.state == "failed" and "stopped delivering" in lock.status.message


def test_camera_that_cannot_be_opened_says_so() -> None:
    with pytest.raises(SourceError, match=r"^camera 9 could not be opened"):
        CameraSource(9)
    with pytest.raises(SourceError, match="no such camera device"):
        CameraSource("/dev/video-missing")


def test_lockstep_gives_frame_n_for_input_n() -> None:
    lock = LockstepPipeline(_DyingCamera(), _EchoTracker())
    f = lock.feed(123, np.zeros((10, 20, 3), np.uint8))
    assert (f.index, f.t_ns, f.width, f.height) == (0, 123, 20, 10)
    f = lock.feed(456, np.zeros((10, 20, 3), np.uint8))
    assert (f.index, f.t_ns) == (1, 456)


class _StalledCapture:
    """What cv2.VideoCapture does when a webcam is unplugged: read() fails, forever."""

    def read(self) -> tuple[bool, None]:
        return False, None

    def release(self) -> None:
        pass


def test_a_camera_that_stops_delivering_raises_instead_of_hanging() -> None:
    cam = CameraSource.__new__(CameraSource)  # a real CameraSource around a stalled capture
    cam.name, cam._cap, cam._fps, cam.stall_timeout_s, cam._closed = "camera 0", _StalledCapture(), 30.0, 0.05, False
    with pytest.raises(SourceError, match=r"^camera 0 stopped delivering frames"):
        cam.read()
    pipe = TrackingPipeline(cam, _EchoTracker()).start()
    _wait(pipe)
    assert pipe.status == SourceStatus("failed", "camera 0 stopped delivering frames "
                                                 "(unplugged or taken by another program?)")
    pipe.stop()


def test_threaded_pipeline_tracks_a_real_video(test_data: Path) -> None:
    src = VideoSource(test_data / "mediapipe_docs_pose_segmentation.mp4", max_seconds=1.0, max_side=320)
    pipe = TrackingPipeline(src, pace=True).start()  # default tracker, made in the worker
    got = []
    while pipe.status.state == "ok" or pipe.mailbox.put_count > len(got) + pipe.mailbox.dropped:
        f = pipe.take(timeout=0.5)
        if f is not None:
            got.append(f)
    pipe.stop()
    pipe.stop()  # twice is fine
    assert pipe.status.state == "ended"
    assert len(got) + pipe.stats.dropped == 20
    assert sum(f.pose is not None for f in got) >= 0.9 * len(got)
    assert all(f.image is not None and f.image.shape == (320, 320, 3) for f in got)  # for display
    assert all(lat > 0 for lat in pipe.stats.latencies_ms)


def test_stopping_mid_run_ends_cleanly_and_twice_is_fine(tmp_path: Path) -> None:
    pipe = TrackingPipeline(ReplaySource(_replay(tmp_path, 200)), pace=True).start()
    assert pipe.take(timeout=5) is not None
    pipe.stop()
    assert not pipe.running
    assert pipe.status == SourceStatus("ended", "stopped")
    pipe.stop()
    assert pipe.take() is None
