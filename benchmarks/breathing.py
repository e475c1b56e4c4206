"""Paced breathing: how well the breathing rate is read from the shoulders.

Part 1, synthetic (known rate): shoulder-height signals breathing at 4-20 /min,
sampled at 15-30 fps, with white landmark noise 0.002-0.06 shoulder widths and a
breathing swing of 0.04 peak to peak (1.6 cm at a 40 cm shoulder width), 60 s each;
prints the rate error and how often the reading says "pacer only".

Part 2, real video (../shared/data; no clip there is labelled with breathing):
MediaPipe Pose on the stillest clips and, for contrast, one with arm movement;
prints per clip the seconds of signal, the breathing band's swing, the noise
level, signal-to-noise, periodicity, how much of the movement the rhythm explains (fit),
the state and the rate it reads. Without a
label the rate can only be judged against a resting adult's 12-20 /min.

    python -m benchmarks.breathing [--no-video]   (-m: benchmarks/telemetry.py would shadow the package)
"""

from __future__ import annotations

import argparse
import itertools
from pathlib import Path

import numpy as np

from exercises.breathing import REACTION_S, Pacer, estimate, shoulder_height_bu, synthetic_chest

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "videos"
CLIPS = (("upper_limb/sagor_wrist_flexion.mp4", "seated, still body, one wrist flexing"),
         ("hand/sagor_hand_open_close.mp4", "seated, one hand raised, opening/closing"),
         ("hand/raiyan_finger_tapping_test4.mov", "head and shoulders, finger tapping"),
         ("repetition/quva_052_stirring.mp4", "child at a table, stirring"),
         ("upper_limb/sagor_elbow_flexion.mp4", "contrast: arms abducted, elbows flexing"))


def synthetic() -> None:
    print("Part 1: synthetic shoulder motion, 60 s, swing 0.04 shoulder widths peak to peak")
    print(f"{'noise (sw)':>10} {'n':>4} {'tracking':>9} {'mean |err| /min':>16} "
          f"{'max |err|':>10} {'adherence':>10}")
    for noise in (0.002, 0.008, 0.03, 0.06):
        errs, tracked, adh, n = [], 0, [], 0
        for rate, fps, seed in itertools.product(range(4, 21, 2), (15, 20, 25, 30), range(3)):
            t, y = synthetic_chest(float(rate), float(fps), 60.0, noise_bu=noise, seed=seed,
                                   lag_s=REACTION_S)
            r = estimate(t, y, Pacer(30.0 / rate, 30.0 / rate))
            n += 1
            if r.state == "tracking" and r.rate_per_min is not None:
                tracked += 1
                errs.append(abs(r.rate_per_min - rate))
                if r.adherence is not None:
                    adh.append(r.adherence)
        e = np.array(errs) if errs else np.array([np.nan])
        print(f"{noise:10.3f} {n:4d} {tracked / n:9.0%} {np.mean(e):16.2f} {np.max(e):10.2f} "
              f"{(np.mean(adh) if adh else float('nan')):10.2f}")


def real(seconds: float) -> None:
    from vision.sources import VideoSource
    from vision.trackers import MediaPipeTracker

    print(f"\nPart 2: real clips (MediaPipe Pose, up to {seconds:g} s each; no breathing labels)")
    print(f"{'clip':58} {'s':>5} {'swing sw':>9} {'noise sw':>9} {'SNR':>5} {'per.':>5} "
          f"{'fit':>5} {'state':>11} {'rate/min':>8}")
    for clip, what in CLIPS:
        path = DATA / clip
        if not path.exists():
            print(f"{clip}: not found")
            continue
        ts, ys = [], []
        with VideoSource(path, max_seconds=seconds, max_side=640) as src, \
                MediaPipeTracker(hands=False) as tr:
            k = 0
            while (got := src.read()) is not None:
                f = tr.process(got[1], got[0], k)
                k += 1
                ts.append(f.t)
                h = None if f.pose is None else shoulder_height_bu(f.pose, f.width, f.height)
                ys.append(np.nan if h is None else h)
        from telemetry.counting import noise_level

        r = estimate(np.array(ts), np.array(ys))
        rate = "-" if r.rate_per_min is None else f"{r.rate_per_min:.1f}"
        per = "-" if r.periodicity is None else f"{r.periodicity:.2f}"
        fit = "-" if r.fit_ratio is None else f"{r.fit_ratio:.2f}"
        name = f"{clip.split('/')[-1][:24]} ({what})"[:58]
        print(f"{name:58} {r.seconds:5.1f} {2.83 * r.amplitude_bu:9.4f} "
              f"{noise_level(np.array(ys)):9.4f} {r.snr:5.1f} {per:>5} {fit:>5} {r.state:>11} "
              f"{rate:>8}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--no-video", action="store_true", help="Only the synthetic part.")
    ap.add_argument("--seconds", type=float, default=30.0)
    args = ap.parse_args()
    synthetic()
    if not args.no_video:
        real(args.seconds)


if __name__ == "__main__":
    main()
