"""Cost of the pure game logic: reaching + session runner steps, virtual-patient frames, the whole loop.

Why: the exercise logic runs inside the 60 fps fixed step next to drawing
and tracking, and plan simulation runs thousands of sessions; both need to
know what a step and a simulated session cost. Everything here is pure
Python/numpy on the CPU; no camera, no display, no model.

Prints:
  * step: microseconds per `SessionRunner.step` (reaching inside, pymunk
    world stepped) at 60 Hz with a hand seeking the targets: p50/p95/p99/max;
  * virtual patient: milliseconds per `frame()` (IK arms over the base body)
    and frames per second;
  * loop: a whole simulated session (virtual patient -> vision IntentsBuilder
    -> runner -> reaching) in wall seconds, and game seconds per wall second.

    python benchmarks/exercises_logic.py [--reps 12] [--json]
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np

from exercises.doses import ReachingDose, SessionDose
from exercises.reaching import ReachingExercise
from exercises.session import SessionRunner
from exercises.virtual_patient import ReachGoal, Rest, VirtualPatient, calibrate, play
from vision.intents import HandIntent, Intents

DT = 1 / 60


def percentiles(values: list[float]) -> dict[str, float]:
    a = np.asarray(values)
    return {"p50": float(np.percentile(a, 50)), "p95": float(np.percentile(a, 95)),
            "p99": float(np.percentile(a, 99)), "max": float(a.max()), "n": int(a.size)}


def bench_step(reps: int) -> dict[str, float]:
    session = SessionDose(rest_every_s=1e9)
    ex = ReachingExercise(ReachingDose(repetitions=reps, hold_s=0.5, inter_target_s=0.5), None,
                          np.random.default_rng(0), session_dose=session)
    runner = SessionRunner(ex, session, None)
    hand = (0.5, -1.0)
    times: list[float] = []
    t = 0.0
    while not runner.done and t < 600:
        t += DT
        live = [tv for tv in ex.targets if tv.state in ("waiting", "holding")]
        if live:
            gx, gy = live[0].x, live[0].y
            d = math.hypot(gx - hand[0], gy - hand[1])
            s = min(d, 2.5 * DT)
            if d > 0:
                hand = (hand[0] + (gx - hand[0]) / d * s, hand[1] + (gy - hand[1]) / d * s)
        intents = Intents(t=t, right=HandIntent(*hand), left=HandIntent(-0.5, -1.0))
        t0 = time.perf_counter_ns()
        runner.step(intents, DT)
        times.append((time.perf_counter_ns() - t0) / 1e3)
    out = percentiles(times)
    out["hits"] = runner.summary()["hits"]
    return out


def bench_vp(seconds: float = 20.0) -> dict[str, float]:
    vp = VirtualPatient.for_demo(1, compensation_probability=0.3)
    times: list[float] = []
    for k in range(int(seconds * 30)):
        t = k / 30
        if k % 45 == 0:
            vp.look(ReachGoal("right", 1.2, 0.6) if (k // 45) % 2 == 0 else Rest(), t)
        t0 = time.perf_counter_ns()
        vp.frame(t)
        times.append((time.perf_counter_ns() - t0) / 1e6)
    out = percentiles(times)
    out["fps"] = 1000.0 / out["p50"]  # typical rate; a shared machine adds rare long stalls to the mean
    out["base"] = vp.base_source  # type: ignore[assignment]
    return out


def bench_loop(reps: int) -> dict[str, float]:
    from vision.calibration import CalibrationProcedure
    from vision.intents_builder import IntentsBuilder

    vp = VirtualPatient.for_demo(2)
    wall0 = time.perf_counter()
    proc = CalibrationProcedure(sides=("right",))
    calib_game_s = calibrate(vp, proc)
    cal = proc.result()
    session = SessionDose(rest_every_s=1e9)
    ex = ReachingExercise(ReachingDose(repetitions=reps, reach_fraction=0.7), cal,
                          np.random.default_rng(2), session_dose=session)
    runner = SessionRunner(ex, session, None)
    events = play(runner, vp, IntentsBuilder(cal).build, t0=calib_game_s, max_s=600)
    t = events[-1].t if events else calib_game_s
    wall = time.perf_counter() - wall0
    s = runner.summary()
    return {"wall_s": wall, "game_s": t, "calibration_game_s": calib_game_s, "speedup": t / wall,
            "targets": s["targets"], "hits": s["hits"], "tracking_losses": s["session"]["tracking_losses"]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=12, help="targets per simulated session")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    args = ap.parse_args()
    result = {"step_us": bench_step(args.reps), "virtual_patient_ms": bench_vp(), "loop": bench_loop(args.reps)}
    if args.json:
        print(json.dumps(result))
        return
    s, v, lp = result["step_us"], result["virtual_patient_ms"], result["loop"]
    print(f"runner+reaching step: p50 {s['p50']:.1f} us, p95 {s['p95']:.1f} us, p99 {s['p99']:.1f} us, "
          f"max {s['max']:.1f} us over {s['n']} steps ({s['hits']} hits)")
    print(f"virtual patient frame: p50 {v['p50']:.3f} ms, p95 {v['p95']:.3f} ms, p99 {v['p99']:.3f} ms "
          f"(about {v['fps']:.0f} frames/s at the median; base {v['base']})")
    print(f"whole loop (calibration + {lp['targets']} targets, VP -> IntentsBuilder -> runner): "
          f"{lp['game_s']:.1f} game s in {lp['wall_s']:.2f} wall s = {lp['speedup']:.0f}x real time; "
          f"{lp['hits']} hits, {lp['tracking_losses']} tracking pauses")


if __name__ == "__main__":
    main()
