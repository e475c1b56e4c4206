"""`--lsl` / `--lsl-wait` for `neuroplay play` and `demo`: one decorator, one helper.

Kept apart from the commands so the session library (issue 14) can take it
as it is. The streaming itself is vision/lsl.py.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import click

from game.errors import UserError

OnApp = Callable[[Any, Any], None]


def lsl_options(f: Callable[..., Any]) -> Callable[..., Any]:
    f = click.option("--lsl-wait", type=click.FloatRange(min=0.0), default=0.0, show_default=True,
                     help="With --lsl: wait up to this many seconds for a recorder "
                          "(LabRecorder) to connect before streaming.")(f)
    return click.option("--lsl", "lsl", is_flag=True,
                        help="Stream pose, hands and game events as Lab Streaming Layer "
                             "outlets (NeuroPlay-Pose, -Hands, -Markers).")(f)


def make_streamer(*, lsl: bool, lsl_wait: float, hands: bool, live_clock: bool) -> Any:
    """The LSL streamer for `--lsl` (None without it); call before anything is
    opened, so a bad option or a missing liblsl writes nothing."""
    if not lsl:
        if lsl_wait:
            raise UserError("--lsl-wait needs --lsl")
        return None
    from vision.lsl import LslStreamer, LslUnavailable

    try:
        return LslStreamer(hands=hands, live_clock=live_clock, wait_s=lsl_wait,
                           source_id=f"neuroplay-{uuid.uuid4().hex[:8]}")
    except LslUnavailable as exc:
        raise UserError(str(exc)) from None


def with_streamer(on_app: OnApp | None, streamer: Any) -> OnApp | None:
    """`on_app` extended to attach the streamer's outlets to the app and flow."""
    if streamer is None:
        return on_app

    def attach(app: Any, flow: Any) -> None:
        if on_app is not None:
            on_app(app, flow)
        streamer.attach(app, flow)

    return attach
