"""Tracking benchmark: bare MediaPipe loop vs the NeuroPlay pipeline, same frames.

Usage:
    python benchmarks/tracking.py VIDEO [--seconds S] [--max-side PX] [--json]

The video is decoded ONCE into memory (SAR-corrected, longer side scaled to
--max-side, default 640 like a webcam), so decoding is not measured and
both contestants see identical frames. For pose only and for pose + hands:

  (a) bare: a plain loop calling `solutions.pose.Pose.process` (and
      `solutions.hands.Hands.process` after it) on each RGB frame;
  (b) pipeline: `vision.pipeline.TrackingPipeline` (worker thread, one-slot
      mailbox, MediaPipeTracker) with a consumer blocking on
      `take_delivered()`. "pose_hands" is the tracker's default (a hand
      model per arm on a crop from the previous pose, concurrent with pose);
      "pose_hands_fullframe" runs the same full-frame two-hand model as the
      bare loop, concurrently with pose.

Printed: fps of each, ratio b/a, capture->consumer latency p50/p95 (ms),
frames dropped by the mailbox, and the process's peak resident memory (MB,
cumulative over the run including the decoded frames, from getrusage).
Models are loaded before timing. Then a camera-like "live" run: frames
arrive at the video's own rate (pace=True) and a 60 Hz game loop polls
`take_delivered()`; its latency includes waiting for the next game tick,
and frames tracked but overwritten before the loop took them are "dropped".
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


def pipeline(frames: list[np.ndarray], fps: float, hands: bool, hand_roi: bool = True) -> dict[str, float]:
    tracker = MediaPipeTracker(hands=hands, hand_roi=hand_roi)  # models loaded before the clock starts
    pipe = TrackingPipeline(ArraySource(frames, fps or 30.0), tracker, keep_image=False)
    got = 0
    t0 = time.perf_counter()
    pipe.start()
    while True:
        d = pipe.take_delivered(timeout=1.0)
        if d is not None:
            got += 1
            continue
        if pipe.status.state != "ok":
            break
    dt = time.perf_counter() - t0
    pipe.stop()
    st = pipe.stats
    return {"pipeline_fps": st.tracked / dt, "latency_p50_ms": st.latency_percentile(50),
            "latency_p95_ms": st.latency_percentile(95), "dropped": st.dropped, "taken": got}


def live(frames: list[np.ndarray], fps: float, hands: bool) -> dict[str, float]:
    """Camera-like: frames arrive at the video's rate; a 60 Hz game loop polls the mailbox."""
    tracker = MediaPipeTracker(hands=hands)
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


def run(path: str, seconds: float, max_side: int) -> dict[str, Any]:
    frames, fps = decode(path, seconds, max_side)
    if not frames:
        raise SystemExit(f"{path}: no frames decoded")
    h, w = frames[0].shape[:2]
    out: dict[str, Any] = {"video": path, "frames": len(frames), "width": w, "height": h,
                           "video_fps": fps, "cpus": os.cpu_count(),
                           "load_avg_1min": os.getloadavg()[0]}
    for name, hands, roi in (("pose", False, False), ("pose_hands", True, True),
                             ("pose_hands_fullframe", True, False)):
        a = bare(frames, hands)
        b = pipeline(frames, fps, hands, roi)
        out[name] = {"bare_fps": a, **b, "ratio": b["pipeline_fps"] / a, "peak_mb": peak_mb()}
        if roi or not hands:
            out[name].update(live(frames, fps, hands))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("video")
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--max-side", type=int, default=640)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    try:
        res = run(args.video, args.seconds, args.max_side)
    except SourceError as exc:
        print(exc, file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(res))
        return 0
    print(f"{res['video']}: {res['frames']} frames {res['width']}x{res['height']} "
          f"({res['video_fps']:.2f} fps video), {res['cpus']} CPUs, load {res['load_avg_1min']:.2f}")
    for name in ("pose", "pose_hands", "pose_hands_fullframe"):
        r = res[name]
        print(f"  {name:<20} bare {r['bare_fps']:6.1f} fps | pipeline {r['pipeline_fps']:6.1f} fps "
              f"| ratio {r['ratio']:.2f} | latency p50 {r['latency_p50_ms']:.1f} ms p95 "
              f"{r['latency_p95_ms']:.1f} ms | dropped {r['dropped']} | peak {r['peak_mb']:.0f} MB")
        if "live_taken" in r:
            print(f"  {'':<20} live at {res['video_fps']:.1f} fps, 60 Hz consumer: latency p50 "
                  f"{r['live_latency_p50_ms']:.1f} ms p95 {r['live_latency_p95_ms']:.1f} ms | "
                  f"taken {r['live_taken']} | dropped {r['live_dropped']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
