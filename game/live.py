"""Live input for `play` and `calibrate`: a camera or video through vision's pipeline.

The tracker runs in vision's worker thread and writes the newest frame into
a one-slot mailbox; the game reads the newest frame each fixed step (never
a queue of stale ones) and builds Intents with vision's IntentsBuilder.
Opening fails with one clear line (exit status 2) when the camera or the
video is missing.
"""

from __future__ import annotations

import importlib
from typing import Any

from game.cli.errors import UserError
from game.players import FramesDriver
from vision.bodyframe import BodyFrame


def open_source(camera: int | None, video: str | None) -> Any:
    from vision.sources import CameraSource, SourceError, VideoSource

    try:
        if video:
            return VideoSource(video)
        return CameraSource(0 if camera is None else camera)
    except SourceError as exc:
        raise UserError(str(exc)) from None
    except (OSError, ValueError) as exc:
        raise UserError(f"cannot open {video or f'camera {camera}'}: {exc}") from None


def start_pipeline(source: Any) -> Any:
    """vision.pipeline.Pipeline over `source`, started (tracking in its worker thread)."""
    try:
        mod = importlib.import_module("vision.pipeline")
    except ModuleNotFoundError as exc:
        source.close()
        raise UserError("live tracking needs vision.pipeline, which is not installed; "
                        "try `neuroplay demo`") from exc
    pipe = mod.Pipeline(source)
    pipe.start()
    return pipe


def newest_frame(pipe: Any) -> Any:
    """The pipeline mailbox's newest frame (None when nothing new)."""
    for name in ("take", "newest", "latest", "get_latest"):
        fn = getattr(pipe, name, None)
        if callable(fn):
            return lambda t, scene: fn()
    raise UserError("vision.pipeline.Pipeline has no way to read its newest frame")


def live_driver(pipe: Any, calibration: Any = None) -> FramesDriver:
    from vision.intents_builder import IntentsBuilder

    builder = IntentsBuilder(calibration=calibration)
    first: list[int] = []

    def build(frame: BodyFrame) -> Any:
        if not first:
            first.append(frame.t_ns)
        return builder.build(frame, first[0])

    return FramesDriver(next_frame=newest_frame(pipe), build=build)
