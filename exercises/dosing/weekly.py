"""The weekly increase: which ONE parameter rises, and by how much.

Role: when a week's sessions all met their quota with pain within limits,
graded activity raises the quota by about 10 % (CLINICAL.md section 4). Two
parameters rising together, or rounding a 10 % rise UP to the plan's step,
would raise the effort by more than that, so (CLINICAL.md 4b):
  * at most one parameter rises a week, taking turns in the plan's
    `progress` order (a parameter at its maximum is skipped);
  * by at most `rate` of its current value, rounded DOWN to its step;
  * where one step is more than `rate` of the value (12 repetitions in steps
    of 2 is 17 %), the parameter rises one step only once enough weeks have
    passed since its last rise that the average stays within the rate
    (every 2nd week for 12 in steps of 2 at 10 %); until then the turn passes
    to the next parameter.
Pure: values in, a `Raise` out.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from exercises.dosing.words import fmt_value, label

EPS = 1e-9


class StepRange(Protocol):
    """A plan range (exercises.plans.Range): bounds and step."""

    @property
    def min(self) -> float: ...
    @property
    def max(self) -> float: ...
    @property
    def step(self) -> float: ...


@dataclass(frozen=True, slots=True)
class Raise:
    """The parameter that rises this week (or None), and what the others wait for."""

    name: str | None
    old: float = math.nan
    new: float = math.nan
    turn: int = 0  # whose turn it is next week (index into the order)
    waiting: tuple[str, ...] = ()  # why the parameters before it did not rise


def harder_end(r: StepRange, harder: int) -> float:
    """The hardest value the plan allows."""
    return r.max if harder > 0 else r.min


def at_limit(r: StepRange, value: float, harder: int) -> bool:
    return (harder_end(r, harder) - value) * harder <= EPS


def rise_amount(r: StepRange, value: float, rate: float, weeks_since_rise: int) -> float:
    """How much this parameter may rise now: `rate` of the value rounded down to the step;
    one step when a step is more than that but the weeks since its last rise average it
    within the rate; 0 otherwise."""
    allowance = rate * abs(value)
    steps = math.floor(allowance / r.step + EPS)
    if steps >= 1:
        return steps * r.step
    if r.step <= allowance * max(1, weeks_since_rise) + EPS:
        return r.step
    return 0.0


def weeks_needed(r: StepRange, value: float, rate: float) -> int:
    """Weeks between rises that keep one step's average within the rate."""
    allowance = rate * abs(value)
    return 10**6 if allowance <= 0 else max(1, math.ceil(r.step / allowance - EPS))


def choose_raise(order: Sequence[str], values: Mapping[str, float],
                 ranges: Mapping[str, StepRange], harder: Mapping[str, int], rate: float,
                 weeks_since_rise: Mapping[str, int], turn: int) -> Raise:
    """The one parameter that rises this week, starting with the one whose turn it is."""
    n = len(order)
    waiting: list[str] = []
    for i in range(n):
        name = order[(turn + i) % n]
        r, v, h = ranges[name], float(values[name]), harder[name]
        if at_limit(r, v, h):
            continue
        amount = rise_amount(r, v, rate, weeks_since_rise.get(name, 1))
        if amount <= 0:
            need = weeks_needed(r, v, rate)
            pct = 100 * r.step / abs(v) if v else math.inf
            waiting.append(f"{label(name)} waits: one step ({fmt_value(name, r.step)}) is "
                           f"{pct:.0f} % of {fmt_value(name, v)}, so it rises at most every "
                           f"{need} weeks to stay within {rate * 100:.0f} % a week")
            continue
        new = v + h * amount
        new = min(r.max, max(r.min, round(new, 10)))
        if isinstance(r.step, int) and isinstance(r.min, int):
            new = round(new)
        return Raise(name, v, new, (turn + i + 1) % n, tuple(waiting))
    return Raise(None, turn=turn, waiting=tuple(waiting))
