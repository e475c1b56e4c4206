"""Cost of the graded-activity logic: plan loading, next_dose, simulate, the staircase.

Why: `next_dose` replays the whole history on every call (pure and
deterministic by design), so its cost grows with the history; the game calls
it once before each session and `plan show` once per call, and `plan
simulate` calls it once per simulated session. This measures a year of
history (about 5 sessions a week and a daily pain rating), a 30-session and
a 200-session simulation, and a staircase update.

Prints:
  * load_plan: ms per parse + validation of the neuropathic template;
  * next_dose: ms per call over 1 year of history (p50/p95);
  * simulate: wall seconds for 30 and 200 sessions ("improving");
  * staircase: mean microseconds per update over 20000 trials at 78 % success.

    python benchmarks/plans_progression.py [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import datetime, timezone
from datetime import time as dtime
from importlib import resources
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np

from exercises.dosing import Staircase, StairParam, next_dose
from exercises.plans import load_plan
from exercises.simulated_patients import SimCheckin, SimSession, simulate


def percentiles(xs: list[float]) -> tuple[float, float]:
    a = np.asarray(xs)
    return float(np.percentile(a, 50)), float(np.percentile(a, 95))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    text = resources.files("assets.plans").joinpath(
        "neuropathic_upper_limb_seated.toml").read_text(encoding="utf-8")

    t_load = []
    for _ in range(50):
        t = time.perf_counter()
        plan = load_plan(text)
        t_load.append((time.perf_counter() - t) * 1e3)

    # A year of history, taken from a 260-session simulation's records.
    steps = simulate(plan, "improving", 260, seed=0)
    history: list[SimSession] = []
    checkins: list[SimCheckin] = []
    for s in steps:

        at = datetime.combine(s.day, dtime(10), tzinfo=timezone.utc)
        history.append(SimSession("reaching", at, True, s.quota_met, s.pain_pre, s.pain_post,
                                  {"hits": s.dose["repetitions"], "quota_met": s.quota_met},
                                  {"reaching": dict(s.dose)}))
        checkins.append(SimCheckin("daily", at.replace(hour=8), {"pain": s.pain_pre}))
    t_next = []
    for _ in range(20):
        t = time.perf_counter()
        next_dose(plan, history, checkins)
        t_next.append((time.perf_counter() - t) * 1e3)

    sims = {}
    for n in (30, 200):
        t = time.perf_counter()
        simulate(plan, "improving", n, seed=1)
        sims[n] = time.perf_counter() - t

    st = Staircase([StairParam("reach_fraction", 0.3, 0.9, 0.05, +1),
                    StairParam("target_radius", 0.15, 0.4, 0.025, -1)],
                   {"reach_fraction": 0.6, "target_radius": 0.3})
    rng = np.random.default_rng(0)
    hits = [bool(x) for x in rng.uniform(size=20000) < 0.78]
    t = time.perf_counter()
    for hit in hits:
        st.update(hit)
    st_us = (time.perf_counter() - t) * 1e6 / len(hits)

    out = {
        "load_plan_ms": dict(zip(("p50", "p95"), percentiles(t_load), strict=True)),
        "next_dose_1y_ms": dict(zip(("p50", "p95"), percentiles(t_next), strict=True)),
        "history_sessions": len(history), "history_checkins": len(checkins),
        "simulate_30_s": sims[30], "simulate_200_s": sims[200],
        "staircase_update_us_mean": st_us, "staircase_steps": len(st.steps),
    }
    if args.json:
        print(json.dumps(out, indent=2))
        return
    lp, ln = out["load_plan_ms"], out["next_dose_1y_ms"]
    print(f"load_plan (template): p50 {lp['p50']:.2f} ms, p95 {lp['p95']:.2f} ms")
    print(f"next_dose over 1 year ({len(history)} sessions, {len(checkins)} check-ins): "
          f"p50 {ln['p50']:.1f} ms, p95 {ln['p95']:.1f} ms")
    print(f"simulate 'improving': 30 sessions {sims[30]:.3f} s, 200 sessions {sims[200]:.2f} s")
    print(f"staircase update: {st_us:.2f} us mean over {len(hits)} trials "
          f"({len(st.steps)} steps taken)")


if __name__ == "__main__":
    main()
