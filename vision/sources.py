"""Where images come from: webcam, video file (and replays, in vision.replay).

Role: one small Protocol (`FrameSource`) so the tracker and the pipeline
never care whether frames come from a camera or a file. A source either
returns `(t_ns, bgr_image)`, returns None at a clean end, or raises
`SourceError` with a one-line human message ("camera 1 could not be
opened", "camera 0 stopped delivering frames"); it never hangs forever and
never leaks a traceback to the patient.

Video files: timestamps come from the container (CAP_PROP_POS_MSEC), the
frame rate from the file (15-30 fps, never assumed), audio tracks are
ignored, and non-square pixels are corrected: OpenCV decodes the stored
raster and ignores the sample aspect ratio (SAR), so a SAR 3:8 clip would
look 2.67x too wide and every angle would be wrong. Frames are resized to
the display aspect, shrinking one axis (never enlarging) to keep cost low.

Cameras: timestamps are `time.monotonic_ns()` taken right after the read.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol, runtime_checkable

import cv2
import numpy as np


class SourceError(Exception):
    """A source that cannot deliver frames; `str(exc)` is the one-line message to show."""


@dataclass(frozen=True, slots=True)
class SourceStatus:
    """What a consumer shows: "ok", "ended" (clean end of a file) or "failed" (with a message)."""

    state: Literal["ok", "ended", "failed"] = "ok"
    message: str = ""


@runtime_checkable
class FrameSource(Protocol):
    """Images with capture times. `read()` -> (t_ns, BGR uint8 image), None at the end."""

    @property
    def fps(self) -> float: ...

    def read(self) -> tuple[int, np.ndarray] | None: ...

    def close(self) -> None: ...


def sar_corrected_size(width: int, height: int, sar_num: float, sar_den: float) -> tuple[int, int]:
    """Display size for a raster with sample aspect ratio num:den, shrinking one axis."""
    if sar_num <= 0 or sar_den <= 0:
        return width, height
    sar = sar_num / sar_den
    if abs(sar - 1.0) < 1e-3:
        return width, height
    if sar < 1.0:
        return max(1, round(width * sar)), height
    return width, max(1, round(height / sar))


class VideoSource:
    """A video file, decoded in order; optional start offset and length in seconds."""

    def __init__(self, path: str | os.PathLike[str], *, start_s: float = 0.0,
                 max_seconds: float | None = None, max_side: int | None = None) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise SourceError(f"{self.path}: video file not found")
        cap = cv2.VideoCapture(str(self.path))
        if not cap.isOpened():
            cap.release()
            raise SourceError(f"{self.path}: cannot open as a video (unreadable or unsupported format)")
        self._cap = cap
        raw_w = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH))
        raw_h = int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
        if raw_w <= 0 or raw_h <= 0:
            cap.release()
            raise SourceError(f"{self.path}: no video stream in this file")
        self.raw_size = (raw_w, raw_h)
        self.sar = (float(cap.get(cv2.CAP_PROP_SAR_NUM)), float(cap.get(cv2.CAP_PROP_SAR_DEN)))
        w, h = sar_corrected_size(raw_w, raw_h, *self.sar)
        if max_side is not None and max(w, h) > max_side:
            s = max_side / max(w, h)
            w, h = max(1, round(w * s)), max(1, round(h * s))
        self.width, self.height = w, h
        fps = float(cap.get(cv2.CAP_PROP_FPS))
        self._fps = fps if 1.0 <= fps <= 240.0 else 0.0
        self.frame_count = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
        self.start_ns = round(start_s * 1e9)
        self.end_ns = None if max_seconds is None else self.start_ns + round(max_seconds * 1e9)
        self._last_t = -1
        self._closed = False

    @property
    def fps(self) -> float:
        """The container's frame rate (0.0 if the file does not say)."""
        return self._fps

    @property
    def duration_s(self) -> float:
        return self.frame_count / self._fps if self._fps > 0 and self.frame_count > 0 else 0.0

    def _next_raw(self) -> tuple[int, np.ndarray] | None:
        ok, img = self._cap.read()
        if not ok or img is None:
            return None
        t_ms = float(self._cap.get(cv2.CAP_PROP_POS_MSEC))
        t = round(t_ms * 1e6)
        if t <= self._last_t:  # some containers repeat or omit stamps; keep time moving forward
            step = int(1e9 / self._fps) if self._fps > 0 else 1
            t = self._last_t + step
        self._last_t = t
        return t, img

    def read(self) -> tuple[int, np.ndarray] | None:
        if self._closed:
            return None
        while True:
            got = self._next_raw()
            if got is None:
                return None
            t, img = got
            if t + 500_000 < self.start_ns:  # half a millisecond of slack for rounding
                continue
            if self.end_ns is not None and t >= self.end_ns:
                return None
            if (img.shape[1], img.shape[0]) != (self.width, self.height):
                img = cv2.resize(img, (self.width, self.height), interpolation=cv2.INTER_AREA)
            return t, img

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._cap.release()

    def __iter__(self) -> Iterator[tuple[int, np.ndarray]]:
        while (item := self.read()) is not None:
            yield item

    def __enter__(self) -> VideoSource:  # noqa: PYI034 (typing.Self needs Python 3.11)
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class CameraSource:
    """A webcam by index (0, 1, ...) or device path; fails with a message, never hangs.

    A read that delivers nothing for `stall_timeout_s` seconds raises
    `SourceError("camera ... stopped delivering frames")`.
    """

    def __init__(self, device: int | str = 0, *, width: int | None = 640, height: int | None = 480,
                 stall_timeout_s: float = 3.0) -> None:
        self.device = device
        self.name = f"camera {device}"
        if isinstance(device, str) and not device.isdigit() and not Path(device).exists():
            raise SourceError(f"{self.name}: no such camera device")
        dev: int | str = int(device) if isinstance(device, str) and device.isdigit() else device
        cap = cv2.VideoCapture(dev)
        if not cap.isOpened():
            cap.release()
            raise SourceError(f"{self.name} could not be opened (not connected, or in use by another program)")
        if width:
            cap.set(cv2.CAP_PROP_FRAME_WIDTH, width)
        if height:
            cap.set(cv2.CAP_PROP_FRAME_HEIGHT, height)
        self._cap = cap
        fps = float(cap.get(cv2.CAP_PROP_FPS))
        self._fps = fps if 1.0 <= fps <= 240.0 else 30.0
        self.stall_timeout_s = stall_timeout_s
        self._closed = False

    @property
    def fps(self) -> float:
        return self._fps

    def read(self) -> tuple[int, np.ndarray] | None:
        if self._closed:
            return None
        deadline = time.monotonic() + self.stall_timeout_s
        while True:
            ok, img = self._cap.read()
            if ok and img is not None:
                return time.monotonic_ns(), img
            if time.monotonic() >= deadline:
                raise SourceError(f"{self.name} stopped delivering frames (unplugged or taken by another program?)")
            time.sleep(0.02)

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._cap.release()

    def __iter__(self) -> Iterator[tuple[int, np.ndarray]]:
        while (item := self.read()) is not None:
            yield item


class ArraySource:
    """Images already in memory, with timestamps at a fixed rate (tests, benchmarks)."""

    def __init__(self, images: list[np.ndarray], fps: float, *, t0_ns: int = 0) -> None:
        if fps <= 0:
            raise ValueError("fps must be positive")
        self.images = images
        self._fps = fps
        self.t0_ns = t0_ns
        self._i = 0

    @property
    def fps(self) -> float:
        return self._fps

    def read(self) -> tuple[int, np.ndarray] | None:
        if self._i >= len(self.images):
            return None
        t = self.t0_ns + round(self._i * 1e9 / self._fps)
        img = self.images[self._i]
        self._i += 1
        return t, img

    def close(self) -> None:
        self._i = len(self.images)


def open_camera_or_video(spec: str, **kwargs: object) -> VideoSource | CameraSource:
    """"0", "1", "/dev/video0" -> camera; anything else -> a video file."""
    if spec.isdigit() or spec.startswith("/dev/video"):
        return CameraSource(spec)
    return VideoSource(spec, **kwargs)  # type: ignore[arg-type]
