"""Dexterity games: pose + hand tracking cost on a real clip, and the per-frame game work.

Why: the dexterity games need hand landmarks at camera rate (30 fps) on a
2-core machine, next to pose. MediaPipe Hands on the full frame first runs
a palm detector over the whole image; vision's tracker instead runs one
hand model on a square crop around the playing arm's pose wrist (from the
previous frame), in parallel with pose (what the hand games use:
`MediaPipeTracker(hands=True, arms=(hand,))`). This measures both, and pose
alone for reference, on the same decoded frames (decoding is done first and
not timed), then the rest of a dexterity frame: IntentsBuilder with hands,
the tapping exercise step, and the mirror-therapy video composite.

Prints per configuration: frames, fps (frames / wall time of tracking),
latency p50/p95/max (ms per frame), CPU time per frame (all threads; it
hardly depends on other work sharing the cores, fps does), and the share
of frames with the playing hand found; then the game work in ms (p50/p95).

    python benchmarks/dexterity.py [--video FILE] [--seconds 6] [--side 640] [--json]

Default clip: ../shared/data/videos/hand/sagor_hand_open_close.mp4 (1920x1080,
27.9 fps, a seated man opening and closing his left hand).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("GLOG_minloglevel", "2")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np

DEFAULT_VIDEO = Path(__file__).resolve().parents[2] / "shared" / "data" / "videos" / "hand" / "sagor_hand_open_close.mp4"


def stats(ms: list[float]) -> dict[str, float]:
    a = np.asarray(ms)
    return {"p50_ms": float(np.percentile(a, 50)), "p95_ms": float(np.percentile(a, 95)),
            "max_ms": float(a.max()), "n": int(a.size)}


def decode(path: Path, seconds: float, side: int) -> tuple[list[tuple[int, np.ndarray]], float]:
    from vision.sources import SourceError, VideoSource

    try:
        with VideoSource(path, max_seconds=seconds, max_side=side) as src:
            frames = list(src)
            return frames, src.fps
    except SourceError as exc:
        raise SystemExit(f"error: {exc}") from None


def track(frames: list[tuple[int, np.ndarray]], label: str = "Left",
          **tracker_kw: Any) -> tuple[dict[str, Any], list[Any]]:
    from vision.trackers import MediaPipeTracker

    out = []
    lat: list[float] = []
    with MediaPipeTracker(**tracker_kw) as tracker:
        tracker.process(frames[0][1], frames[0][0] - 1, -1)  # model warm-up, not timed
        t0 = time.perf_counter()
        c0 = time.process_time()
        for k, (t_ns, img) in enumerate(frames):
            s = time.perf_counter()
            out.append(tracker.process(img, t_ns, k))
            lat.append((time.perf_counter() - s) * 1e3)
        wall = time.perf_counter() - t0
        cpu = time.process_time() - c0
    found = sum(f.hand(label) is not None for f in out) / len(out)  # the playing hand
    return {"fps": len(out) / wall, "cpu_ms_per_frame": 1e3 * cpu / len(out), "hand_found": found,
            **stats(lat)}, out


def game_work(tracked: list[Any], side: str) -> dict[str, Any]:
    from dataclasses import replace

    from exercises.dexterity.tapping import TappingExercise
    from exercises.doses import TappingDose
    from vision.intents_builder import IntentsBuilder
    from vision.mirror import MirrorTransform

    builder = IntentsBuilder(hands=True, arms=(side,))  # type: ignore[arg-type]
    ex = TappingExercise(TappingDose(side=side, set_s=1e6))  # type: ignore[arg-type]
    mirror = MirrorTransform("split", "right" if side == "left" else "left")
    logic: list[float] = []
    comp: list[float] = []
    t0 = tracked[0][0].t_ns
    prev = None
    for f, (_, img) in tracked:
        s = time.perf_counter()
        intents = builder.build(f, t0)
        ex.step(intents, max(1e-3, intents.t - prev) if prev is not None else 1 / 30)
        prev = intents.t
        logic.append((time.perf_counter() - s) * 1e3)
        s = time.perf_counter()
        mirror.apply(replace(f, image=img))
        comp.append((time.perf_counter() - s) * 1e3)
    return {"intents_and_step": stats(logic), "mirror_composite": stats(comp)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--video", type=Path, default=DEFAULT_VIDEO)
    ap.add_argument("--seconds", type=float, default=6.0)
    ap.add_argument("--side", type=int, default=640, help="decode so the longer side is this many pixels")
    ap.add_argument("--hand", choices=["left", "right"], default="left", help="the hand that plays")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    if not args.video.is_file():
        print(f"error: {args.video}: video not found (pass --video)", file=sys.stderr)
        return 2
    frames, fps = decode(args.video, args.seconds, args.side)
    if not frames:
        print(f"error: {args.video}: no frames decoded", file=sys.stderr)
        return 2
    h, w = frames[0][1].shape[:2]
    result: dict[str, Any] = {"video": str(args.video), "frames": len(frames), "size": [w, h],
                              "video_fps": fps, "cpus": os.cpu_count(),
                              "load_avg": os.getloadavg()[0]}
    label = "Left" if args.hand == "left" else "Right"
    result["pose_only"], _ = track(frames, label, hands=False)
    result["pose_hands_full_frame"], _ = track(frames, label, hands=True, hand_roi=False)
    result["pose_hands_wrist_crops"], tracked = track(frames, label, hands=True, hand_roi=True,
                                                      arms=(args.hand,))
    result["game_work"] = game_work(list(zip(tracked, frames)), args.hand)
    if args.json:
        print(json.dumps(result))
        return 0
    print(f"{args.video.name}: {len(frames)} frames {w}x{h} at {fps:.1f} fps; {os.cpu_count()} cpus, "
          f"load average {result['load_avg']:.2f}")
    for key, label in (("pose_only", "pose only"), ("pose_hands_full_frame", "pose + hands, full frame"),
                       ("pose_hands_wrist_crops", "pose + hands, wrist crops")):
        r = result[key]
        print(f"  {label:27s} {r['fps']:5.1f} fps; latency p50 {r['p50_ms']:5.1f} ms, p95 {r['p95_ms']:5.1f} ms, "
              f"max {r['max_ms']:5.1f} ms; cpu {r['cpu_ms_per_frame']:5.1f} ms/frame; "
              f"hand found in {100 * r['hand_found']:.0f} % of frames")
    g = result["game_work"]
    print(f"  game work per frame: intents + tapping step p50 {g['intents_and_step']['p50_ms']:.2f} ms, "
          f"p95 {g['intents_and_step']['p95_ms']:.2f} ms; mirror composite p50 "
          f"{g['mirror_composite']['p50_ms']:.2f} ms, p95 {g['mirror_composite']['p95_ms']:.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
