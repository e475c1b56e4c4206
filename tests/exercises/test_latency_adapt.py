"""Latency-adapted time windows: widen by the measured latency, within bounds, as an event."""

from __future__ import annotations

import pytest

from exercises.doses import make_dose
from exercises.latency_adapt import (
    CORRECTIONS,
    LATENCY_ADJUSTMENT,
    REFERENCE_LATENCY_S,
    adapt_to_latency,
)


def test_reaching_timeout_grows_by_three_feedback_loops_of_extra_latency() -> None:
    dose = make_dose("reaching", target_timeout_s=8.0, hold_s=1.0)
    new, ev = adapt_to_latency("reaching", dose, 0.25, t=12.0)
    assert new.target_timeout_s == pytest.approx(8.0 + CORRECTIONS * (0.25 - REFERENCE_LATENCY_S))
    assert new.hold_s == 1.0  # a delay shifts entry and exit alike
    assert ev is not None and ev.kind == LATENCY_ADJUSTMENT and ev.t == 12.0
    assert ev.data["fields"]["target_timeout_s"] == {"old": 8.0, "new": 8.6, "clipped": False}


def test_fast_machine_changes_nothing() -> None:
    dose = make_dose("reaching")
    assert adapt_to_latency("reaching", dose, REFERENCE_LATENCY_S) == (dose, None)
    assert adapt_to_latency("reaching", dose, 0.01) == (dose, None)


def test_per_repetition_limits_and_tapping_untouched() -> None:
    oc = make_dose("openclose", repetitions=10, time_limit_s=90.0)
    new, _ = adapt_to_latency("openclose", oc, 0.15)
    assert new.time_limit_s == pytest.approx(90.0 + 10 * CORRECTIONS * 0.1)
    pinch = make_dose("pinch", objects=8, time_limit_s=90.0)
    assert adapt_to_latency("pinch", pinch, 0.15)[0].time_limit_s == pytest.approx(92.4)
    tap = make_dose("tapping")
    assert adapt_to_latency("tapping", tap, 0.5) == (tap, None)


def test_plan_bounds_and_physical_bounds_clip() -> None:
    dose = make_dose("reaching", target_timeout_s=8.0)
    new, ev = adapt_to_latency("reaching", dose, 0.5, bounds={"target_timeout_s": (4.0, 8.5)})
    assert new.target_timeout_s == 8.5
    assert ev is not None and ev.data["fields"]["target_timeout_s"]["clipped"] is True
    near_max = make_dose("reaching", target_timeout_s=59.5)
    assert adapt_to_latency("reaching", near_max, 1.0)[0].target_timeout_s == 60.0  # PHYSICAL


def test_implausible_latency_is_refused() -> None:
    with pytest.raises(ValueError, match="latency"):
        adapt_to_latency("reaching", make_dose("reaching"), 5.0)
    with pytest.raises(ValueError):
        adapt_to_latency("reaching", make_dose("reaching"), -0.1)
