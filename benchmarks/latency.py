"""Motion-to-photon latency without the display: capture -> landmarks -> game state -> drawn frame.

Usage:
    python benchmarks/latency.py [VIDEO] [--seconds 6] [--arm right] [--json]

The video is decoded once into memory (640 px, like a webcam) and fed by
vision's TrackingPipeline at its own frame rate (pace=True: a camera), so
each frame's capture stamp is the moment it "arrived". The real reaching
exercise scene runs in a 60 Hz loop on wall time (App.fixed_update: the
driver takes the newest tracked frame, IntentsBuilder, exercise step; then
App.draw renders the scene to a 1280x720 surface). For every frame that
reached the game, latency = (end of the draw that first showed it) -
(capture stamp): what a display would add its own scan-out to.

Conditions: tracker set-up `pose` (the reaching game) and `pose_hands` (the
hand games: one hand model on a crop at the --arm wrist, concurrent with
pose), each idle and with a busy process spinning on a core ("other core
busy": the 2-core machine's other core taken). Printed: p50/p95/p99 (ms),
frames shown / tracked, 1-min load before and after.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp_proc
import os
import sys
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("GLOG_minloglevel", "2")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
import pygame

from exercises.doses import SessionDose, make_dose
from exercises.registry import make_exercise
from exercises.session import SessionRunner
from game.app import App
from game.players import FramesDriver
from game.scenes.base import SceneStack
from game.scenes.exercise import ExerciseScene
from vision.calibration import Calibration
from vision.intents_builder import IntentsBuilder
from vision.pipeline import TrackingPipeline
from vision.sources import ArraySource, VideoSource
from vision.trackers import MediaPipeTracker

DEFAULT_VIDEO = (Path(__file__).resolve().parents[2]
                 / "shared/data/videos/upper_limb/sagor_shoulder_flexion_abduction.mp4")
TICK_S = 1.0 / 60.0


def make_scene(calibration: Calibration) -> SceneStack:
    """The real reaching exercise scene (as benchmarks/game_loop.py builds it)."""
    sd = SessionDose(session_minutes=10.0, rest_every_s=0.0, rest_s=0.0)
    dose = make_dose("reaching", repetitions=1000)
    ex = make_exercise("reaching", dose, calibration, np.random.default_rng(0), session_dose=sd)
    stack = SceneStack()
    stack.push(ExerciseScene(SessionRunner(ex, sd, 2)))
    return stack


def decode(path: Path, seconds: float) -> tuple[list[np.ndarray], float]:
    src = VideoSource(path, max_seconds=seconds, max_side=640)
    frames = []
    while (item := src.read()) is not None:
        frames.append(item[1])
    src.close()
    return frames, src.fps


def _spin(stop: Any) -> None:
    while not stop.is_set():
        sum(i * i for i in range(1000))


def run(frames: list[np.ndarray], fps: float, hands: bool, arm: str) -> dict[str, Any]:
    tracker = MediaPipeTracker(hands=hands, arms=(arm,)) if hands else MediaPipeTracker()
    tracker.process(frames[0], 0, -1)  # model start-up is not latency
    pipe = TrackingPipeline(ArraySource(frames, fps), tracker, keep_image=True, pace=True,
                            hands=hands, arms=(arm,)).start()
    first = None
    while first is None and pipe.status.state == "ok":
        d = pipe.take_delivered(timeout=1.0)
        if d is not None and d.frame.pose is not None:
            first = d.frame
    if first is None:
        pipe.stop()
        raise SystemExit("no body found in the video")
    cal = Calibration.default(first.width, first.height, pose=first.pose)
    builder = IntentsBuilder(calibration=cal, hands=hands, arms=(arm,))
    pending: list[int] = []  # capture stamps of frames taken this tick

    def take(t: float, scene: object) -> Any:
        d = pipe.take_delivered()
        if d is None:
            return None
        pending.append(d.t_capture_ns)
        return d.frame

    driver = FramesDriver(next_frame=take, build=lambda f: builder.build(f, first.t_ns))
    stack = make_scene(cal)
    app = App(pygame.Surface((1280, 720)), stack, driver=driver,
              reference=lambda: cal.reference, render=True)
    lat_ms: list[float] = []
    next_tick = time.monotonic()
    while pipe.status.state == "ok":
        app.fixed_update(TICK_S)
        app.draw(0.0)
        now = time.monotonic_ns()
        lat_ms.extend((now - t) / 1e6 for t in pending)
        pending.clear()
        next_tick += TICK_S
        delay = next_tick - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        else:
            next_tick = time.monotonic()
    tracked = pipe.stats.tracked
    pipe.stop()
    a = np.array(lat_ms[5:] or [np.nan])  # the first frames include the scene's warm-up
    return {"shown": len(lat_ms), "tracked": tracked, "p50_ms": float(np.percentile(a, 50)),
            "p95_ms": float(np.percentile(a, 95)), "p99_ms": float(np.percentile(a, 99))}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("video", type=Path, nargs="?", default=DEFAULT_VIDEO)
    ap.add_argument("--seconds", type=float, default=6.0)
    ap.add_argument("--arm", choices=("left", "right"), default="right")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args(argv)
    if not a.video.is_file():
        print(f"error: video not found: {a.video}", file=sys.stderr)
        return 2
    pygame.font.init()
    frames, fps = decode(a.video, a.seconds)
    out: dict[str, Any] = {"video": a.video.name, "fps": fps, "frames": len(frames),
                           "load_before": round(os.getloadavg()[0], 2), "runs": {}}
    for busy in (False, True):
        stop = mp_proc.Event()
        spinner = mp_proc.Process(target=_spin, args=(stop,), daemon=True) if busy else None
        if spinner is not None:
            spinner.start()
        try:
            for setup, hands in (("pose", False), ("pose_hands", True)):
                name = f"{setup}{' +busy core' if busy else ''}"
                out["runs"][name] = run(frames, fps, hands, a.arm)
        finally:
            stop.set()
            if spinner is not None:
                spinner.join(timeout=5)
    out["load_after"] = round(os.getloadavg()[0], 2)
    if a.json:
        print(json.dumps(out))
        return 0
    print(f"{out['video']}: {out['frames']} frames at {fps:.1f} fps, load {out['load_before']} -> "
          f"{out['load_after']} (1-min, 2 CPUs)")
    for name, r in out["runs"].items():
        print(f"  {name:22s} capture->drawn p50 {r['p50_ms']:6.1f} ms  p95 {r['p95_ms']:6.1f} ms  "
              f"p99 {r['p99_ms']:6.1f} ms | shown {r['shown']} of {r['tracked']} tracked")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
