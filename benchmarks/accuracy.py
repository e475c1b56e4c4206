"""Accuracy scoreboard: `neuroplay assess` on every labelled real recording in ../shared/data.

Why: counts and angles must hold on real people, not only on the virtual
patient. This runs the same tracking and measurement as `neuroplay assess`
(game.cli.assess.track_video: every frame, hands, person search; then
telemetry.assess.assess) over:

* the ten QUVA repetition clips (../shared/data/videos/repetition, the
  dataset's own cycle labels in labels.json) with `--task auto`: per clip the
  true and measured count and the error; then the mean absolute count error
  divided by the true count (MAE; published on the whole 100-clip QUVA set:
  0.232 Runia et al. 2018, 0.104 RepNet 2020) and the off-by-one accuracy;
* the clips we counted by eye frame by frame (benchmarks/accuracy_truth.json,
  with how each was counted): taps on the tapping clip (target: within +-1),
  hand closings, elbow flexions, arm raises, each with its named task and with
  `--task auto`;
* elbow range of motion on the curl and shoulder clips (must lie within the
  anatomical 0-150 deg), and the shoulder elevation of
  sagor_shoulder_flexion_abduction.mp4 against the by-eye reading.

    python benchmarks/accuracy.py [--json] [--cache DIR] [--only SUBSTRING]

`--cache DIR` keeps each clip's tracked landmarks (a replay, never video) so a
second run only measures. Prints the machine load: tracking time depends on
it, the figures do not. Without ../shared/data it says so and exits 0.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import warnings
from pathlib import Path
from typing import Any

os.environ.setdefault("GLOG_minloglevel", "2")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np

SHARED = ROOT.parent / "shared" / "data"
TRUTH = Path(__file__).with_name("accuracy_truth.json")
QUVA_PUBLISHED = {"Runia et al. 2018": 0.232, "RepNet (Dwibedi et al. 2020)": 0.104}
MAE_TARGET = 0.10


def frames_of(clip: Path, cache: Path | None) -> tuple[list[Any], float, float]:
    """(frames, fps, seconds spent tracking) of a clip, from the cache when there."""
    from game.cli.assess import track_video
    from vision.replay import load_replay, write_replay

    cached = None
    if cache is not None:
        st = clip.stat()
        cached = cache / f"{clip.stem}-{st.st_size}-{int(st.st_mtime)}.npz"
        if cached.is_file():
            rec = load_replay(cached)
            return list(rec.frames), rec.fps, 0.0
    t0 = time.perf_counter()
    frames, fps = track_video(clip, hands=True)
    spent = time.perf_counter() - t0
    if cached is not None:
        cache.mkdir(parents=True, exist_ok=True)
        write_replay(cached, frames, source=clip.name, fps=fps, hands=True)
    return frames, fps, spent


def measure(frames: list[Any], fps: float, task: str, side: str | None = None) -> Any:
    from telemetry.assess import assess

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return assess(frames, task, side, fps=fps)


def run(cache: Path | None, only: str | None) -> dict[str, Any]:
    truth = json.loads(TRUTH.read_text(encoding="utf-8"))
    labels = json.loads((SHARED / "videos/repetition/labels.json").read_text(encoding="utf-8"))
    counts: list[dict[str, Any]] = []
    roms: list[dict[str, Any]] = []
    tracking_s = 0.0
    loaded: dict[str, tuple[list[Any], float]] = {}

    def get(rel: str) -> tuple[list[Any], float]:
        nonlocal tracking_s
        if rel not in loaded:
            frames, fps, spent = frames_of(SHARED / rel, cache)
            tracking_s += spent
            loaded[rel] = (frames, fps)
        return loaded[rel]

    def wanted(rel: str) -> bool:
        return only is None or only in rel

    for name, lab in sorted(labels.items()):
        rel = f"videos/repetition/{name}"
        if not wanted(rel):
            continue
        frames, fps = get(rel)
        a = measure(frames, fps, "auto")
        counts.append({"set": "QUVA", "clip": name, "task": "auto", "truth": lab["repetitions"],
                       "measured": a.repetitions, "signal": a.measured})
    for rel, t in truth["clips"].items():
        if not wanted(rel):
            continue
        frames, fps = get(rel)
        tasks = [t["task"]] + ([] if t["task"] == "auto" else ["auto"])
        for task in tasks:
            a = measure(frames, fps, task)
            counts.append({"set": "by eye", "clip": Path(rel).name, "task": task,
                           "truth": t["count"], "measured": a.repetitions, "signal": a.measured})
        if "elbow_flexion_count" in t:
            a = measure(frames, fps, "elbow-flexion")
            counts.append({"set": "by eye", "clip": Path(rel).name, "task": "elbow-flexion",
                           "truth": t["elbow_flexion_count"], "measured": a.repetitions,
                           "signal": a.measured})
    for rel in truth["rom_clips"]["elbow"]:
        if not wanted(rel):
            continue
        frames, fps = get(rel)
        a = measure(frames, fps, "elbow-flexion")
        r = a.rom or {}
        row = {"clip": Path(rel).name, "joint": "elbow flexion", "side": a.side,
               "min_deg": r.get("min_angle"), "max_deg": r.get("max_angle"),
               "rom_per_rep_mean_deg": r.get("mean"),
               "rom_reliable_deg": r.get("recording_rom_reliable"),
               "reliable_fraction": (a.angle_method or {}).get("reliable_fraction"),
               "method": (a.angle_method or {}).get("method"), "by_eye": None}
        by_eye = truth["clips"].get(rel, {}).get("rom_by_eye_deg")
        if by_eye:
            row["by_eye"] = by_eye
        row["in_anatomical_range"] = (row["min_deg"] is None or row["min_deg"] >= 0) and \
            (row["max_deg"] is None or row["max_deg"] <= 150)
        roms.append(row)
    rel = "videos/upper_limb/sagor_shoulder_flexion_abduction.mp4"
    if wanted(rel):
        frames, fps = get(rel)
        eye = truth["clips"][rel]["elevation_by_eye_deg"]
        for side in ("left", "right"):
            a = measure(frames, fps, "shoulder-flexion", side)
            r = a.rom or {}
            roms.append({"clip": Path(rel).name, "joint": "shoulder elevation", "side": side,
                         "min_deg": r.get("min_angle"), "max_deg": r.get("max_angle"),
                         "rom_per_rep_mean_deg": r.get("mean"),
                         "rom_reliable_deg": r.get("recording_rom_reliable"),
                         "reliable_fraction": (a.angle_method or {}).get("reliable_fraction"),
                         "method": (a.angle_method or {}).get("method"), "by_eye": eye,
                         "plane": r.get("movement_looks_like"),
                         "in_anatomical_range": (r.get("max_angle") or 0) <= 180})
    for c in counts:
        c["error"] = c["measured"] - c["truth"]
        c["relative_error"] = round(abs(c["error"]) / c["truth"], 4)
    quva = [c for c in counts if c["set"] == "QUVA"]
    taps = [c for c in counts if c["task"] == "tapping"]
    summary = {
        "quva_clips": len(quva),
        "quva_mae": round(float(np.mean([c["relative_error"] for c in quva])), 4) if quva else None,
        "quva_off_by_one_accuracy": round(float(np.mean([abs(c["error"]) <= 1 for c in quva])), 3)
        if quva else None,
        "quva_exact": sum(c["error"] == 0 for c in quva),
        "quva_mae_target": MAE_TARGET, "quva_published_mae": QUVA_PUBLISHED,
        "taps_within_1": all(abs(c["error"]) <= 1 for c in taps) if taps else None,
        "by_eye_within_1": sum(abs(c["error"]) <= 1 for c in counts if c["set"] == "by eye"),
        "by_eye_rows": sum(1 for c in counts if c["set"] == "by eye"),
        "elbow_rom_in_anatomical_range": all(r["in_anatomical_range"] for r in roms
                                             if r["joint"] == "elbow flexion"),
    }
    return {"counts": counts, "rom": roms, "summary": summary,
            "tracking_s": round(tracking_s, 1), "load": os.getloadavg()}


def print_text(res: dict[str, Any]) -> None:
    print(f"{'set':7} {'clip':40} {'task':18} {'truth':>5} {'got':>4} {'err':>4}  signal")
    for c in res["counts"]:
        print(f"{c['set']:7} {c['clip'][:40]:40} {c['task']:18} {c['truth']:>5} "
              f"{c['measured']:>4} {c['error']:>+4}  {c['signal']}")
    print()
    print(f"{'clip':40} {'joint':18} {'side':5} {'min':>6} {'max':>6} {'ROM/rep':>8} "
          f"{'reliable':>8}  by eye   method")

    def f(v: Any) -> str:
        return "-" if v is None else f"{v:.0f}"

    for r in res["rom"]:
        rel = r["reliable_fraction"]
        eye = "-" if not r["by_eye"] else f"{r['by_eye'][0]}-{r['by_eye'][1]}"
        print(f"{r['clip'][:40]:40} {r['joint']:18} {r['side']!s:5} {f(r['min_deg']):>6} "
              f"{f(r['max_deg']):>6} {f(r['rom_per_rep_mean_deg']):>8} "
              f"{'-' if rel is None else f'{rel:.0%}':>8}  {eye:8} {r['method']}"
              + (f" ({r['plane']})" if r.get("plane") else ""))
    s = res["summary"]
    print()
    if s["quva_mae"] is not None:
        print(f"QUVA ({s['quva_clips']} clips, --task auto): MAE {s['quva_mae']:.3f} "
              f"(target <= {s['quva_mae_target']}; published on the whole set: "
              + ", ".join(f"{k} {v}" for k, v in s["quva_published_mae"].items())
              + f"), off-by-one accuracy {s['quva_off_by_one_accuracy']:.0%}, "
              f"exact {s['quva_exact']}/{s['quva_clips']}")
    if s["taps_within_1"] is not None:
        print(f"taps within +-1 on every tapping clip: {'yes' if s['taps_within_1'] else 'NO'}")
    print(f"by-eye counts within +-1: {s['by_eye_within_1']}/{s['by_eye_rows']}")
    print(f"elbow range of motion within 0-150 deg on every clip: "
          f"{'yes' if s['elbow_rom_in_anatomical_range'] else 'NO'}")
    load = ", ".join(f"{x:.2f}" for x in res["load"])
    print(f"tracking took {res['tracking_s']:.0f} s (0 = from the cache); load average {load}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    ap.add_argument("--cache", type=Path, default=None, help="keep tracked landmarks here")
    ap.add_argument("--only", default=None, help="only clips whose path contains this")
    args = ap.parse_args()
    if not SHARED.is_dir():
        print(f"no labelled recordings: {SHARED} is not there (the clips' licences keep them "
              "out of the repository); nothing measured")
        return
    res = run(args.cache, args.only)
    if args.json:
        print(json.dumps(res))
    else:
        print_text(res)


if __name__ == "__main__":
    main()
