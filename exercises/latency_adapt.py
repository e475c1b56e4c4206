"""Time windows that widen with the machine's tracking latency (pure).

Why: the camera-to-game latency (benchmarks/latency.py) delays the feedback
the patient steers by. Each closed-loop correction of a movement waits for
that feedback once more, so on a slower machine the same reach takes longer
and a fixed time limit is effectively shorter: the game would be harder for
reasons that have nothing to do with the patient. This module gives the dose
back that time, and never more than the therapist's plan allows.

Rule (one place, tested):
  * extra = max(0, measured p95 latency - REFERENCE_LATENCY_S); the
    reference is the idle p95 capture-to-game latency the default doses were
    played at (docs/benchmarks.md "Tracking": 47-50 ms, so 0.05 s);
  * a reach is CORRECTIONS (3) feedback loops (patients' reaches have 2-4
    movement units), so reaching's `target_timeout_s` grows by 3 x extra per
    target; open-close's and pinch's `time_limit_s` by that per repetition
    or object;
  * hold times do not change (the delay shifts the hand's entry into and
    exit from a target alike) and neither does tapping (taps are timed from
    capture stamps, so latency does not move them);
  * every new value is clamped into the plan's [min, max] for that field when
    given, else the physical bounds of exercises.plans.PHYSICAL.
The adjustment is returned as a `LATENCY_ADJUSTMENT` event for telemetry
(and the report): measured latency, reference, each field old -> new, and
whether a bound clipped it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from exercises.events import LATENCY_ADJUSTMENT, Event
from exercises.plans import PHYSICAL

__all__ = ["CORRECTIONS", "LATENCY_ADJUSTMENT", "REFERENCE_LATENCY_S", "adapt_to_latency"]
REFERENCE_LATENCY_S = 0.05
CORRECTIONS = 3
MAX_PLAUSIBLE_LATENCY_S = 2.0  # beyond this the measurement is broken, not the machine slow


def _per_trial_fields(exercise: str, dose: Any) -> dict[str, float]:
    """Which time fields widen, and by how many feedback loops per unit of extra latency."""
    if exercise == "reaching":
        return {"target_timeout_s": float(CORRECTIONS)}
    if exercise == "openclose":
        return {"time_limit_s": float(CORRECTIONS * dose.repetitions)}
    if exercise == "pinch":
        return {"time_limit_s": float(CORRECTIONS * dose.objects)}
    return {}  # tapping: capture-stamped taps; unknown games: untouched


def adapt_to_latency(exercise: str, dose: Any, latency_p95_s: float, t: float = 0.0,
                     bounds: Mapping[str, tuple[float, float]] | None = None
                     ) -> tuple[Any, Event | None]:
    """(the dose with its time windows widened, the telemetry event) or (dose, None)
    when nothing changes."""
    if not 0.0 <= latency_p95_s <= MAX_PLAUSIBLE_LATENCY_S:
        raise ValueError(f"latency p95 must be within 0-{MAX_PLAUSIBLE_LATENCY_S} s, "
                         f"got {latency_p95_s}")
    extra = max(0.0, latency_p95_s - REFERENCE_LATENCY_S)
    changes: dict[str, Any] = {}
    new_values: dict[str, float] = {}
    for name, loops in _per_trial_fields(exercise, dose).items():
        old = float(getattr(dose, name))
        lo, hi = (bounds or {}).get(name) or PHYSICAL[exercise][name][:2]
        wanted = old + loops * extra
        new = min(max(wanted, float(lo)), float(hi))
        if new != old:
            new_values[name] = new
            changes[name] = {"old": old, "new": round(new, 3), "clipped": new != wanted}
    if not new_values:
        return dose, None
    event = Event(t, LATENCY_ADJUSTMENT, {
        "exercise": exercise, "latency_p95_s": round(latency_p95_s, 4),
        "reference_s": REFERENCE_LATENCY_S, "fields": changes})
    return dataclasses.replace(dose, **new_values), event
