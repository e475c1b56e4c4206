"""Frame times of the software 3-D view: mono and side-by-side stereo, headless.

Usage:
    python benchmarks/view3d.py [--frames 600] [--size 1280x720] [--json]

Draws the everyday-task scene (table, shelf, two targets, the hand) with the
head moving on a slow sine (as head tracking would move it), into a surface
of --size, and prints draw time p50/p95/p99 (ms) against the 16.7 ms budget
of a 60 Hz display. Only drawing is timed (no tracking; see latency.py).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
import pygame

from game.views.projection import Screen
from game.views.view3d import draw_mono, draw_sbs, everyday_scene


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=600)
    ap.add_argument("--size", default="1280x720")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args(argv)
    w, h = (int(v) for v in a.size.split("x"))
    surf = pygame.Surface((w, h))
    screen = Screen(0.53, 0.53 * h / w, w, h)
    scene = everyday_scene([(-0.1, -0.09, -0.3), (0.1, 0.09, -0.7)], (0.12, -0.05, -0.1))
    out = {"size": a.size, "frames": a.frames, "load": round(os.getloadavg()[0], 2)}
    for name, draw in (("mono", draw_mono), ("sbs", draw_sbs)):
        ms = []
        for i in range(a.frames):
            head = np.array([0.08 * math.sin(i / 60), 0.02 * math.cos(i / 90), 0.6])
            t0 = time.perf_counter()
            draw(surf, screen, head, scene)
            ms.append((time.perf_counter() - t0) * 1000)
        arr = np.array(ms[10:])
        out[name] = {q: float(np.percentile(arr, p)) for q, p in
                     (("p50_ms", 50), ("p95_ms", 95), ("p99_ms", 99))}
    if a.json:
        print(json.dumps(out))
        return 0
    print(f"{a.size}, {a.frames} frames, load {out['load']} (1-min, 2 CPUs)")
    for name in ("mono", "sbs"):
        r = out[name]
        print(f"  {name:4s} draw p50 {r['p50_ms']:.2f} ms  p95 {r['p95_ms']:.2f} ms  "
              f"p99 {r['p99_ms']:.2f} ms  (budget 16.7 ms)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
