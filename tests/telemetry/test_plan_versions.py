"""Plan versions saved against the version reviewed: a stale save writes nothing."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from telemetry.errors import PlanConflict
from telemetry.store import Store


def test_a_save_against_a_stale_version_is_refused_and_writes_nothing(tmp_path: Path) -> None:
    store = Store.open(data_dir=str(tmp_path))
    try:
        store.ensure_patient("p1", affected_side="right")
        assert store.save_plan("p1", "sessions_per_week = 3\n", "ana", expected_version=0) == 1
        assert store.save_plan("p1", "sessions_per_week = 4\n", "ben", expected_version=1) == 2
        with pytest.raises(PlanConflict, match="version 2, not 1"):
            store.save_plan("p1", "sessions_per_week = 5\n", "ana", expected_version=1)
        assert [v["author"] for v in store.plan_history("p1")] == ["ana", "ben"]
        assert store.current_plan("p1") == (2, "sessions_per_week = 4\n")
    finally:
        store.close()


def test_two_therapists_saving_at_once_cannot_both_land(tmp_path: Path) -> None:
    """Eight saves against version 0 from eight threads, each with its own connection to
    one SQLite file: exactly one lands; the others are told, and nothing is half-written."""
    first = Store.open(data_dir=str(tmp_path))
    first.ensure_patient("p1", affected_side="right")
    first.close()
    barrier = threading.Barrier(8)
    outcomes: list[str] = []
    lock = threading.Lock()

    def save(i: int) -> None:
        store = Store.open(data_dir=str(tmp_path))
        try:
            barrier.wait()
            try:
                store.save_plan("p1", f"sessions_per_week = {i}\n", f"t{i}", expected_version=0)
                got = "saved"
            except PlanConflict:
                got = "conflict"
        finally:
            store.close()
        with lock:
            outcomes.append(got)

    threads = [threading.Thread(target=save, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict"] * 7 + ["saved"]
    check = Store.open(data_dir=str(tmp_path))
    try:
        history = check.plan_history("p1")
        assert len(history) == 1 and history[0]["version"] == 1
    finally:
        check.close()
