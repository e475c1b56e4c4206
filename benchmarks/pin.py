"""PIN hash cost: how long an offline search of the PIN space takes with a copied database.

Times `telemetry.pin.verify_pin` (what an attacker must run per candidate PIN; the
salt makes precomputed tables useless) at today's parameters and at the former ones,
and projects the time to try every 4- and 6-digit PIN on one core and on all cores of
this machine. Also prints the online limit (guesses per day allowed by the lockout).

    python benchmarks/pin.py [--repeat 5] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def per_check_s(stored: str, repeat: int) -> float:
    from telemetry.pin import verify_pin

    times = []
    for k in range(repeat):
        t0 = time.perf_counter()
        verify_pin(f"{k:06d}", stored)  # a wrong candidate, as in a search
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    from telemetry.pin import MAX_WRONG, WINDOW, N, P, R, hash_pin

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    cores = os.cpu_count() or 1
    rows = []
    for label, n, r, p in (("today", N, R, P), ("former", 2**14, 8, 1)):
        stored = hash_pin("482193", n=n, r=r, p=p)
        s = per_check_s(stored, args.repeat)
        row = {"params": f"n=2**{n.bit_length() - 1}, r={r}, p={p}", "which": label,
               "memory_mib": 128 * n * r // 2**20, "check_s": round(s, 3)}
        for digits in (4, 6):
            space = 10 ** digits
            row[f"{digits}_digits_core_hours"] = round(space * s / 3600, 2)
            row[f"{digits}_digits_machine_days"] = round(space * s / cores / 86400, 2)
        rows.append(row)
    per_day = MAX_WRONG * 86400 / WINDOW.total_seconds()
    result = {"cores": cores, "load": round(os.getloadavg()[0], 2), "rows": rows,
              "online_guesses_per_day": per_day,
              "online_days_for_6_digits": round(10**6 / per_day, 0)}
    if args.json:
        print(json.dumps(result))
        return
    print(f"{cores} cores, load {result['load']}")
    for row in rows:
        print(f"{row['which']:6s} {row['params']:22s} {row['memory_mib']:4d} MiB  "
              f"{row['check_s'] * 1000:6.0f} ms/check  "
              f"4 digits: {row['4_digits_core_hours'] * 60:8.1f} core-min  "
              f"6 digits: {row['6_digits_core_hours'] / 24:6.2f} core-days "
              f"({row['6_digits_machine_days']:.2f} days on {cores} cores)")
    print(f"online: {per_day:.0f} guesses a day at most (lockout); every 6-digit PIN: "
          f"{result['online_days_for_6_digits']:.0f} days")


if __name__ == "__main__":
    main()
