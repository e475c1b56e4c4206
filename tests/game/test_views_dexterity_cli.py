"""Every dexterity game through `neuroplay demo --headless --json` (virtual patient with
virtual hands), with and without mirror therapy: the summary keys, and the store's events."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from game.cli import cli
from telemetry.store import Store


def _demo(tmp_path: Path, *extra: str) -> dict:
    res = CliRunner().invoke(cli, ["demo", "--headless", "--seconds", "20", "--data-dir", str(tmp_path),
                                   "--json", "--no-report", "--seed", "5", *extra])
    assert res.exit_code == 0, res.output
    return json.loads(res.output.strip().splitlines()[-1])


@pytest.mark.parametrize("mirror", [None, "split"])
def test_tapping_demo_reports_taps_and_rate(tmp_path: Path, mirror: str | None) -> None:
    out = _demo(tmp_path, "--game", "tapping", *(["--mirror", mirror] if mirror else []))
    assert out["exercise"] == "tapping"
    assert out["taps"] >= 20  # 2 Hz metronome, 20 s session cap minus the set-up
    assert out["tap_rate_hz"] == pytest.approx(2.0, abs=0.2)
    store = Store.open(tmp_path / "neuroplay.db", create=False)
    try:
        kinds = [e.kind for e in store.events(out["session_id"])]
    finally:
        store.close()
    assert kinds.count("tap") == out["taps"]


def test_pinch_demo_reports_objects_moved_and_drops(tmp_path: Path) -> None:
    out = _demo(tmp_path, "--game", "pinch", "--mirror", "swap")
    assert out["objects_moved"] >= 2 and "drops" in out and out["carry_time_s"] > 0


def test_openclose_demo_reports_repetitions(tmp_path: Path) -> None:
    out = _demo(tmp_path, "--game", "openclose")
    assert out["repetitions"] >= 5 and out["range"] > 0.8
