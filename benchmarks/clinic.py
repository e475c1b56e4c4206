"""Clinic benchmark: N simulated stations streaming to one dashboard on loopback.

Starts `neuroplay dashboard` in its own process (a fresh SQLite data dir),
creates a therapist and one station token per station, then runs N
`clinic.station.StationClient`s publishing a synthetic live state (with a 33
point skeleton) at ~10 Hz and one telemetry event every 0.5 s. A logged-in
browser-facing websocket (/ws/live) measures state latency (station publish
-> browser socket). Halfway, a third of the stations have their connection
forcibly dropped and reconnect by themselves. At the end it checks every
event of every station run is stored exactly once.

Prints: latency p50/p95/max (ms), updates received, dashboard CPU
(process time / wall, from /proc), events sent / stored / lost / doubled,
duplicates the dashboard dropped after the reconnects. `--json` for a JSON
line. Bounded: stops by itself after --seconds (default 10) plus draining.

    python benchmarks/clinic.py [--stations 20] [--seconds 10] [--hz 10] [--json]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

PASSWORD = "benchmark-password"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def skeleton(t: float, k: int) -> list[list[float]]:
    a = 0.6 + 0.5 * math.sin(t * 1.5 + k)
    pts = [[0.5, 0.5, 0.0] for _ in range(33)]
    pts[11], pts[12] = [0.62, 0.4, 1.0], [0.38, 0.4, 1.0]
    pts[15] = [0.62 + 0.24 * math.cos(a), 0.48 - 0.24 * math.sin(a), 1.0]
    return pts


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, round(q / 100 * (len(s) - 1)))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--stations", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--hz", type=float, default=10.0)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    if not (1 <= args.stations <= 200 and 1 <= args.seconds <= 120 and 1 <= args.hz <= 60):
        sys.exit("stations 1-200, seconds 1-120, hz 1-60")

    import httpx
    from websockets.sync.client import connect

    from clinic.station import StationClient
    from telemetry.clinic import ClinicStore
    from telemetry.store import Store

    tmp = Path(tempfile.mkdtemp(prefix="np_clinic_bench_"))
    store = Store.open(data_dir=tmp)
    cs = ClinicStore(store.engine)
    clinic_id = cs.add_therapist("bench", "Bench Clinic", PASSWORD).clinic_id
    names = [f"station-{i:02d}" for i in range(args.stations)]
    tokens = {n: cs.new_station_token(n, clinic_id, "bench") for n in names}
    store.close()

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "-c", "from game.cli import main; main()", "dashboard",
         "--data-dir", str(tmp), "--port", str(port)],
        cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(base + "/login", timeout=1)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline or server.poll() is not None:
                    sys.exit("dashboard did not start: " + server.stderr.read().decode()[-400:])
                time.sleep(0.1)
        http = httpx.Client(base_url=base)
        token = re.search(r'name="csrf_token" value="([^"]+)"', http.get("/login").text)
        assert token is not None
        http.post("/login", data={"username": "bench", "password": PASSWORD,
                                  "csrf_token": token.group(1)})
        cookie = http.cookies.get("np_session")

        latencies: list[float] = []
        stop_browser = threading.Event()
        browser_ready = threading.Event()

        def browser() -> None:
            url = base.replace("http", "ws") + "/ws/live"
            with connect(url, additional_headers={"Cookie": f"np_session={cookie}"},
                         max_size=2 ** 22) as ws:
                browser_ready.set()
                while not stop_browser.is_set():
                    try:
                        msg = json.loads(ws.recv(timeout=0.2))
                    except TimeoutError:
                        continue
                    sent = (msg.get("state") or {}).get("sent_at")
                    if sent is not None:
                        latencies.append((time.time() - sent) * 1000)

        bt = threading.Thread(target=browser, daemon=True)
        bt.start()
        browser_ready.wait(10)

        clients = [StationClient(base, n, tokens[n], patient=None, exercise="reaching")
                   .start() for n in names]
        for c in clients:
            c.connected.wait(10)
        cpu0, wall0 = cpu_seconds(server.pid), time.monotonic()
        period = 1.0 / args.hz
        ticks = int(args.seconds * args.hz)
        dropped_at = ticks // 2
        next_t = time.monotonic()
        for k in range(ticks):
            t = k * period
            for i, c in enumerate(clients):
                c.publish_state({"exercise": "reaching", "dose": {"reach_fraction": 0.6},
                                 "success_rate": 0.8, "tracking": 0.95, "paused": False,
                                 "skeleton": skeleton(t, i)})
                if k % max(1, int(args.hz / 2)) == 0:
                    c.record("hit", {"tick": k})
            if k == dropped_at:
                for c in clients[::3]:
                    c.drop_connection()
            next_t += period
            time.sleep(max(0.0, next_t - time.monotonic()))
        drained = all(c.wait_drained(20) for c in clients)
        wall = time.monotonic() - wall0
        cpu = cpu_seconds(server.pid) - cpu0
        time.sleep(0.3)
        stop_browser.set()
        bt.join(5)
        sent = {c.station: c.sent_total() for c in clients}
        runs = {c.station: c.run_id for c in clients}
        reconnects = sum(c.connections - 1 for c in clients)
        for c in clients:
            c.stop(0)
    finally:
        server.terminate()
        server.wait(10)

    store = Store.open(data_dir=tmp)
    cs = ClinicStore(store.engine)
    lost = doubled = stored = 0
    for n in names:
        seqs = [e["seq"] for e in cs.station_events(n, runs[n])]
        stored += len(seqs)
        doubled += len(seqs) - len(set(seqs))
        lost += len(set(range(1, sent[n] + 1)) - set(seqs))
    store.close()
    result = {
        "stations": args.stations, "hz": args.hz, "seconds": args.seconds,
        "state_updates_received": len(latencies),
        "latency_ms_p50": round(percentile(latencies, 50), 2),
        "latency_ms_p95": round(percentile(latencies, 95), 2),
        "latency_ms_max": round(max(latencies), 2) if latencies else None,
        "dashboard_cpu": round(cpu / wall, 3),
        "events_sent": sum(sent.values()), "events_stored": stored,
        "events_lost": lost, "events_doubled": doubled,
        "forced_disconnects": len(clients[::3]), "reconnects": reconnects,
        "drained": drained,
    }
    if args.json:
        print(json.dumps(result))
    else:
        print(f"{args.stations} stations x {args.hz:g} Hz for {args.seconds:g} s on loopback")
        print(f"state latency to the browser socket: p50 {result['latency_ms_p50']} ms, "
              f"p95 {result['latency_ms_p95']} ms, max {result['latency_ms_max']} ms "
              f"({len(latencies)} updates, median "
              f"{statistics.median(latencies) if latencies else float('nan'):.2f} ms)")
        print(f"dashboard CPU: {100 * result['dashboard_cpu']:.1f} % of one core "
              f"(process time / wall)")
        print(f"events: sent {result['events_sent']}, stored {stored}, lost {lost}, "
              f"doubled {doubled}; forced disconnects {result['forced_disconnects']}, "
              f"reconnects {reconnects}")
    if lost or doubled or not drained:
        sys.exit(1)


if __name__ == "__main__":
    main()
