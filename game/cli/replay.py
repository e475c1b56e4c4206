"""`neuroplay replay info FILE`: what a landmark replay holds.

Thin layer over `vision.replay`; a missing or corrupt file is one line
naming it, exit status 2.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from game.cli.errors import UserError


@click.group()
def replay() -> None:
    """Inspect landmark replays (recordings of tracked frames, never video)."""


@replay.command("info")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of text.")
def info(file: Path, as_json: bool) -> None:
    """Frames, fps, detection rate, duration and whether hands were tracked."""
    from vision.replay import ReplayError, replay_info

    try:
        i = replay_info(file)
    except ReplayError as exc:
        raise UserError(str(exc)) from None
    if as_json:
        click.echo(json.dumps(i.to_dict()))
        return
    click.echo(f"{file}")
    click.echo(f"  frames          {i.frames}")
    click.echo(f"  fps             {i.fps:.2f}")
    click.echo(f"  duration        {i.duration_s:.2f} s")
    click.echo(f"  detection rate  {i.detection_rate:.1%} ({i.detected_frames} frames with a pose)")
    click.echo(f"  hands           {'yes' if i.hands else 'no'}"
               + (f" ({i.hand_frames} frames with a hand)" if i.hands else ""))
    click.echo(f"  image size      {i.width}x{i.height}")
    click.echo(f"  source          {i.source or '-'} (mediapipe {i.mediapipe})")
