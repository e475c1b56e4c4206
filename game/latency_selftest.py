"""`neuroplay latency-test`'s two steps: play the self-test scene, then conclude.

`run_self_test` plays game.scenes.latency_test on the fixed-step loop with any
player (a camera, a video standing in for one, or a synthetic source in tests);
`conclude` turns the two recorded paths into this machine's latency with
vision.lag.estimate_lag and keeps it (game.machine_latency), or says in one line
why it could not (the hand did not move enough, the movement was not clear).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from game.errors import UserError
from game.machine_latency import MachineLatency, machine_name, save
from game.scenes.latency_test import LatencySamples, LatencyTestScene, Side


def run_self_test(driver: Any, *, seconds: float = 10.0, side: Side = "right", clock: Any = None,
                  surface: Any = None, window: bool = False, screenshots: Path | None = None,
                  capture_time: Callable[[Any], float] | None = None,
                  marker_time: Callable[[], float] | None = None) -> LatencySamples | None:
    """Play the self-test with `driver` (a game.players Player); the samples (what was
    recorded, if a video ended first), or None if the patient stopped."""
    import pygame

    from game.app import App
    from game.loop import FixedStepLoop, SimClock
    from game.scenes.base import SceneStack

    pygame.font.init()
    results: list[LatencySamples | None] = []
    stack = SceneStack(rail_side="right" if side == "left" else "left")
    scene = LatencyTestScene(seconds, side, capture_time=capture_time, marker_time=marker_time)
    stack.push(scene, results.append)
    app = App(surface if surface is not None else pygame.Surface((1280, 720)), stack, driver=driver,
              window=window, screenshots=screenshots, render=window or screenshots is not None)
    app.frame_listeners.append(scene.on_frame)
    loop = FixedStepLoop(clock if clock is not None else SimClock())
    finished = getattr(driver, "finished", False)
    while app.running and not finished:
        loop.run(app, max_frames=loop.stats.frames + 60)
        finished = bool(getattr(driver, "finished", False))
    return results[0] if results else scene.samples


def conclude(samples: LatencySamples | None, *, source: str, data_dir: Path,
             now: datetime | None = None) -> MachineLatency:
    """This machine's latency from the samples, kept in `data_dir`; a UserError (nothing
    kept) when the test did not give a clear answer."""
    from vision.lag import MIN_CORRELATION, LagError, estimate_lag

    if samples is None:
        raise UserError("the speed test was stopped before it finished; nothing saved")
    try:
        est = estimate_lag(samples.hand_t, samples.hand_x, samples.marker_t, samples.marker_x)
    except LagError as exc:
        raise UserError(f"the speed test could not measure: {exc}; nothing saved") from None
    if not est.reliable:
        raise UserError(f"the movement was not clear enough to measure (correlation "
                        f"{est.correlation:.2f}, needs {MIN_CORRELATION}): move the hand quickly "
                        f"left and right and try again; nothing saved")
    stamp = (now or datetime.now().astimezone()).isoformat(timespec="seconds")
    result = MachineLatency(machine=machine_name(), latency_s=round(est.lag_s, 4),
                            correlation=round(est.correlation, 4), fps=round(samples.fps, 2),
                            measured_at=stamp, source=source)
    save(data_dir, result)
    return result
