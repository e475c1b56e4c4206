"""GMI stage 2: windowed limb speed (shoulder widths / s) on real clips, still vs moving.

Prints per clip the 50th/90th/99th percentile and maximum of the stillness
monitor's windowed speed (exercises.gmi.stillness, 0.3 s window) and whether
the plan's default threshold would end a trial as "moved". Needs ../shared/data.

    python benchmarks/gmi_stillness.py [--seconds 5]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from exercises.gmi.rules import Imagery
from exercises.gmi.stillness import StillnessMonitor, limb_points_bu, windowed_speeds
from vision.sources import VideoSource
from vision.trackers import MediaPipeTracker

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "videos"
CLIPS = (("hand/raiyan_finger_tapping_test4.mov", "right", "still arm, fingers tapping"),
         ("hand/sagor_hand_open_close.mp4", "left", "still arm, hand opening/closing"),
         ("upper_limb/sagor_wrist_flexion.mp4", "left", "forearm held, wrist flexing"),
         ("upper_limb/sagor_elbow_flexion.mp4", "left", "elbow flexion"),
         ("upper_limb/sagor_shoulder_flexion_abduction.mp4", "left", "arm raises"),
         ("upper_limb/noor_lateral_raise.mp4", "left", "lateral raises"))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=5.0)
    args = ap.parse_args()
    thr = Imagery().stillness_bu_s
    print(f"threshold {thr} shoulder widths/s, window 0.3 s, first {args.seconds:g} s of each clip")
    print(f"{'clip':52} {'p50':>6} {'p90':>6} {'p99':>6} {'max':>6}  moved")
    for clip, side, what in CLIPS:
        ts, pts = [], []
        with VideoSource(DATA / clip, max_seconds=args.seconds, max_side=640) as src, \
                MediaPipeTracker(hands=False) as tr:
            k = 0
            while (got := src.read()) is not None:
                f = tr.process(got[1], got[0], k)
                k += 1
                ts.append(f.t)
                pts.append(None if f.pose is None else
                           limb_points_bu(f.pose, f.width, f.height, side))
        s = windowed_speeds(np.array(ts), pts)
        mon = StillnessMonitor(thr)
        for t, p in zip(ts, pts, strict=True):
            mon.update(t, p)
        q = np.nanpercentile(s, [50, 90, 99, 100])
        print(f"{clip.split('/')[-1][:26] + ' (' + what + ')':52} "
              f"{q[0]:6.3f} {q[1]:6.3f} {q[2]:6.3f} {q[3]:6.3f}  {mon.moved}")


if __name__ == "__main__":
    main()
