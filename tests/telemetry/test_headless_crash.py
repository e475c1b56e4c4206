"""Crash safety on a fast (simulated) clock: at most one flush interval of SESSION time lost.

Issue 13: SIGKILL during `neuroplay demo --headless` lost every event of the
session so far (11 of 11 kills): the flusher ran every 0.5 s of wall time
while the simulated clock ran ~50x faster. A flush is now due after 0.5 s of
wall time, 0.5 s of session time or FLUSH_EVENTS events, whichever comes first.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import numpy as np
import pytest

from exercises.events import Event
from telemetry.store import FLUSH_EVENTS, Store
from vision.bodyframe import BodyFrame

REPO = Path(__file__).resolve().parents[2]
POSE = np.full((33, 4), 0.5, np.float32)


def stored_times(db: Path, session_id: str) -> tuple[list[float], int]:
    """What another process would find on disk now: event times and frames written."""
    with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as con:
        ts = [r[0] for r in con.execute("SELECT t FROM events WHERE session_id = ? ORDER BY seq",
                                        (session_id,))]
        frames = con.execute("SELECT coalesce(sum(n_frames), 0) FROM landmark_chunks "
                             "WHERE session_id = ?", (session_id,)).fetchone()[0]
    return ts, int(frames)


def test_simulated_clock_is_never_more_than_an_interval_ahead_of_the_disk(tmp_path: Path) -> None:
    """A session recorded as fast as the machine goes (no wall time passes to speak of):
    after every step, everything older than 0.5 s of session time is on disk."""
    db = tmp_path / "n.db"
    store = Store.open(db, flush_interval_s=0.5)
    store.ensure_patient("p")
    rec = store.start_session("p", "reaching", {}, t0=0.0, simulated_clock=True)
    worst = 0.0
    for i in range(600):  # 10 s of session at 60 Hz, events every 4th frame
        t = i / 60.0
        if i % 4 == 0:
            rec.record([Event(t, "tick", {"i": i})])
        rec.record_frame(BodyFrame(index=i, t_ns=round(t * 1e9), width=640, height=480, pose=POSE))
        if i % 10 == 0:
            ts, frames = stored_times(db, rec.session_id)
            newest_on_disk = ts[-1] if ts else -1.0
            worst = max(worst, t - max(newest_on_disk, (frames - 1) / 60.0))
            expected = [j / 60.0 for j in range(0, i + 1, 4) if j / 60.0 <= t - 0.5]
            assert ts[: len(expected)] == pytest.approx(expected), f"at t={t:.2f}"
    assert worst <= 0.5 + 1 / 60.0 + 1e-9
    assert rec.flushes_by_session_time >= 15
    rec.close({})
    store.close()


def test_real_clock_wakes_the_flusher_on_many_events_without_waiting(tmp_path: Path) -> None:
    """On a real clock the game thread never writes; FLUSH_EVENTS buffered events wake the
    flusher long before its 60 s timer."""
    db = tmp_path / "n.db"
    store = Store.open(db, flush_interval_s=60.0)
    store.ensure_patient("p")
    rec = store.start_session("p", "reaching", {})
    rec.record([Event(i * 0.001, "tick", {"i": i}) for i in range(FLUSH_EVENTS)])
    deadline = time.monotonic() + 30.0
    while time.monotonic() < deadline and len(stored_times(db, rec.session_id)[0]) < FLUSH_EVENTS:
        time.sleep(0.01)
    assert len(stored_times(db, rec.session_id)[0]) == FLUSH_EVENTS
    rec.close({})
    store.close()


def _demo(home: Path, seed: int) -> list[str]:
    return [sys.executable, "-c", "from game.cli import main; main()", "demo", "--headless",
            "--no-report", "--seed", str(seed), "--seconds", "60", "--data-dir", str(home)]


def _session_row(db: Path) -> str | None:
    if not db.exists():
        return None
    try:
        with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)) as con:
            row = con.execute("SELECT session_id FROM sessions").fetchone()
    except sqlite3.Error:
        return None
    return None if row is None else str(row[0])


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX SIGKILL")
def test_sigkill_headless_demo_at_random_moments_keeps_what_was_played(tmp_path: Path) -> None:
    env = {**os.environ, "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy",
           "PYTHONPATH": str(REPO)}
    env.pop("NEUROPLAY_DB", None)
    seed = 4
    full_home = tmp_path / "full"
    subprocess.run(_demo(full_home, seed), cwd=REPO, env=env, check=True, capture_output=True,
                   timeout=300)
    with Store.open(data_dir=full_home) as store:
        [full] = store.history("demo")
        reference = [(round(e.t, 6), e.kind) for e in store.events(full.session_id)]
    rng = random.Random(13)
    report = []
    for k in range(4):
        home = tmp_path / f"kill{k}"
        db = home / "neuroplay.db"
        proc = subprocess.Popen(_demo(home, seed), cwd=REPO, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 120
            while _session_row(db) is None and proc.poll() is None and time.monotonic() < deadline:
                time.sleep(0.005)
            delay = rng.uniform(0.15, 0.8)  # wall seconds into the session
            time.sleep(delay)
            proc.send_signal(signal.SIGKILL)
        finally:
            proc.kill()
            proc.wait()
        assert proc.returncode == -signal.SIGKILL, "the demo ended before it was killed"
        with Store.open(data_dir=home) as store:  # recovery closes the killed session
            [h] = store.history("demo")
            events = store.events(h.session_id)
            frames = len(store.landmark_frames(h.session_id))
        got = [(round(e.t, 6), e.kind) for e in events]
        report.append((round(delay, 2), len(got), frames,
                       round(got[-1][0] - got[0][0], 1) if got else 0.0))
        assert h.recovered and not h.completed
        assert got and got == reference[: len(got)], f"kill {k} after {delay:.2f} s: {report[-1]}"
        assert frames > 0
    print("kills (wall s into the session, events kept, frames kept, session s kept):", report)
