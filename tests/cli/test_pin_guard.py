"""Wrong therapist PINs: a growing delay, then a lockout; logged; atomic across processes."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from datetime import datetime, timedelta, timezone
from importlib import resources
from pathlib import Path

import pytest
from click.testing import CliRunner

from game.cli import cli
from telemetry.pin import MAX_WRONG, PIN_SETTING, WINDOW, hash_pin, pin_lock, wrong_delay_s
from telemetry.pin_guard import PinGuard
from telemetry.store import Store

PIN = "482193"
T0 = datetime(2025, 3, 1, 9, 0, tzinfo=timezone.utc)


def test_lock_policy() -> None:
    s = timedelta(seconds=1)
    assert pin_lock([], T0) == pin_lock([T0 - 20 * WINDOW], T0)  # old failures do not count
    four = [T0 - k * s for k in range(4)]
    assert pin_lock(four, T0).locked_until is None and pin_lock(four, T0).left == 1
    five = [T0 - 60 * s, *four]
    assert pin_lock(five, T0).locked_until == T0 - 60 * s + WINDOW  # the oldest ages out
    assert pin_lock(five, T0 - 60 * s + WINDOW).locked_until is None
    assert [wrong_delay_s(k) for k in range(7)] == [0, 1, 2, 4, 8, 16, 16]


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    d = tmp_path / "data"
    with Store.open(data_dir=d) as store:
        store.ensure_patient("p1", affected_side="left")
        store.set_setting(PIN_SETTING, hash_pin(PIN, n=2**10))
        template = resources.files("assets.plans").joinpath("neuropathic_upper_limb_seated.toml")
        store.save_plan("p1", template.read_text(encoding="utf-8"), "test")
    return d


def test_guard_counts_resets_on_a_right_pin_and_expires(data_dir: Path) -> None:
    now = [T0]
    with Store.open(data_dir=data_dir) as store:
        guard = PinGuard(store.engine, clock=lambda: now[0])
        for _ in range(4):
            a = guard.begin("plan set p1")
            assert a.id is not None
            now[0] += timedelta(seconds=5)
        guard.right(guard.begin("plan set p1"))  # a right PIN: the count starts again
        for k in range(MAX_WRONG):
            a = guard.begin("plan set p1")
            assert a.id is not None and a.lock.wrong == k
            now[0] += timedelta(seconds=5)
        first_wrong = T0 + timedelta(seconds=20)  # the first wrong one after the right one
        locked = guard.begin("plan set p1")
        assert locked.id is None and locked.lock.locked_until == first_wrong + WINDOW
        now[0] = first_wrong + WINDOW
        assert guard.begin("plan set p1").id is not None  # open again, one try
        assert guard.begin("plan set p1").id is None
        outcomes = [r["outcome"] for r in guard.log()]
    assert outcomes == ["wrong"] * 4 + ["right"] + ["wrong"] * 5 + ["locked", "wrong", "locked"]


def test_parallel_attempts_are_counted_atomically(data_dir: Path) -> None:
    """Twelve PIN entries at once, each with its own database connection (as separate
    processes would be): exactly five are let through to the check."""
    stores = [Store.open(data_dir=data_dir) for _ in range(12)]
    barrier = threading.Barrier(len(stores))
    ids: list[int | None] = []

    def attempt(store: Store) -> None:
        barrier.wait()
        ids.append(PinGuard(store.engine).begin("plan set p1").id)

    threads = [threading.Thread(target=attempt, args=(s,)) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for s in stores:
        s.close()
    assert sum(i is not None for i in ids) == MAX_WRONG and ids.count(None) == 12 - MAX_WRONG


def test_cli_delays_then_locks_even_the_right_pin(data_dir: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    delays: list[float] = []
    monkeypatch.setattr("game.cli.pin_entry._sleep", delays.append)
    runner = CliRunner()

    def plan_set(pin: str) -> tuple[int, str]:
        r = runner.invoke(cli, ["plan", "set", "p1", "reaching.repetitions.max", "31",
                                "--pin-stdin", "--data-dir", str(data_dir)], input=pin + "\n",
                          env={"NEUROPLAY_PIN": None})
        return r.exit_code, r.output

    answers = [plan_set(f"00000{k}") for k in range(MAX_WRONG)]
    assert delays == [1, 2, 4, 8, 16]
    assert all(code == 2 for code, _ in answers)
    assert "wrong therapist PIN (4 more tries before PIN entry locks for 15 minutes)" \
        in answers[0][1]
    assert "PIN entry is locked for 15 minutes" in answers[-1][1]
    code, out = plan_set(PIN)
    assert code == 2 and "PIN entry is locked after 5 wrong PINs" in out
    assert "try again after" in out and len(out.strip().splitlines()) == 1
    with Store.open(data_dir=data_dir) as store:
        assert [v["version"] for v in store.plan_history("p1")] == [1]  # nothing changed
        log = PinGuard(store.engine).log()
    assert [r["outcome"] for r in log] == ["wrong"] * 5 + ["locked"]
    assert log[0]["action"] == "neuroplay plan set p1 reaching.repetitions.max 31"


def test_a_piped_pin_is_read_without_getpass(data_dir: Path) -> None:
    """No --pin-stdin, no $NEUROPLAY_PIN, stdin a pipe: the PIN is its first line, and
    Python's GetPassWarning (getpass on a non-terminal) is never printed."""
    env = {k: v for k, v in os.environ.items() if k not in ("NEUROPLAY_PIN", "NEUROPLAY_DB")}
    r = subprocess.run([sys.executable, "-c", "from game.cli import main; main()", "plan", "set",
                        "p1", "reaching.repetitions.max", "31", "--data-dir", str(data_dir)],
                       input=PIN + "\n", capture_output=True, text=True, env=env, check=False,
                       cwd=Path(__file__).resolve().parents[2])
    assert r.returncode == 0, r.stderr
    assert "plan version 2 saved" in r.stdout
    assert "GetPassWarning" not in r.stderr and "Warning" not in r.stderr
