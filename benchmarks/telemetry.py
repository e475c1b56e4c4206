"""Telemetry benchmark: recording cost per frame, database size per 30-minute
session, and report time for a year of daily sessions.

    python benchmarks/telemetry.py [--json] [--quick]

1. Per frame: a 60 Hz loop on the real clock for 10 s (30 fps camera frames
   with pose, world pose and two hands; one event per step, and a reaching
   trial with a 90-sample hand path every second: four times the game's pace,
   so the flusher derives trials while the game thread records); the
   game-thread cost of `record` + `record_frame` (p50/p99 ms), the background
   flusher's cost spread over the frames it wrote, and its cost per trial derived.
   Also the calls alone in a tight loop (the code's cost without the
   scheduler's: on 2 shared cores the paced loop's figures are mostly load).
2. Size: a 30-minute session at 30 fps (54 000 frames, smooth arm motion plus
   MediaPipe-like jitter of 0.002 image widths; one reaching trial's events
   every 4 s), flushed every 0.5 s as in play; MB on disk after a checkpoint,
   and the time `close()` takes. The flusher thread derives each reach once its
   events and frames are written, so `close()` derives only those left (it
   says how many); it used to derive all of them (2.3-3.0 s for 450 reaches).
3. Report: 365 daily reaching sessions (8 reaches each, generated), then
   flags + model + HTML, and the PDF, timed separately.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import date, timezone
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from telemetry.flagging import refresh_flags
from telemetry.report import build_report, render_pdf, write_html
from telemetry.store import Store
from telemetry.synthetic import Course, generate
from vision.bodyframe import BodyFrame, Hand


class _Ev:
    __slots__ = ("data", "kind", "t")

    def __init__(self, t: float, kind: str, data: dict) -> None:
        self.t, self.kind, self.data = t, kind, data


_shape_rng = np.random.default_rng(5)
HAND_SHAPE = _shape_rng.uniform(-0.05, 0.05, (21, 3))  # a fixed hand, image units
HAND_WORLD = _shape_rng.uniform(-0.08, 0.08, (21, 3))  # metres


def make_frame(i: int, fps: float, rng: np.random.Generator, base: np.ndarray) -> BodyFrame:
    t = i / fps
    pose = base.copy()
    swing = 0.08 * math.sin(2 * math.pi * 0.25 * t)
    pose[[14, 16, 18, 20, 22], 0] += swing  # right arm reaching back and forth
    pose[[14, 16, 18, 20, 22], 1] -= 0.5 * swing
    pose[:, :3] += rng.normal(0, 0.002, (33, 3))
    world = pose[:, :3] - pose[[23, 24], :3].mean(axis=0)
    hands = tuple(Hand((pose[16 if h == "Right" else 15, :3] + HAND_SHAPE
                        + rng.normal(0, 0.002, (21, 3))).astype(np.float32), h, 0.95,
                       world=(HAND_WORLD + rng.normal(0, 0.002, (21, 3))).astype(np.float32))
                  for h in ("Left", "Right"))
    return BodyFrame(index=i, t_ns=int(t * 1e9), width=1280, height=720,
                     pose=pose.astype(np.float32), pose_world=world.astype(np.float32),
                     hands=hands, hands_tracked=True)


def base_pose() -> np.ndarray:
    rng = np.random.default_rng(0)
    pose = np.zeros((33, 4), np.float32)
    pose[:, 0] = 0.5 + rng.uniform(-0.15, 0.15, 33)
    pose[:, 1] = np.linspace(0.1, 0.95, 33)
    pose[:, 2] = rng.uniform(-0.3, 0.1, 33)
    pose[:, 3] = rng.uniform(0.6, 1.0, 33)
    return pose


def bench_frame_cost(tmp: Path, seconds: float) -> dict:
    store = Store.open(tmp / "frame.db")
    store.ensure_patient("bench")
    rec = store.start_session("bench", "reaching", {})
    flush_total = [0.0]
    orig = rec.flush

    def timed_flush() -> None:
        t0 = time.perf_counter()
        orig()
        flush_total[0] += time.perf_counter() - t0

    rec.flush = timed_flush  # type: ignore[method-assign]
    derive_total = [0.0]
    orig_derive = rec.derive_ready

    def timed_derive(deadline: float = math.inf) -> None:
        t0 = time.perf_counter()
        orig_derive(deadline)
        derive_total[0] += time.perf_counter() - t0

    rec.derive_ready = timed_derive  # type: ignore[method-assign]
    rng = np.random.default_rng(1)
    base = base_pose()
    frames = [make_frame(i, 30.0, rng, base) for i in range(int(seconds * 30) + 2)]
    costs: list[float] = []
    with_reach: list[bool] = []  # steps that record a reach's events (its path serialized)
    start = time.perf_counter()
    step = 0
    while True:
        target = start + step / 60.0
        now = time.perf_counter()
        if now - start > seconds:
            break
        if target > now:
            time.sleep(target - now)
        events = [_Ev(step / 60.0, "tick", {"step": step, "x": 0.31, "y": 0.72})]
        if step % 60 == 59:  # a reach ends every second: its events, with the hand path
            events += reach_events(step // 60, step / 60.0 - 3.0)
        t0 = time.perf_counter()
        rec.record(events)
        if step % 2 == 0:
            rec.record_frame(frames[step // 2])
        costs.append((time.perf_counter() - t0) * 1000.0)
        with_reach.append(len(events) > 1)
        step += 1
    measured = rec.trials_measured
    rec.close({"quota_met": True})
    n_frames = (step + 1) // 2
    store.close()
    c = sorted(costs)
    plain = sorted(x for x, r in zip(costs, with_reach, strict=True) if not r)
    reach = sorted(x for x, r in zip(costs, with_reach, strict=True) if r)
    return {"loop_steps": len(costs), "camera_frames": n_frames,
            "plain_ms_p99": round(plain[int(0.99 * (len(plain) - 1))], 4),
            "reach_step_ms_p50": round(statistics.median(reach), 3) if reach else None,
            "record_ms_p50": round(statistics.median(c), 4),
            "record_ms_p99": round(c[int(0.99 * (len(c) - 1))], 4),
            "record_ms_max": round(c[-1], 3),
            "flusher_ms_per_frame": round(flush_total[0] * 1000.0 / max(n_frames, 1), 4),
            "trials": step // 60, "trials_derived_ahead": measured,
            "derive_ms_per_trial": round(derive_total[0] * 1000.0 / max(measured, 1), 2)}


def reach_events(k: int, t: float) -> list[_Ev]:
    """One reaching trial shown at `t` and held 3 s later: 90 hand samples at 30 Hz."""
    hand_path = [[t + j / 30.0, 0.5 + 0.01 * j, 0.005 * j] for j in range(90)]
    return [_Ev(t, "target_shown", {"index": k, "x": 1.1, "y": 0.5}),
            _Ev(t + 0.5, "movement_onset", {"index": k}),
            _Ev(t + 3.0, "hold_complete", {"index": k}),
            _Ev(t + 3.0, "repetition", {"index": k, "target": [1.1, 0.5],
                                        "shown_t": t, "hit": True, "path": hand_path})]


def bench_call_cost(n: int = 20000) -> dict:
    """The calls alone, back to back, the flusher idle: the code's own cost."""
    store = Store.memory(flush_interval_s=3600)
    store.ensure_patient("bench")
    rec = store.start_session("bench", "reaching", {})
    frame = make_frame(0, 30.0, np.random.default_rng(3), base_pose())
    costs = []
    for step in range(n):
        t0 = time.perf_counter()
        rec.record([_Ev(step / 60.0, "tick", {"step": step, "x": 0.31, "y": 0.72})])
        rec.record_frame(frame)
        costs.append((time.perf_counter() - t0) * 1000.0)
    rec.close({})
    store.close()
    c = sorted(costs)
    return {"calls": n, "call_ms_p50": round(c[n // 2], 4),
            "call_ms_p99": round(c[int(0.99 * (n - 1))], 4)}


def bench_size(tmp: Path, minutes: float) -> dict:
    path = tmp / "size.db"
    store = Store.open(path, flush_interval_s=3600)  # flushed by hand every 0.5 s of play
    store.ensure_patient("bench")
    rec = store.start_session("bench", "reaching", {})
    rng = np.random.default_rng(2)
    base = base_pose()
    n = int(minutes * 60 * 30)
    t0 = time.perf_counter()
    for i in range(n):
        rec.record_frame(make_frame(i, 30.0, rng, base))
        if i % 120 == 0:  # one reaching trial every 4 s
            rec.record(reach_events(i // 120, i / 30.0))
        if i % 15 == 14:
            rec.flush()  # (wakes the flusher thread, which derives the reaches now written)
    t_close = time.perf_counter()
    c_close = time.thread_time()  # this thread's CPU: the flusher's is not the game's
    rec.close({"quota_met": True})  # derives the reaches not derived yet
    close_s, close_cpu_s = time.perf_counter() - t_close, time.thread_time() - c_close
    elapsed = time.perf_counter() - t0
    store.close()
    con = sqlite3.connect(path)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    lm = con.execute("SELECT SUM(LENGTH(data)), COUNT(*) FROM landmark_chunks").fetchone()
    con.close()
    size = path.stat().st_size + sum(p.stat().st_size for p in tmp.glob("size.db-*"))
    return {"minutes": minutes, "frames": n, "db_mb": round(size / 1e6, 2),
            "landmark_blob_mb": round(lm[0] / 1e6, 2), "chunks": lm[1],
            "bytes_per_frame": round(lm[0] / n, 1), "write_s": round(elapsed, 1),
            "close_s": round(close_s, 2), "close_cpu_s": round(close_cpu_s, 2),
            "reaches": n // 120 + (1 if n % 120 else 0),
            "reaches_derived_at_close": rec.measured_at_close}


def bench_report(tmp: Path, days: int) -> dict:
    store = Store.open(tmp / "year.db")
    t0 = time.perf_counter()
    generate(store, "year", Course(days=days, reps=8, flare_days=frozenset({200, 201, 202}),
                                   skip_days=frozenset(range(300, 306))))
    gen_s = time.perf_counter() - t0
    today = date(2026, 1, 5).fromordinal(date(2026, 1, 5).toordinal() + days)
    t0 = time.perf_counter()
    data, result = refresh_flags(store, "year", today=today, tz=timezone.utc)
    model = build_report(data, result, tz=timezone.utc)
    write_html(model, tmp / "year.html")
    html_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    data, result = refresh_flags(store, "year", today=today, tz=timezone.utc)
    render_pdf(build_report(data, result, tz=timezone.utc), tmp / "year.pdf")
    pdf_s = time.perf_counter() - t0
    # The one-off cost of an upgrade that derives every trial again from the event
    # log (migration 0003): pretend it has not run, and reopen.
    with store.engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM schema_migrations WHERE version >= 3")
    store.close()
    t0, c0 = time.perf_counter(), time.process_time()
    Store.open(tmp / "year.db").close()
    rederive_s, rederive_cpu_s = time.perf_counter() - t0, time.process_time() - c0
    return {"sessions": days, "trials": len(data.trials), "generate_s": round(gen_s, 1),
            "report_html_s": round(html_s, 2), "report_pdf_s": round(pdf_s, 2),
            "html_kb": round((tmp / "year.html").stat().st_size / 1e3, 1),
            "rederive_s": round(rederive_s, 1), "rederive_cpu_s": round(rederive_cpu_s, 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    ap.add_argument("--quick", action="store_true", help="shorter runs (smoke test)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        res = {
            "calls": bench_call_cost(2000 if args.quick else 20000),
            "frame": bench_frame_cost(tmp, 3.0 if args.quick else 10.0),
            "size": bench_size(tmp, 2.0 if args.quick else 30.0),
            "report": bench_report(tmp, 30 if args.quick else 365),
            "cpus": os.cpu_count(),
            "load_average_1min": round(os.getloadavg()[0], 2),
        }
    if args.json:
        print(json.dumps(res))
        return
    f, s, r = res["frame"], res["size"], res["report"]
    print(f"record one frame (events + landmarks), game thread: p50 {f['record_ms_p50']:.3f} ms, "
          f"p99 {f['record_ms_p99']:.3f} ms, max {f['record_ms_max']:.2f} ms "
          f"({f['loop_steps']} steps, {f['camera_frames']} frames); p99 {f['plain_ms_p99']:.3f} ms "
          f"without the {f['trials']} steps that record a reach's events "
          f"(those: p50 {f['reach_step_ms_p50']} ms, serializing its hand path)")
    k = res["calls"]
    print(f"the calls alone (tight loop, flusher idle): p50 {k['call_ms_p50']:.4f} ms, "
          f"p99 {k['call_ms_p99']:.4f} ms over {k['calls']} frames")
    print(f"background flusher: {f['flusher_ms_per_frame']:.3f} ms per frame written, "
          f"{f['derive_ms_per_trial']:.2f} ms per trial derived ({f['trials_derived_ahead']} of "
          f"{f['trials']} trials derived during the loop)")
    print(f"{s['minutes']:g}-minute session at 30 fps: database {s['db_mb']} MB "
          f"(landmarks {s['landmark_blob_mb']} MB, {s['bytes_per_frame']} B/frame, "
          f"{s['chunks']} chunks)")
    print(f"closing it ({s['reaches']} reaches, {s['reaches_derived_at_close']} derived at close, "
          f"the rest by the flusher as written): {s['close_s']} s "
          f"({s['close_cpu_s']} s CPU in the closing thread)")
    print(f"report for {r['sessions']} daily sessions ({r['trials']} reaches): "
          f"HTML {r['report_html_s']} s ({r['html_kb']} kB), PDF {r['report_pdf_s']} s "
          f"(data generation {r['generate_s']} s, not counted)")
    print(f"upgrade re-deriving all {r['trials']} trials from events (migration 0003, once): "
          f"{r['rederive_s']} s ({r['rederive_cpu_s']} s CPU)")
    print(f"machine: {res['cpus']} cores, load average {res['load_average_1min']} at the end")


if __name__ == "__main__":
    main()
