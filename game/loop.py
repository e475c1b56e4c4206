"""The main loop: fixed-timestep updates, one draw per frame, a clock passed in.

Exercise logic and physics run at a constant `fixed_dt` (pymunk wants a
constant step); real time is accumulated and consumed in whole steps, at
most `max_steps` a frame so a stall (a slow disk, a debugger) cannot make
the game spiral into catching up forever: the excess is dropped and
counted. Then the frame is drawn once with `alpha`, the fraction of the
next step already elapsed, for interpolation (python-arcade's
`_dispatch_updates` / `FixedClock.fraction`).

The clock is a parameter: `RealClock` paces frames against wall time;
`SimClock` advances exactly one frame period per frame with no sleeping, so
headless runs go as fast as the machine allows and are deterministic.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

FIXED_DT = 1.0 / 60.0
FRAME_DT = 1.0 / 60.0
MAX_STEPS = 5


class Clock(Protocol):
    def now(self) -> float:
        """Seconds, monotonic."""
        ...

    def wait_frame(self, frame_start: float, frame_dt: float) -> None:
        """Block until the next frame is due (a simulated clock advances instead)."""
        ...


class RealClock:
    """Wall time (perf_counter); sleeps away what is left of each frame."""

    def now(self) -> float:
        return time.perf_counter()

    def wait_frame(self, frame_start: float, frame_dt: float) -> None:
        remaining = frame_start + frame_dt - time.perf_counter()
        if remaining > 0.002:
            time.sleep(remaining - 0.001)
        while time.perf_counter() < frame_start + frame_dt:
            pass


@dataclass
class SimClock:
    """Simulated time: each frame lasts `frame_dt` (or what `frame_times` says), no sleeping.

    `frame_times`, when given, is called with the frame number and returns
    that frame's duration in seconds (tests use it for irregular frames and stalls).
    """

    t: float = 0.0
    frame_times: Callable[[int], float] | None = None
    frames: int = 0

    def now(self) -> float:
        return self.t

    def wait_frame(self, frame_start: float, frame_dt: float) -> None:
        step = self.frame_times(self.frames) if self.frame_times else frame_dt
        self.t = max(self.t, frame_start) + step
        self.frames += 1


class LoopClient(Protocol):
    def fixed_update(self, dt: float) -> None: ...

    def draw(self, alpha: float) -> None: ...

    @property
    def running(self) -> bool: ...


@dataclass
class LoopStats:
    frames: int = 0
    updates: int = 0
    dropped_steps: int = 0  # fixed steps skipped by the catch-up cap
    frame_ms: list[float] = field(default_factory=list)  # work time of each frame (update+draw)


class FixedStepLoop:
    """Accumulator loop. Use `tick()` for one frame or `run()` until the client stops."""

    def __init__(self, clock: Clock, *, fixed_dt: float = FIXED_DT, frame_dt: float = FRAME_DT,
                 max_steps: int = MAX_STEPS, record_frame_ms: bool = False) -> None:
        if fixed_dt <= 0 or frame_dt <= 0 or max_steps < 1:
            raise ValueError("fixed_dt and frame_dt must be positive and max_steps >= 1")
        self.clock = clock
        self.fixed_dt = fixed_dt
        self.frame_dt = frame_dt
        self.max_steps = max_steps
        self.accumulator = 0.0
        self.stats = LoopStats()
        self._record = record_frame_ms
        self._last: float | None = None

    @property
    def alpha(self) -> float:
        return self.accumulator / self.fixed_dt

    def tick(self, client: LoopClient) -> int:
        """Run the fixed updates due since the last tick, then draw once. Returns steps run."""
        now = self.clock.now()
        if self._last is None:
            self._last = now
        self.accumulator += now - self._last
        self._last = now
        steps = 0
        # A tiny epsilon so 60 frames of 1/60 s are exactly 60 steps despite float sums.
        while self.accumulator + 1e-9 >= self.fixed_dt and steps < self.max_steps:
            client.fixed_update(self.fixed_dt)
            self.accumulator -= self.fixed_dt
            steps += 1
            if not client.running:
                break
        if self.accumulator + 1e-9 >= self.fixed_dt and client.running:
            dropped = int((self.accumulator + 1e-9) // self.fixed_dt)
            self.stats.dropped_steps += dropped
            self.accumulator -= dropped * self.fixed_dt
        self.accumulator = max(0.0, self.accumulator)
        client.draw(min(1.0, self.alpha))
        self.stats.frames += 1
        self.stats.updates += steps
        return steps

    def run(self, client: LoopClient, *, max_frames: int | None = None) -> LoopStats:
        """Tick until `client.running` is False (or `max_frames`), pacing with the clock."""
        while client.running and (max_frames is None or self.stats.frames < max_frames):
            start = self.clock.now()
            work_start = time.perf_counter()
            self.tick(client)
            if self._record:
                self.stats.frame_ms.append((time.perf_counter() - work_start) * 1000.0)
            self.clock.wait_frame(start, self.frame_dt)
        return self.stats
