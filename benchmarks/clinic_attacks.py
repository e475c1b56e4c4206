"""Clinic attack benchmark: the attacks of issue 13, for real, against a real dashboard.

Each attack starts `neuroplay dashboard` (uvicorn, as the CLI serves it) in its own
process on a fresh SQLite data directory on loopback, and attacks it with real HTTP
requests and real websockets from this process. `--code DIR` runs the dashboard and the
setup from another checkout (e.g. `git archive <commit>` of the code before the fix), so
the same script measures before and after. The attacker side imports nothing of the
project; it speaks HTTP and the station protocol.

  forged-xff   30 wrong passwords, each with a new X-Forwarded-For, then the right one
  concurrent   40 and 100 simultaneous wrong passwords: how many were checked (401)
  big-frame    one 9 MiB `events` frame of 200,000 events while a therapist loads /patients
  memory       a browser socket that never reads + 250 station states of 4 MiB (and 250 of
               the largest state the dashboard accepts): dashboard RSS before/after/freed
  bad-frames   seq 2**70, state nested 100,000 deep, negative seq: the reply, whether the
               connection still acknowledges a good frame, what was stored
  pin          20 wrong PINs in a row through `neuroplay plan set --pin-stdin`
  outbox       file modes of the station outbox journal in the data directory

    python benchmarks/clinic_attacks.py [--code DIR] [--only NAME ...] [--json]
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import random
import re
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
PASSWORD = "attack-bench-password"
THERAPISTS = ("ana", "carl", "dora", "eve")
STATES = 250  # --states

SETUP = r'''
import sys
from telemetry.clinic import ClinicStore
from telemetry.store import Store
from telemetry.synthetic import Course, generate
store = Store.open(data_dir=sys.argv[1])
cs = ClinicStore(store.engine)
cid = None
for name in sys.argv[3].split(","):
    cid = cs.add_therapist(name, "North", sys.argv[2]).clinic_id
if sys.argv[4] == "full":
    generate(store, "p-1", Course(days=30, reps=3))
    cs.add_patient(cid, "p-1")
print(cs.new_station_token("bay-1", cid, "ana"))
store.close()
'''


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


@dataclass
class Dashboard:
    base: str
    proc: subprocess.Popen[bytes]
    data: Path
    token: str
    code: Path

    @property
    def ws(self) -> str:
        return self.base.replace("http", "ws")


def code_env(code: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(code)
    env.pop("NEUROPLAY_DB", None)
    return env


@contextmanager
def dashboard(code: Path, *, patients: bool = True) -> Iterator[Dashboard]:
    import httpx

    data = Path(tempfile.mkdtemp(prefix="np_attack_"))
    out = subprocess.run([sys.executable, "-c", SETUP, str(data), PASSWORD, ",".join(THERAPISTS),
                          "full" if patients else "light"],
                         cwd=code, env=code_env(code), capture_output=True, text=True, check=True)
    token = out.stdout.strip().splitlines()[-1]
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-c", "from game.cli import main; main()",
                             "dashboard", "--data-dir", str(data), "--port", str(port)],
                            cwd=code, env=code_env(code), stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            httpx.get(base + "/login", timeout=1)
            break
        except httpx.HTTPError:
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError("dashboard did not start") from None
            time.sleep(0.1)
    try:
        yield Dashboard(base, proc, data, token, code)
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(data, ignore_errors=True)


def login_client(base: str) -> tuple[Any, str]:
    import httpx

    c = httpx.Client(base_url=base, timeout=300)
    m = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/login").text)
    assert m is not None
    return c, m.group(1)


def login(base: str, user: str, password: str = PASSWORD, **headers: str) -> tuple[Any, int]:
    c, token = login_client(base)
    r = c.post("/login", data={"username": user, "password": password, "csrf_token": token},
               headers=headers)
    return c, r.status_code


# ------------------------------------------------------------------ attacks
def forged_xff(code: Path) -> dict[str, Any]:
    with dashboard(code) as d:
        codes = [login(d.base, "ana", "wrong-password",
                       **{"X-Forwarded-For": f"10.9.0.{n}"})[1] for n in range(1, 31)]
        _, right = login(d.base, "ana", **{"X-Forwarded-For": "10.9.0.31"})
    return {"wrong_answers": dict(Counter(codes)), "right_password_after": right,
            "logged_in": right == 303}


def burst(base: str, passwords: list[str]) -> list[int]:
    """One login for carl per password, all sent at the same moment (one connection each);
    the status codes in the order of `passwords`."""
    clients = [login_client(base) for _ in passwords]
    barrier = threading.Barrier(len(passwords))
    codes: list[int] = [0] * len(passwords)

    def attempt(k: int) -> None:
        c, token = clients[k]
        barrier.wait()
        r = c.post("/login", data={"username": "carl", "password": passwords[k],
                                   "csrf_token": token})
        codes[k] = r.status_code

    threads = [threading.Thread(target=attempt, args=(k,)) for k in range(len(passwords))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return codes


def concurrent(code: Path) -> dict[str, Any]:
    """Wrong passwords at once; then, per fresh dashboard, the right password hidden among
    9 wrong ones sent at the same moment: it may log in only if the dashboard checked it
    among its 5 allowed guesses (the old code decided 401 vs 429 after the check, so its
    status codes do not say how many were checked; a login says it was)."""
    out: dict[str, Any] = {}
    for n in (40, 100):
        with dashboard(code, patients=False) as d:
            codes = burst(d.base, [f"wrong-{k}" for k in range(n)])
            _, right = login(d.base, "carl")
        out[f"{n} at once"] = {"401": codes.count(401), "429": codes.count(429),
                               "right_password_after": right}
    trials, logged_in, checked = 8, 0, []
    for trial in range(trials):
        where = random.Random(trial).randrange(10)  # the last to reach the barrier goes first
        passwords = [f"wrong-{k}" for k in range(9)]
        passwords.insert(where, PASSWORD)
        with dashboard(code, patients=False) as d:
            codes = burst(d.base, passwords)
        logged_in += codes[where] == 303
        checked.append(codes.count(401) + codes.count(303))
    out["right among 10 at once"] = {"trials": trials, "right_one_logged_in": logged_in,
                                     "answered_401_or_303_per_trial": checked}
    return out


def station(d: Dashboard) -> Any:
    import warnings

    from websockets.sync.client import connect

    warnings.filterwarnings("ignore", "connect\\(\\) must be used", DeprecationWarning)
    return connect(d.ws + "/ws/station/bay-1", additional_headers={"X-Station-Token": d.token},
                   max_size=None, open_timeout=30, close_timeout=5)


def outcome_of(ws: Any, timeout: float) -> str:
    """The dashboard's answer to the last frame: a reply, or how the connection ended."""
    from websockets.exceptions import ConnectionClosed

    try:
        reply = json.loads(ws.recv(timeout=timeout))
        return f"{reply.get('type')}: {str(reply.get('error') or reply.get('seqs'))[:90]}"
    except TimeoutError:
        return "no reply"
    except ConnectionClosed as exc:
        return f"closed {exc.rcvd.code if exc.rcvd else 1006}"


def big_frame(code: Path) -> dict[str, Any]:
    import httpx

    with dashboard(code) as d:
        c, status = login(d.base, "dora")
        assert status == 303
        t0 = time.perf_counter()
        assert c.get("/patients").status_code == 200
        baseline = time.perf_counter() - t0
        events = [{"seq": i, "kind": "hit", "t": f"{i % 1000}", "data": {}}
                  for i in range(1, 200_001)]
        frame = json.dumps({"type": "hello", "run_id": "big", "patient": None})
        body = json.dumps({"type": "events", "run_id": "big", "events": events},
                          separators=(",", ":"))
        ws = station(d)
        ws.send(frame)
        ws.send(body)
        sent = time.perf_counter()
        page_times = []
        for _ in range(3):
            t0 = time.perf_counter()
            try:
                r = c.get("/patients")
                page_times.append(round(time.perf_counter() - t0, 3) if r.status_code == 200
                                  else -1)
            except httpx.HTTPError:
                page_times.append(-1)
        answer = outcome_of(ws, 300)
        answered = time.perf_counter() - sent
        ws.close()
        stored = stored_events(d, "big")
        full = full_frames(d, c)
    return {"frame_mib": round(len(body) / 2**20, 2), "events": len(events),
            "patients_page_s_before": round(baseline, 3),
            "patients_page_s_after_frame": page_times, "station_answer": answer,
            "answer_after_s": round(answered, 2), "stored": stored,
            "largest_accepted_frames": full}


def full_frames(d: Dashboard, c: Any) -> dict[str, Any]:
    """What a station may legitimately send at most: 50 frames of 200 events (~0.9 MiB
    each, 10,000 events) back to back, while the therapist loads /patients."""
    ws = station(d)
    ws.send(json.dumps({"type": "hello", "run_id": "full", "patient": None}))
    pad = "z" * 4500
    frames = [json.dumps({"type": "events", "run_id": "full", "events": [
        {"seq": k * 200 + i, "kind": "hit", "t": "1.0", "data": {"pad": pad}}
        for i in range(1, 201)]}) for k in range(50)]
    t0 = time.perf_counter()
    for f in frames:
        ws.send(f)
    pages = []
    for _ in range(5):
        p0 = time.perf_counter()
        c.get("/patients")
        pages.append(time.perf_counter() - p0)
    acks = 0
    while acks < len(frames):
        if outcome_of(ws, 120).startswith("ack"):
            acks += 1
    stored_s = time.perf_counter() - t0
    ws.close()
    return {"frame_mib": round(len(frames[0]) / 2**20, 2), "frames": len(frames),
            "all_acked_s": round(stored_s, 2), "stored": stored_events(d, "full"),
            "patients_page_s_max": round(max(pages), 3)}


def stored_events(d: Dashboard, run: str) -> int:
    import sqlite3

    con = sqlite3.connect(d.data / "neuroplay.db")
    try:
        return int(con.execute("SELECT count(*) FROM station_events WHERE run_id = ?",
                               (run,)).fetchone()[0])
    finally:
        con.close()


def raw_browser(d: Dashboard, cookie: str) -> socket.socket:
    """A /ws/live socket that completes the handshake and then never reads."""
    port = int(d.base.rsplit(":", 1)[1])
    s = socket.create_connection(("127.0.0.1", port))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    key = base64.b64encode(os.urandom(16)).decode()
    s.sendall((f"GET /ws/live HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
               f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
               f"Sec-WebSocket-Version: 13\r\nCookie: np_session={cookie}\r\n\r\n").encode())
    head = b""
    while b"\r\n\r\n" not in head:
        head += s.recv(1)
    assert b" 101 " in head.split(b"\r\n", 1)[0], head[:100]
    return s


def memory(code: Path) -> dict[str, Any]:
    from websockets.exceptions import ConnectionClosed

    out: dict[str, Any] = {}
    for label, size in (("4MiB", 4 * 2**20), ("60KiB", 60 * 2**10)):
        with dashboard(code) as d:
            c, status = login(d.base, "dora")
            assert status == 303
            browser = raw_browser(d, c.cookies.get("np_session"))
            time.sleep(0.5)
            before = rss_mb(d.proc.pid)
            ws = station(d)
            ws.send(json.dumps({"type": "hello", "run_id": "mem", "patient": None}))
            sent = closes = 0
            pad = "y" * (size - 200)
            for i in range(STATES):
                frame = json.dumps({"type": "state", "run_id": "mem",
                                    "state": {"n": i, "pad": pad}})
                try:
                    ws.send(frame)
                    sent += 1
                except ConnectionClosed:
                    closes += 1
                    ws = station(d)
                    ws.send(frame)
                    sent += 1
            # a valid frame, so we know the dashboard has taken every state before it
            good = json.dumps({"type": "events", "run_id": "mem",
                               "events": [{"seq": 1, "kind": "k", "t": "0", "data": {}}]})
            for _ in range(5):
                try:
                    ws.send(good)
                    answer = outcome_of(ws, 120)
                except ConnectionClosed:
                    answer = "closed"
                while answer.startswith(("state", "notice", "error")):
                    answer = outcome_of(ws, 120)
                if answer.startswith("ack"):
                    break
                closes += 1
                ws = station(d)
            time.sleep(1.0)
            after = rss_mb(d.proc.pid)
            browser.close()
            ws.close()
            time.sleep(3.0)
            freed = rss_mb(d.proc.pid)
        out[label] = {"states": sent, "station_reconnects": closes,
                      "rss_mb_before": round(before), "rss_mb_after": round(after),
                      "rss_mb_after_disconnect": round(freed)}
    return out


def bad_frames(code: Path) -> dict[str, Any]:
    from websockets.exceptions import ConnectionClosed

    cases = {
        "seq 2**70": {"type": "events", "run_id": "bad",
                      "events": [{"seq": 2**70, "kind": "hit", "t": "1.0", "data": {}}]},
        "negative seq": {"type": "events", "run_id": "bad",
                         "events": [{"seq": -5, "kind": "hit", "t": "1.0", "data": {}}]},
    }
    deep = ('{"type": "state", "run_id": "bad", "state": {"a": ' + "[" * 100_000
            + "]" * 100_000 + "}}")
    out: dict[str, Any] = {}
    with dashboard(code) as d:
        for name, raw in [*((k, json.dumps(v)) for k, v in cases.items()),
                          ("state nested 100,000 deep", deep)]:
            ws = station(d)
            ws.send(json.dumps({"type": "hello", "run_id": "bad", "patient": None}))
            ws.send(raw)
            answer = outcome_of(ws, 10)
            good = {"type": "events", "run_id": "good",
                    "events": [{"seq": 1, "kind": "hit", "t": "1.0", "data": {}}]}
            try:
                ws.send(json.dumps(good))
                after = outcome_of(ws, 10)
            except ConnectionClosed as exc:
                after = f"closed {exc.rcvd.code if exc.rcvd else 1006}"
            ws.close()
            out[name] = {"reply": answer, "then a good frame": after}
        out["stored from the bad frames"] = stored_events(d, "bad")
    return out


def pin(code: Path) -> dict[str, Any]:
    data = Path(tempfile.mkdtemp(prefix="np_attack_pin_"))
    env = code_env(code)
    env.pop("NEUROPLAY_PIN", None)
    cli = [sys.executable, "-c", "from game.cli import main; main()"]
    subprocess.run([*cli, "patients", "add", "p-1", "--side", "left", "--data-dir", str(data)],
                   cwd=code, env=env, capture_output=True, check=True)
    right = "482913"
    r = subprocess.run([*cli, "plan", "set-pin", "--data-dir", str(data)], cwd=code, env=env,
                       input=right + "\n", capture_output=True, text=True, check=False)
    assert r.returncode == 0, r.stderr
    subprocess.run([*cli, "plan", "new", "p-1", "--template", "neuropathic_upper_limb_seated",
                    "--pin-stdin", "--data-dir", str(data)], cwd=code, env=env,
                   input=right + "\n", capture_output=True, text=True, check=True)
    answers = []
    t0 = time.perf_counter()
    for k in range(20):
        r = subprocess.run([*cli, "plan", "set", "p-1", "reaching.repetitions.max", "31",
                            "--pin-stdin", "--data-dir", str(data)], cwd=code, env=env,
                           input=f"{100000 + k}\n", capture_output=True, text=True,
                           check=False)
        answers.append(r.stdout.strip().splitlines()[-1] if r.stdout.strip() else
                       r.stderr.strip().splitlines()[-1])
    wall = time.perf_counter() - t0
    r = subprocess.run([*cli, "plan", "set", "p-1", "reaching.repetitions.max", "31",
                        "--pin-stdin", "--data-dir", str(data)], cwd=code, env=env,
                       input=right + "\n", capture_output=True, text=True, check=False)
    shutil.rmtree(data, ignore_errors=True)
    kinds = Counter("wrong" if a.startswith("Error: wrong") else
                    "locked" if a.startswith("Error: PIN entry is locked") else a
                    for a in answers)
    return {"wrong_pins": 20, "answers": dict(kinds), "wall_s": round(wall, 1),
            "first_answers": answers[:2], "last_answer": answers[-1],
            "right_pin_after": (r.stdout or r.stderr).strip().splitlines()[-1]}


def outbox(code: Path) -> dict[str, Any]:
    data = Path(tempfile.mkdtemp(prefix="np_attack_outbox_"))
    snippet = r'''
import sys
from pathlib import Path
from clinic.station import StationClient
c = StationClient("http://127.0.0.1:9", "bay-1", "t", outbox_dir=Path(sys.argv[1]) / "station-outbox",
                  retry_max_s=0.1).start()
for i in range(5):
    c.record("hit", {"i": i})
c.stop(0)
'''
    subprocess.run([sys.executable, "-c", snippet, str(data)], cwd=code, env=code_env(code),
                   check=True, capture_output=True)
    modes = {}
    for p in sorted(data.rglob("*")):
        modes[str(p.relative_to(data))] = oct(stat.S_IMODE(p.stat().st_mode))
    shutil.rmtree(data, ignore_errors=True)
    return modes


ATTACKS: dict[str, Callable[[Path], Any]] = {
    "forged-xff": forged_xff, "concurrent": concurrent, "big-frame": big_frame,
    "memory": memory, "bad-frames": bad_frames, "pin": pin, "outbox": outbox,
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--code", type=Path, default=REPO,
                    help="checkout whose dashboard and CLI are attacked (default: this one)")
    ap.add_argument("--only", nargs="*", choices=sorted(ATTACKS), default=None)
    ap.add_argument("--states", type=int, default=250,
                    help="states per size in the memory attack (default 250)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    global STATES
    STATES = max(1, min(args.states, 5000))
    code = args.code.resolve()
    results: dict[str, Any] = {"code": str(code), "load": os.getloadavg()[0]}
    for name, fn in ATTACKS.items():
        if args.only and name not in args.only:
            continue
        t0 = time.perf_counter()
        try:
            results[name] = fn(code)
        except Exception as exc:  # noqa: BLE001 - report the attack that could not run
            results[name] = {"failed": f"{type(exc).__name__}: {exc}"[:300]}
        if not args.json:
            print(f"{name} ({time.perf_counter() - t0:.0f} s): "
                  f"{json.dumps(results[name])}", flush=True)
    if args.json:
        print(json.dumps(results))


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    main()
