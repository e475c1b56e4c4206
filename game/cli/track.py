"""`neuroplay track VIDEO --out FILE`: track a video file into a landmark replay.

Thin layer over vision: `VideoSource` (container fps and timestamps, SAR
corrected) -> `LockstepPipeline` with a `MediaPipeTracker` (every frame,
nothing dropped) -> `write_replay` (atomic). Bad input is one line naming
the file, exit status 2, and no output file is left behind.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import click

from game.cli.errors import UserError


def _is_camera(spec: str) -> bool:
    return spec.isdigit() or spec.startswith("/dev/video")


@click.command()
@click.argument("video", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Replay file to write (.npz).")
@click.option("--hands", is_flag=True, help="Also track hand landmarks (slower; for dexterity games).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of text.")
@click.option("--max-seconds", type=click.FloatRange(min=0.0, min_open=True), default=None,
              help="Track at most this many seconds of video.")
@click.option("--start-seconds", type=click.FloatRange(min=0.0), default=0.0,
              help="Skip this many seconds at the start of the video.")
@click.option("--max-side", type=click.IntRange(min=64), default=None,
              help="Downscale frames so the longer side is at most this many pixels.")
def track(video: Path, out: Path, hands: bool, as_json: bool, max_seconds: float | None,
          start_seconds: float, max_side: int | None) -> None:
    """Track VIDEO with MediaPipe and save the landmarks (never the video) as a replay.

    VIDEO may also be a camera ("0", "/dev/video0"); then --max-seconds is required.
    """
    from vision.replay import ReplayError, write_replay

    if out.suffix.lower() != ".npz":
        raise UserError(f"{out}: replay files end in .npz")
    if not _is_camera(str(video)) and out.resolve() == video.resolve():
        raise UserError(f"{out}: would overwrite the input video")
    source, camera, expected_s = _open_source(video, max_seconds, start_seconds, max_side)
    t0 = time.perf_counter()
    frames, status = _track_frames(source, hands=hands, camera=camera, expected_s=expected_s,
                                   quiet=as_json)
    elapsed = time.perf_counter() - t0
    if status.state == "failed":
        raise UserError(f"{video}: {status.message}")
    if not frames:
        raise UserError(f"{video}: no frames could be read"
                        + (" in the requested time span" if start_seconds or max_seconds else ""))
    video_fps = source.fps
    if camera and len(frames) > 1:  # what the camera really delivered, not what it claims
        video_fps = (len(frames) - 1) / ((frames[-1].t_ns - frames[0].t_ns) / 1e9)
    try:
        write_replay(out, frames, source=video.name, fps=video_fps, hands=hands,
                     extra={"start_s": start_seconds, "max_side": max_side})
    except ReplayError as exc:
        raise UserError(str(exc)) from None
    detected = sum(f.pose is not None for f in frames)
    summary = {
        "video": str(video), "out": str(out), "frames": len(frames), "detected_frames": detected,
        "detection_rate": detected / len(frames), "fps": len(frames) / elapsed if elapsed > 0 else 0.0,
        "video_fps": video_fps, "hands": hands,
        "hand_frames": sum(bool(f.hands) for f in frames), "width": frames[0].width,
        "height": frames[0].height, "seconds": (frames[-1].t_ns - frames[0].t_ns) / 1e9,
    }
    if as_json:
        click.echo(json.dumps(summary))
        return
    _print_summary(summary, video, out)


def _track_frames(source: Any, *, hands: bool, camera: bool, expected_s: float,
                  quiet: bool) -> tuple[list[Any], Any]:
    """Every frame of `source` tracked in lockstep (a camera: `expected_s` of it), with a
    progress bar unless `quiet`; the frames and the pipeline's final status."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    from vision.pipeline import LockstepPipeline
    from vision.trackers import MediaPipeTracker

    total = round(expected_s * source.fps) if source.fps and expected_s > 0 else None
    frames = []
    with LockstepPipeline(source, MediaPipeTracker(hands=hands)) as pipe:
        with Progress(TextColumn("tracking"), BarColumn(), TextColumn("{task.completed} frames"),
                      TimeRemainingColumn(), transient=True, disable=quiet) as progress:
            task = progress.add_task("track", total=total)
            for frame in pipe:
                frames.append(frame)
                progress.advance(task)
                if camera and (frame.t_ns - frames[0].t_ns) / 1e9 >= expected_s:
                    break
        return frames, pipe.status


def _open_source(video: Path, max_seconds: float | None, start_seconds: float,
                 max_side: int | None) -> tuple[Any, bool, float]:
    """The video (or camera) to track, whether it is a camera, and the seconds expected
    from it (0 when unknown): a source that will not open is one line."""
    from vision.sources import CameraSource, SourceError, VideoSource

    camera = _is_camera(str(video))
    source: VideoSource | CameraSource
    try:
        if camera:
            if max_seconds is None:
                raise UserError(f"camera {video}: give --max-seconds to say how long to record")
            source = CameraSource(str(video))
        else:
            source = VideoSource(video, start_s=start_seconds, max_seconds=max_seconds, max_side=max_side)
    except SourceError as exc:
        raise UserError(str(exc)) from None
    if camera:
        expected_s = float(max_seconds or 0.0)
    else:
        expected_s = source.duration_s - start_seconds if source.duration_s else 0.0
        if max_seconds is not None:
            expected_s = min(expected_s, max_seconds) if expected_s > 0 else max_seconds
    return source, camera, expected_s


def _print_summary(summary: dict[str, Any], video: Path, out: Path) -> None:
    video_fps, detected, frames = summary["video_fps"], summary["detected_frames"], summary["frames"]
    hands = summary["hands"]
    click.echo(f"Tracked {summary['frames']} frames of {video.name} ({summary['width']}x{summary['height']}, "
               f"{video_fps:.2f} fps video) -> {out}")
    click.echo(f"Pose found in {detected}/{frames} frames ({summary['detection_rate']:.1%}); "
               f"processing {summary['fps']:.1f} fps"
               + (f"; hands in {summary['hand_frames']} frames" if hands else ""))
