"""Tracking benchmark: bare MediaPipe loop vs the NeuroPlay pipeline, same frames.

Usage:
    python benchmarks/tracking.py VIDEO [--seconds S] [--max-side PX] [--arm left|right]
                                        [--repeat N] [--json]

The video is decoded ONCE into memory (SAR-corrected, longer side scaled to
--max-side, default 640 like a webcam), so decoding is not measured and
every contestant sees identical frames. Contestants:

  bare: a plain loop calling `solutions.pose.Pose.process` (and the
      full-frame two-hand `solutions.hands.Hands.process` after it) on each
      RGB frame, one after the other: what a naive program does.
  pipeline: `vision.pipeline.TrackingPipeline` (worker thread, one-slot
      mailbox, MediaPipeTracker) with a consumer blocking on
      `take_delivered()`, in these tracker set-ups, side by side:
    pose                   pose only (the reaching game)
    pose_hands             WHAT THE HAND GAMES USE: one hand model on a crop
                           at the --arm wrist placed from the previous frame's
                           pose, run at the same time as this frame's pose
    pose_hands_sequential  the same, pose then hands (concurrent=False)
    pose_hands_same_frame  crop placed from this frame's pose (pose, then hands)
    pose_hands_both_arms   crops at both wrists, concurrent (the old default)
    pose_hands_fullframe   the full-frame two-hand model, concurrent with pose

Printed per set-up: fps (median of --repeat runs, default 3, interleaved so
the machine's load hits all alike), capture->consumer latency p50/p95 (ms,
of the median run), frames dropped by the mailbox, the share of frames with
the --arm hand found, the CPU time the process spent per frame (all
threads; unlike fps it hardly depends on other work sharing the cores, and
2 cores / it bounds the rate on an idle machine), and the peak resident memory (MB, cumulative
over the run including the decoded frames, from getrusage). Models are loaded
before timing. Then a camera-like "live" run for pose and pose_hands: frames
arrive at the video's own rate (pace=True) and a 60 Hz game loop polls
`take_delivered()`; its latency includes waiting for the next game tick, and
frames tracked but overwritten before the loop took them are "dropped".
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("GLOG_minloglevel", "2")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import cv2
import numpy as np

from vision.pipeline import TrackingPipeline
from vision.sources import ArraySource, SourceError, VideoSource
from vision.trackers import MediaPipeTracker


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: KiB


def decode(path: str, seconds: float, max_side: int) -> tuple[list[np.ndarray], float]:
    src = VideoSource(path, max_seconds=seconds, max_side=max_side)
    frames = []
    while (item := src.read()) is not None:
        frames.append(item[1])
    src.close()
    return frames, src.fps


def bare(frames: list[np.ndarray], hands: bool) -> float:
    import mediapipe as mp

    pose = mp.solutions.pose.Pose(model_complexity=1, static_image_mode=False, smooth_landmarks=True)
    hand = mp.solutions.hands.Hands(max_num_hands=2, model_complexity=1) if hands else None
    t0 = time.perf_counter()
    for img in frames:
        rgb = cv2.cvtColor(img, cv2.COLOR_BGR2RGB)
        rgb.flags.writeable = False
        pose.process(rgb)
        if hand is not None:
            hand.process(rgb)
    dt = time.perf_counter() - t0
    pose.close()
    if hand is not None:
        hand.close()
    return len(frames) / dt


SETUPS: dict[str, dict[str, Any]] = {  # MediaPipeTracker arguments; "ARM" = the --arm side
    "pose": {"hands": False},
    "pose_hands": {"hands": True, "arms": "ARM"},
    "pose_hands_sequential": {"hands": True, "arms": "ARM", "concurrent": False},
    "pose_hands_same_frame": {"hands": True, "arms": "ARM", "same_frame_crops": True},
    "pose_hands_both_arms": {"hands": True},
    "pose_hands_fullframe": {"hands": True, "hand_roi": False},
}


def tracker_for(name: str, arm: str) -> MediaPipeTracker:
    kw = {k: ((arm,) if v == "ARM" else v) for k, v in SETUPS[name].items()}
    return MediaPipeTracker(**kw)


def pipeline(frames: list[np.ndarray], fps: float, tracker: MediaPipeTracker, arm: str) -> dict[str, float]:
    """Track every frame through TrackingPipeline as fast as it goes (tracker already loaded)."""
    tracker.process(frames[0], 0, -1)  # warm-up (graph start), not timed
    pipe = TrackingPipeline(ArraySource(frames, fps or 30.0), tracker, keep_image=False)
    label = "Left" if arm == "left" else "Right"
    got = found = 0
    t0 = time.perf_counter()
    c0 = time.process_time()
    pipe.start()
    while True:
        d = pipe.take_delivered(timeout=1.0)
        if d is not None:
            got += 1
            found += d.frame.hand(label) is not None  # type: ignore[arg-type]
            continue
        if pipe.status.state != "ok":
            break
    dt = time.perf_counter() - t0
    cpu = time.process_time() - c0
    pipe.stop()
    st = pipe.stats
    return {"pipeline_fps": st.tracked / dt, "latency_p50_ms": st.latency_percentile(50),
            "latency_p95_ms": st.latency_percentile(95), "dropped": st.dropped, "taken": got,
            "hand_found": found / max(got, 1), "cpu_ms_per_frame": 1e3 * cpu / max(st.tracked, 1)}


def live(frames: list[np.ndarray], fps: float, tracker: MediaPipeTracker) -> dict[str, float]:
    """Camera-like: frames arrive at the video's rate; a 60 Hz game loop polls the mailbox."""
    pipe = TrackingPipeline(ArraySource(frames, fps or 30.0), tracker, keep_image=False, pace=True)
    pipe.start()
    next_tick = time.perf_counter()
    while pipe.status.state == "ok" or pipe.mailbox.put_count > pipe.stats.taken + pipe.stats.dropped:
        pipe.take_delivered()
        next_tick += 1 / 60
        time.sleep(max(0.0, next_tick - time.perf_counter()))
    pipe.stop()
    st = pipe.stats
    return {"live_latency_p50_ms": st.latency_percentile(50), "live_latency_p95_ms": st.latency_percentile(95),
            "live_dropped": st.dropped, "live_taken": st.taken}


def run(path: str, seconds: float, max_side: int, arm: str = "right", repeat: int = 3) -> dict[str, Any]:
    frames, fps = decode(path, seconds, max_side)
    if not frames:
        raise SystemExit(f"{path}: no frames decoded")
    h, w = frames[0].shape[:2]
    out: dict[str, Any] = {"video": path, "frames": len(frames), "width": w, "height": h,
                           "video_fps": fps, "cpus": os.cpu_count(), "arm": arm, "repeat": repeat,
                           "load_avg_1min_start": os.getloadavg()[0]}
    bare_fps = {False: [], True: []}  # type: dict[bool, list[float]]
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in SETUPS}
    for _ in range(repeat):  # interleaved: a burst of load from other work hits every set-up alike
        for hands in (False, True):
            bare_fps[hands].append(bare(frames, hands))
        for name in SETUPS:
            runs[name].append(pipeline(frames, fps, tracker_for(name, arm), arm))
    for name in SETUPS:
        med = sorted(runs[name], key=lambda r: r["pipeline_fps"])[len(runs[name]) // 2]
        a = float(np.median(bare_fps[bool(SETUPS[name]["hands"])]))
        out[name] = {"bare_fps": a, **med, "fps_runs": [r["pipeline_fps"] for r in runs[name]],
                     "ratio": med["pipeline_fps"] / a, "peak_mb": peak_mb()}
    for name in ("pose", "pose_hands"):
        out[name].update(live(frames, fps, tracker_for(name, arm)))
    out["load_avg_1min_end"] = os.getloadavg()[0]
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("video")
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--max-side", type=int, default=640)
    ap.add_argument("--arm", choices=["left", "right"], default="right", help="the arm a hand game plays with")
    ap.add_argument("--repeat", type=int, default=3, help="runs per set-up; the median is printed")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    try:
        res = run(args.video, args.seconds, args.max_side, args.arm, max(1, args.repeat))
    except SourceError as exc:
        print(exc, file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(res))
        return 0
    print(f"{res['video']}: {res['frames']} frames {res['width']}x{res['height']} "
          f"({res['video_fps']:.2f} fps video), {res['cpus']} CPUs, load {res['load_avg_1min_start']:.2f} -> "
          f"{res['load_avg_1min_end']:.2f}; hands for the {res['arm']} arm; median of {res['repeat']} runs")
    for name in SETUPS:
        r = res[name]
        hand = f"{100 * r['hand_found']:3.0f} %" if SETUPS[name]["hands"] else "   -"
        print(f"  {name:<22} bare {r['bare_fps']:5.1f} fps | pipeline {r['pipeline_fps']:5.1f} fps "
              f"(runs {' '.join(f'{x:.1f}' for x in r['fps_runs'])}) | ratio {r['ratio']:.2f} | latency p50 "
              f"{r['latency_p50_ms']:5.1f} ms p95 {r['latency_p95_ms']:5.1f} ms | dropped {r['dropped']} "
              f"| cpu {r['cpu_ms_per_frame']:5.1f} ms/frame | hand found {hand} | peak {r['peak_mb']:.0f} MB")
        if "live_taken" in r:
            print(f"  {'':<22} live at {res['video_fps']:.1f} fps, 60 Hz consumer: latency p50 "
                  f"{r['live_latency_p50_ms']:.1f} ms p95 {r['live_latency_p95_ms']:.1f} ms | "
                  f"taken {r['live_taken']} | dropped {r['live_dropped']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
