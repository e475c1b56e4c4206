"""`neuroplay assess VIDEO|REPLAY`: measure a whole recording, with no game.

For a therapist who receives a patient's video or a home session's landmark
replay: every frame is tracked and counted (no check-ins, no pauses, no
framing cues), then `telemetry.assess` measures the task and this prints
per repetition (or tap) and per recording, as text, `--json`, or an HTML
page (`--out REPORT.html`, written atomically).

Tracking: `MediaPipeTracker` in tracking mode on every frame (the video's own
timestamps and frame rate, sample aspect ratio corrected), hand landmarks
when the task needs them (tapping, openclose, auto), and `person_search`:
a person too small or dark for the full-frame detector is searched in crops
(vision.person_search). Bad input (not a video, no frames, no person, no
hand for a hand task, a corrupt replay) is one line and exit status 2;
nothing is written.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from game.cli.errors import UserError

TRACK_MAX_SIDE = 1280  # frames are shrunk to this (pose reads 256 px; hands come from crops)


def needs_hands(task: str) -> bool:
    return task in ("tapping", "openclose", "auto")


def track_video(path: Path, *, hands: bool, progress: Callable[[int], None] | None = None
                ) -> tuple[list[Any], float]:
    """Every frame of a video tracked: (frames, the video's frame rate)."""
    from vision.pipeline import LockstepPipeline
    from vision.sources import SourceError, VideoSource
    from vision.trackers import MediaPipeTracker

    try:
        source = VideoSource(path, max_side=TRACK_MAX_SIDE)
    except SourceError as exc:
        raise UserError(str(exc)) from None
    fps = source.fps
    frames = []
    with LockstepPipeline(source, MediaPipeTracker(hands=hands, person_search=True)) as pipe:
        for frame in pipe:
            frames.append(frame)
            if progress is not None:
                progress(len(frames))
        status = pipe.status
    if status.state == "failed":
        raise UserError(f"{path}: {status.message}")
    if not frames:
        raise UserError(f"{path}: no frames could be read (not a video, or an empty one)")
    if not fps and len(frames) > 1:
        fps = (len(frames) - 1) / ((frames[-1].t_ns - frames[0].t_ns) / 1e9)
    return frames, fps


def load_recording(path: Path, *, hands: bool, quiet: bool) -> tuple[list[Any], float]:
    """Frames and frame rate of a replay (.npz) or a video (tracked here)."""
    if not path.exists():
        raise UserError(f"{path}: file not found")
    if path.is_dir():
        raise UserError(f"{path} is a folder; give a video or a replay (.npz)")
    if path.suffix.lower() == ".npz":
        from vision.replay import ReplayError, load_replay

        try:
            rec = load_replay(path)
        except ReplayError as exc:
            raise UserError(str(exc)) from None
        return list(rec.frames), rec.fps
    from rich.progress import BarColumn, Progress, TextColumn

    with Progress(TextColumn("tracking"), BarColumn(), TextColumn("{task.completed} frames"),
                  transient=True, disable=quiet) as bar:
        job = bar.add_task("track", total=None)
        return track_video(path, hands=hands,
                           progress=lambda n: bar.update(job, completed=n))


def text_lines(a: Any, source: str) -> list[str]:
    """The human-readable output."""
    from telemetry.assess_report import summary_rows

    def f(v: Any, nd: int = 2) -> str:
        return "-" if v is None else f"{v:.{nd}f}"

    lines = [f"Assessment of {source}"]
    lines += [f"  {k}: {v}" for k, v in summary_rows(a)]
    if a.events:
        word = "tap" if a.repetitions and "tapping" in a.measured else "rep"
        lines.append(f"  {word:>4} {'start s':>8} {'end s':>7} {'dur s':>6} "
                     f"{'amplitude':>10} {'ROM deg':>8} {'peak speed':>16} {'SPARC':>6} "
                     f"{'quality':>7}")
        for e in a.events:
            speed = "-" if e.peak_speed is None else f"{e.peak_speed:.2f} {e.peak_speed_unit}"
            rom = f(e.rom_deg, 0) + ("" if e.angle_reliable in (None, True) else "?")
            lines.append(f"  {e.index:>4} {e.start_s:>8.2f} {e.end_s:>7.2f} {e.duration_s:>6.2f} "
                         f"{e.amplitude:>10.3f} {rom:>8} {speed[:16]:>16} {f(e.sparc):>6} "
                         f"{e.quality:>7.2f}")
        lines.append(f"  (amplitude in {a.amplitude_unit}; ROM with ? : the angle was "
                     "unreliable (oblique view) in that repetition)")
    for w in a.warnings:
        lines.append(f"  warning: {w}")
    return lines


@click.command()
@click.argument("recording", type=click.Path(path_type=Path))
@click.option("--task", type=click.Choice(["auto", "tapping", "openclose", "elbow-flexion",
                                           "shoulder-flexion", "shoulder-abduction", "reach"]),
              default="auto", show_default=True,
              help="What to measure; auto finds the most repeated movement.")
@click.option("--side", type=click.Choice(["left", "right"]), default=None,
              help="The arm or hand to measure (default: the one that moved most).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of text.")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write an HTML report here (.html).")
def assess(recording: Path, task: str, side: str | None, as_json: bool, out: Path | None) -> None:
    """Measure RECORDING (a video, or a landmark replay .npz) as a clinical test.

    Every frame counts: no game, no pauses. Prints each repetition (or tap) with
    its times, range of motion or amplitude, peak speed, smoothness (SPARC) and
    tracking quality, then the count, rate, rhythm, decrement and range of motion.
    """
    from game.cli.report import check_out_path
    from telemetry.assess import AssessError
    from telemetry.assess import assess as measure

    if out is not None:
        check_out_path(out, {".html": "html", ".htm": "html"})
    frames, fps = load_recording(recording, hands=needs_hands(task), quiet=as_json)
    try:
        result = measure(frames, task, side, fps=fps)
    except AssessError as exc:
        raise UserError(f"{recording}: {exc}") from None
    if out is not None:
        from telemetry.assess_report import render_assessment_html
        from telemetry.paths import atomic_write

        page = render_assessment_html(result, recording.name)
        try:
            with atomic_write(out, "w") as fh:
                fh.write(page)
        except OSError as exc:
            raise UserError(f"cannot write {out}: {exc.strerror or exc}") from None
    if as_json:
        d = result.to_dict()
        d["source"] = str(recording)
        if out is not None:
            d["report"] = str(out)
        click.echo(json.dumps(d))
        return
    for line in text_lines(result, recording.name):
        click.echo(line)
    if out is not None:
        click.echo(f"  report: {out}")
