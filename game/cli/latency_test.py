"""`neuroplay latency-test`: measure this machine's webcam latency and keep it for `play`."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import click

from game.cli.errors import UserError
from game.cli.options import data_dir_option


@click.command("latency-test")
@click.option("--camera", type=int, default=None, help="Camera index (default 0).")
@click.option("--video", type=click.Path(dir_okay=False), default=None,
              help="Use a video file as the camera (measures this machine's tracking, not a webcam's).")
@click.option("--seconds", type=click.FloatRange(5.0, 60.0), default=10.0, show_default=True,
              help="How long to move the hand.")
@click.option("--side", type=click.Choice(["left", "right"]), default="right", show_default=True,
              help="The hand to move.")
@click.option("--headless", is_flag=True, help="Never open a window (with --video).")
@data_dir_option
def latency_test(camera: int | None, video: str | None, seconds: float, side: str, headless: bool,
                 data_dir: str | None) -> None:
    """Move a hand quickly left and right while a marker follows it: how late the marker
    is becomes this machine's latency, and `play` widens the time limits by it."""
    from game.latency_selftest import conclude, run_self_test
    from game.loop import RealClock
    from game.players import live_input
    from game.runtime import display_problem, open_surface
    from telemetry.paths import data_dir as data_home

    if camera is not None and video:
        raise UserError("give either --camera or --video, not both")
    if video is not None and not Path(video).is_file():
        raise UserError(f"{video}: no such video file")
    if not video and (problem := display_problem()) is not None:
        raise UserError(f"the speed test with a camera needs a window to show the marker: {problem}")
    live = live_input(camera, video)
    try:
        surface, windowed, note = open_surface(headless)
        if note:
            click.echo(note, err=True)
        # One clock for both paths: monotonic. A camera stamps its frames with it; a video's
        # frames carry media time, played from the pipeline's pace origin.
        def capture_time(frame: Any) -> float:
            origin = live.pipe.pace_origin_ns if video else None
            if origin is None:
                return float(frame.t_ns) / 1e9
            return (origin[1] + frame.t_ns - origin[0]) / 1e9

        samples = run_self_test(live.driver, seconds=seconds, side=side,  # type: ignore[arg-type]
                                clock=RealClock(), surface=surface, window=windowed,
                                capture_time=capture_time, marker_time=time.monotonic)
    finally:
        live.stop()
    source = f"video {Path(video).name}" if video else f"camera {camera or 0}"
    result = conclude(samples, source=source, data_dir=data_home(data_dir))
    click.echo(f"Webcam latency on {result.machine}: {result.ms} ms ({source}, {result.fps:.0f} fps, "
               f"correlation {result.correlation:.2f}); `neuroplay play` widens time limits by it.")
