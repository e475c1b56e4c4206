"""Frame times of the software 3-D view: mono and side-by-side stereo, headless.

Usage:
    python benchmarks/view3d.py [--frames 600] [--size 1280x720] [--json]

Draws the everyday-task scene (table, shelf, two targets, the hand) with the
head moving on a slow sine (as head tracking would move it), into a surface
of --size, and prints draw time p50/p95/p99 (ms) against the 16.7 ms budget
of a 60 Hz display. Only drawing is timed (no tracking; see latency.py).

Then the whole exercise scene as the game draws it each frame (the reaching
game with its HUD, the safety rail and the V hint; game/views/scene3d.py): in
2-D, in 3-D mono and in side-by-side stereo ("game 2d", "game mono", "game sbs").
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
    out.update(_game_frames(surf, a.frames))
    out["load_after"] = round(os.getloadavg()[0], 2)
    if a.json:
        print(json.dumps(out))
        return 0
    print(f"{a.size}, {a.frames} frames, load {out['load']} -> {out['load_after']} (1-min, 2 CPUs)")
    for name in ("mono", "sbs", "game 2d", "game mono", "game sbs"):
        r = out[name]
        print(f"  {name:9s} draw p50 {r['p50_ms']:.2f} ms  p95 {r['p95_ms']:.2f} ms  "
              f"p99 {r['p99_ms']:.2f} ms  (budget 16.7 ms)")
    return 0


def _game_frames(surf: pygame.Surface, frames: int) -> dict[str, dict[str, float]]:
    """The exercise scene's full draw (2-D, 3-D mono, 3-D sbs) with a target up."""
    from exercises.doses import SessionDose, make_dose
    from exercises.reaching import ReachingExercise
    from exercises.session import SessionRunner
    from game.context import DrawContext
    from game.scenes.exercise import ExerciseScene
    from game.theme import Theme
    from game.transform import fit_body_box
    from game.views.scene3d import View3DState, ViewSettings
    from vision.intents import HandIntent, Intents

    pygame.font.init()
    w, h = surf.get_size()
    ex = ReachingExercise(make_dose("reaching", inter_target_s=0.0), None, np.random.default_rng(0),
                          session_dose=SessionDose())
    scene = ExerciseScene(SessionRunner(ex, SessionDose(), 2))
    for k in range(3):
        scene.update(Intents(t=k / 60, right=HandIntent(0.9, -0.6)), 1 / 60)
    out: dict[str, dict[str, float]] = {}
    for name, state in (("game 2d", None),
                        ("game mono", View3DState(ViewSettings(view="3d"))),
                        ("game sbs", View3DState(ViewSettings(view="3d", stereo="sbs")))):
        ctx = DrawContext(theme=Theme(h, w), transform=fit_body_box((w, h)),
                          intents=scene.last_intents, view3d=state)
        ms = []
        for i in range(frames):
            if state is not None:
                state.head = np.array([0.08 * math.sin(i / 60), 0.02 * math.cos(i / 90), 0.6])
            t0 = time.perf_counter()
            scene.draw(surf, ctx)
            ms.append((time.perf_counter() - t0) * 1000)
        arr = np.array(ms[10:])
        out[name] = {q: float(np.percentile(arr, p)) for q, p in
                     (("p50_ms", 50), ("p95_ms", 95), ("p99_ms", 99))}
    return out


if __name__ == "__main__":
    raise SystemExit(main())
