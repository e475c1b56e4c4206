"""The fixed-timestep loop: 60 updates per simulated second whatever the frame time."""

from __future__ import annotations

import random

import pytest

from game.loop import FIXED_DT, FixedStepLoop, SimClock


class Counter:
    def __init__(self, stop_after_updates: int | None = None) -> None:
        self.updates = 0
        self.draws = 0
        self.alphas: list[float] = []
        self.dts: set[float] = set()
        self.stop_after = stop_after_updates

    def fixed_update(self, dt: float) -> None:
        self.updates += 1
        self.dts.add(dt)

    def draw(self, alpha: float) -> None:
        self.draws += 1
        self.alphas.append(alpha)

    @property
    def running(self) -> bool:
        return self.stop_after is None or self.updates < self.stop_after


@pytest.mark.parametrize("frame_s", [1 / 30, 1 / 60, 1 / 144, 1 / 24, 0.05])
def test_sixty_updates_per_simulated_second_for_any_frame_rate(frame_s: float) -> None:
    clock = SimClock(frame_times=lambda i: frame_s)
    loop = FixedStepLoop(clock, max_steps=10)
    client = Counter()
    seconds = 10
    loop.tick(client)  # first tick only sets the time origin
    while clock.now() < seconds - 1e-9:
        clock.wait_frame(clock.now(), frame_s)
        loop.tick(client)
    assert client.updates == 60 * seconds
    assert client.dts == {FIXED_DT}
    assert all(0.0 <= a <= 1.0 for a in client.alphas)


def test_irregular_frames_still_sixty_per_second() -> None:
    rng = random.Random(7)
    durations = [rng.uniform(0.002, 0.06) for _ in range(2000)]
    total = sum(durations)
    clock = SimClock()
    loop = FixedStepLoop(clock, max_steps=10)
    client = Counter()
    loop.tick(client)
    for d in durations:
        clock.t += d
        loop.tick(client)
    # Everything elapsed is consumed in whole steps; the remainder is under one step.
    assert client.updates == int(total / FIXED_DT + 1e-6)
    assert loop.accumulator < FIXED_DT


def test_catch_up_is_capped_and_dropped_steps_counted() -> None:
    clock = SimClock()
    loop = FixedStepLoop(clock, max_steps=5)
    client = Counter()
    loop.tick(client)
    clock.t += 1.0  # a one-second stall
    steps = loop.tick(client)
    assert steps == 5
    assert loop.stats.dropped_steps == 55
    assert loop.accumulator < FIXED_DT
    clock.t += FIXED_DT  # the next normal frame runs exactly one step
    assert loop.tick(client) == 1


def test_alpha_is_the_fraction_of_the_next_step() -> None:
    clock = SimClock()
    loop = FixedStepLoop(clock)
    client = Counter()
    loop.tick(client)
    clock.t += FIXED_DT * 1.25
    loop.tick(client)
    assert client.updates == 1
    assert client.alphas[-1] == pytest.approx(0.25)


def test_run_stops_when_client_stops_and_sim_clock_never_sleeps() -> None:
    clock = SimClock()
    loop = FixedStepLoop(clock)
    client = Counter(stop_after_updates=600)
    stats = loop.run(client)
    assert client.updates == 600
    assert stats.updates == 600
    assert clock.now() == pytest.approx(600 * FIXED_DT, abs=2 * FIXED_DT)
