"""Game loop frame times at 60 fps with tracking live in a worker thread, and from a replay.

Runs the real exercise scene (reaching, SessionRunner, renderer, camera
image, skeleton) in the real fixed-step loop on wall time, headless. Input:
  * video: vision's TrackingPipeline (worker thread: decode at the video's
    own pace + MediaPipe pose complexity 1, newest frame in a one-slot
    mailbox, stale frames counted); the loop takes the newest each step and
    builds Intents with vision's IntentsBuilder;
  * replay: the frames tracked in the video run written as a landmark
    replay and played through vision's ReplaySource in the same pipeline,
    paced on their own clock (no model running): the cost of the game alone.
Prints frame work time p50/p95/p99 (update + draw, ms), frames over the
16.7 ms budget, catch-up steps dropped, and tracker figures.

    python benchmarks/game_loop.py [--video PATH] [--seconds 8] [--json] [--kitchen]

--kitchen turns the camera picture off (the patient's `C` key): the drawn kitchen,
its cups and the avatar are drawn instead, while tracking still runs.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

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
from game.loop import FixedStepLoop, RealClock
from game.players import FramesDriver
from game.scenes.base import SceneStack
from game.scenes.exercise import ExerciseScene
from vision.bodyframe import BodyFrame
from vision.calibration import Calibration
from vision.intents_builder import IntentsBuilder
from vision.pipeline import TrackingPipeline
from vision.replay import ReplaySource, write_replay
from vision.sources import VideoSource

DEFAULT_VIDEO = Path(__file__).resolve().parents[2] / "shared/data/videos/upper_limb/sagor_shoulder_flexion_abduction.mp4"
BUDGET_MS = 1000.0 / 60.0


def make_scene(calibration: Calibration) -> tuple[SceneStack, ExerciseScene]:
    sd = SessionDose(session_minutes=10.0, rest_every_s=0.0, rest_s=0.0)
    dose = make_dose("reaching", repetitions=1000)
    ex = make_exercise("reaching", dose, calibration, np.random.default_rng(0), session_dose=sd)
    runner = SessionRunner(ex, sd, 2)
    stack = SceneStack()
    scene = ExerciseScene(runner)
    stack.push(scene)
    return stack, scene


def run_loop(driver: FramesDriver, calibration: Calibration, seconds: float,
             camera: bool = True) -> dict[str, float]:
    stack, _ = make_scene(calibration)
    app = App(pygame.Surface((1280, 720)), stack, driver=driver, reference=lambda: calibration.reference,
              render=True)
    app.show_camera = camera  # off: the drawn scene (kitchen, avatar) instead of the picture
    loop = FixedStepLoop(RealClock(), record_frame_ms=True)
    end = time.perf_counter() + seconds
    app.should_stop = lambda: time.perf_counter() >= end
    loop.run(app)
    ms = np.array(loop.stats.frame_ms[30:] or [0.0])  # skip warm-up (font cache, first blits)
    return {"frames": len(ms), "p50_ms": float(np.percentile(ms, 50)), "p95_ms": float(np.percentile(ms, 95)),
            "p99_ms": float(np.percentile(ms, 99)), "max_ms": float(ms.max()),
            "over_budget_frames": int((ms > BUDGET_MS).sum()), "dropped_steps": loop.stats.dropped_steps,
            "fps": loop.stats.frames / seconds}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--video", type=Path, default=DEFAULT_VIDEO)
    ap.add_argument("--seconds", type=float, default=8.0)
    ap.add_argument("--replay", type=Path, default=None,
                    help="landmark replay (.npz) for the replay run (default: the frames just tracked)")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--kitchen", action="store_true", help="camera picture off: the drawn scene and avatar")
    args = ap.parse_args()
    if not args.video.is_file():
        sys.exit(f"video not found: {args.video}")
    pygame.font.init()

    pipe = TrackingPipeline(VideoSource(args.video, max_side=640), pace=True, keep_image=True).start()
    kept: list[BodyFrame] = []
    first = None
    while first is None and pipe.status.state == "ok":
        f = pipe.take(timeout=1.0)
        if f is not None and f.pose is not None:
            first = f
    if first is None:
        sys.exit(f"no body found in {args.video} ({pipe.status.message or 'ended'})")
    cal = Calibration.default(first.width, first.height, pose=first.pose)
    builder = IntentsBuilder(calibration=cal)

    def take(t: float, scene: object) -> BodyFrame | None:
        f = pipe.take()
        if f is not None:
            kept.append(replace(f, image=None))
        return f

    live = FramesDriver(next_frame=take, build=lambda f: builder.build(f, first.t_ns))
    live_res = run_loop(live, cal, args.seconds, camera=not args.kitchen)
    pipe.stop()
    live_res.update({"tracker_frames": pipe.stats.tracked, "frames_taken": pipe.stats.taken,
                     "mailbox_dropped": pipe.stats.dropped,
                     "latency_p50_ms": pipe.stats.latency_percentile(50),
                     "latency_p95_ms": pipe.stats.latency_percentile(95)})

    # Replay source: the frames just tracked, written as a landmark replay and played back
    # through vision's ReplaySource in the same pipeline (paced, no model), or --replay FILE.
    with tempfile.TemporaryDirectory() as tmp:
        path = args.replay or write_replay(Path(tmp) / "bench.npz", kept, source=args.video.name)
        rpipe = TrackingPipeline(ReplaySource(path), pace=True).start()
        rfirst = rpipe.take(timeout=2.0)
        if rfirst is None:
            sys.exit(f"replay {path} gave no frame ({rpipe.status.message or 'empty'})")
        rcal = Calibration.default(rfirst.width, rfirst.height, pose=rfirst.pose) if rfirst.pose is not None \
            else cal
        builder2 = IntentsBuilder(calibration=rcal)
        rep = FramesDriver(next_frame=lambda t, scene: rpipe.take(),
                           build=lambda f: builder2.build(f, rfirst.t_ns))
        rep_res = run_loop(rep, rcal, min(args.seconds, max(1.0, (kept[-1].t_ns - kept[0].t_ns) / 1e9))
                           if not args.replay else args.seconds, camera=not args.kitchen)
        rpipe.stop()
        rep_res.update({"replay_frames_taken": rpipe.stats.taken, "replay_dropped": rpipe.stats.dropped})
    out = {"video": args.video.name, "scene": "kitchen" if args.kitchen else "camera", "budget_ms": round(BUDGET_MS, 2), "live_video": live_res, "replay": rep_res}
    if args.json:
        print(json.dumps(out))
        return
    for name, r in (("live video (pose in worker thread)", live_res), ("replay", rep_res)):
        print(f"{name}: {r['frames']} frames, {r['fps']:.1f} fps; frame work p50 {r['p50_ms']:.2f} ms, "
              f"p95 {r['p95_ms']:.2f} ms, p99 {r['p99_ms']:.2f} ms, max {r['max_ms']:.1f} ms; "
              f"over 16.7 ms: {r['over_budget_frames']}; dropped steps: {r['dropped_steps']}")
    print(f"tracker: {live_res['tracker_frames']} frames tracked, {live_res['frames_taken']} taken, "
          f"{live_res['mailbox_dropped']} dropped; capture->taken latency p50 {live_res['latency_p50_ms']:.1f} ms, "
          f"p95 {live_res['latency_p95_ms']:.1f} ms")


if __name__ == "__main__":
    main()
