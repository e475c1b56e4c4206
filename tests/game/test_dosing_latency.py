"""Today's dose widens its time limits for a slow machine, inside the plan, with a reason."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import pytest

from exercises.latency_adapt import CORRECTIONS, REFERENCE_LATENCY_S
from game.dosing import DosingSource
from telemetry.store import Store

PLAN = (files("assets.plans") / "neuropathic_upper_limb_seated.toml").read_text()


def test_no_plan_default_dose_widens_and_says_why(tmp_path: Path) -> None:
    with Store.open(data_dir=tmp_path / "d") as store:
        store.ensure_patient("p1")
        plain = DosingSource(store, "p1", "reaching").options(3).easier
        slow = DosingSource(store, "p1", "reaching", latency_p95_s=0.25).options(3).easier
    extra = CORRECTIONS * (0.25 - REFERENCE_LATENCY_S)
    assert slow.dose.target_timeout_s == pytest.approx(plain.dose.target_timeout_s + extra)
    assert slow.dose.hold_s == plain.dose.hold_s
    assert any(r.startswith("latency p95 250 ms: target_timeout_s") for r in slow.reasons)
    fast = DosingSource(store, "p1", "reaching", latency_p95_s=0.04).options(3).easier
    assert fast.dose == plain.dose and not any("latency" in r for r in fast.reasons)


def test_a_value_the_plan_fixes_stays_fixed(tmp_path: Path) -> None:
    """The seated template fixes target_timeout_s = 8.0 (no range): no widening."""
    with Store.open(data_dir=tmp_path / "d") as store:
        store.ensure_patient("p1")
        store.save_plan("p1", PLAN, author="test")
        plain = DosingSource(store, "p1", "reaching").options(3).easier
        slow = DosingSource(store, "p1", "reaching", latency_p95_s=1.5).options(3).easier
    assert "target_timeout_s = 8.0" in PLAN and "target_timeout_s" not in slow.bounds
    assert slow.dose.target_timeout_s == plain.dose.target_timeout_s == 8.0
    assert not any("latency" in r for r in slow.reasons)
