"""Headless sessions and crash safety: what flushing on session time costs, and what it bounds.

    python benchmarks/headless_flush.py [--runs 3] [--seconds 60] [--json]

Runs `neuroplay demo --headless --no-report` (the real console entry point, a
simulated clock ~50x real time) `--runs` times and prints, per run, the wall
time, and from the stored session: the number of landmark chunks written
(one per flush that had frames) and the largest span of SESSION time one
chunk covers (what a SIGKILL just before that flush could lose; the recorder
flushes at 0.5 s of session time, so it is at most 0.5 s plus one frame).
Compare with the wall-timer-only recorder by checking out an older
telemetry/store.py: its chunks spanned ~25 s of session each.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from contextlib import closing
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
FRAME_S = 1 / 30.0  # one camera frame at 30 fps (a chunk's last frame lasts until the next)


def one_run(seconds: float) -> dict[str, float]:
    from telemetry.landmarks import decode_frames

    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy"}
        env.pop("NEUROPLAY_DB", None)
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "from game.cli import main; main()", "demo",
                        "--headless", "--no-report", "--seconds", str(seconds), "--data-dir", tmp],
                       cwd=REPO, env=env, check=True, capture_output=True)
        wall = time.perf_counter() - start
        with closing(sqlite3.connect(Path(tmp) / "neuroplay.db")) as con:
            blobs = [r[0] for r in con.execute("SELECT data FROM landmark_chunks ORDER BY seq")]
            events = con.execute("SELECT count(*) FROM events").fetchone()[0]
    chunks = [[f.t for f in decode_frames(b)] for b in blobs]
    # The session time one flush carried: from its first frame to the next flush's first
    # (or its own last frame): what was at risk just before that flush.
    spans = [min(nxt[0], cur[-1] + FRAME_S) - cur[0] for cur, nxt in itertools.pairwise(chunks)]
    return {"wall_s": round(wall, 2), "chunks": len(chunks), "events": events,
            "frames": sum(len(c) for c in chunks),
            "max_chunk_span_s": round(max(spans), 3) if spans else 0.0}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    runs = [one_run(args.seconds) for _ in range(args.runs)]
    load = os.getloadavg()[0]
    if args.json:
        print(json.dumps({"runs": runs, "load": load}))
        return
    for r in runs:
        print(f"demo --headless --seconds {args.seconds:g}: {r['wall_s']} s wall; {r['chunks']} "
              f"chunks of {r['frames']} frames, {r['events']} events; most session time "
              f"carried by one flush {r['max_chunk_span_s']} s")
    print(f"machine: {os.cpu_count()} cores, load average {load:.2f}")


if __name__ == "__main__":
    main()
