"""The station side of a supervised session: stream live state, keep an outbox, take commands.

Role: `play --station NAME --clinic URL` runs one `StationClient` in a
background thread. The game loop calls `publish_state()` (latest wins; a
dict with exercise, dose, success_rate, checkin, tracking, skeleton - never
video), `record()` for every telemetry event it also writes locally, and
`poll_commands()` once per frame to apply the therapist's pause / resume /
stop / difficulty / note.

Contract (delivery): every recorded event gets the next sequence number of
this run (`run_id`, one per station session) and stays in the outbox until
the dashboard acknowledges it. On (re)connection the whole outbox is sent
again; the dashboard stores (station, run_id, seq) once, so a resend after a
lost ack is a no-op. Nothing is lost while the process lives, and nothing is
doubled. With `outbox_dir`, the outbox is also journaled to
`<outbox_dir>/<station>.outbox.jsonl` (one JSON line per event and per ack,
flushed as written; compacted by temp file + rename), so events a station
could not deliver before it quit or crashed are sent, under their own run
id, by the next run of the same station. Losing the dashboard never blocks or stops the game: the game
thread only touches locked in-memory structures, the network runs in the
client's own thread, reconnecting with a capped backoff.

A received command is itself recorded as an event `remote_<action>` with
`by` (the therapist), so it reaches the dashboard's copy of the session;
the game loop also writes `RemoteCommand.event(t)` into its local telemetry.

Contract (protocol): what is sent keeps to clinic/station_protocol.py, so the
dashboard never refuses it: events and states are cleaned as they are queued
(non-finite numbers -> null, bounded depth, an event's data over the link's
limit replaced by a note - the local telemetry keeps it whole), and an events
frame holds at most `MAX_EVENTS` events and `MAX_FRAME_BYTES`. An `error` or
`notice` reply from the dashboard is kept in `server_messages` and
`last_error`. The journal is health data: its folder is 0700 and its files
0600, like everything in the data directory.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import threading
import time
import uuid
from collections import OrderedDict, deque
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote, urlsplit, urlunsplit

from clinic import station_protocol as protocol
from core.events import COMPENSATION, HOLD_COMPLETE, MISS, TIMEOUT
from exercises.events import Event
from telemetry.paths import atomic_write

BATCH = protocol.MAX_EVENTS
DIR_MODE, FILE_MODE = 0o700, 0o600


@dataclass(frozen=True, slots=True)
class RemoteCommand:
    id: str
    action: str  # pause | resume | stop | difficulty | note
    value: Any
    by: str

    def event(self, t: float) -> Event:
        return Event(t, f"remote_{self.action}", {"by": self.by, "value": self.value,
                                                  "command_id": self.id})


class CommandSink(Protocol):
    """What the game loop implements to apply remote commands (see `apply_commands`)."""

    def pause(self, by: str) -> None: ...
    def resume(self, by: str) -> None: ...
    def stop(self, by: str) -> None: ...
    def difficulty(self, direction: str, by: str) -> None: ...
    def note(self, text: str, by: str) -> None: ...


def apply_commands(client: StationClient, sink: CommandSink) -> list[RemoteCommand]:
    """Drain the client's commands into the game's handlers; returns what was applied."""
    done = client.poll_commands()
    for c in done:
        if c.action == "difficulty":
            sink.difficulty(str(c.value), c.by)
        elif c.action == "note":
            sink.note(str(c.value), c.by)
        elif c.action in ("pause", "resume", "stop"):
            getattr(sink, c.action)(c.by)
    return done


def station_ws_url(clinic_url: str, station: str) -> str:
    """http(s)://host:port[/prefix] -> ws(s)://host:port[/prefix]/ws/station/NAME."""
    parts = urlsplit(clinic_url)
    scheme = {"http": "ws", "https": "wss", "ws": "ws", "wss": "wss"}.get(parts.scheme)
    if scheme is None or not parts.netloc:
        raise ValueError(f"--clinic {clinic_url!r} is not an http(s):// address of a dashboard")
    path = parts.path.rstrip("/") + "/ws/station/" + quote(station, safe="")
    return urlunsplit((scheme, parts.netloc, path, "", ""))


class StationClient:
    def __init__(self, clinic_url: str, station: str, token: str, *,
                 patient: str | None = None, exercise: str | None = None,
                 run_id: str | None = None, retry_max_s: float = 2.0,
                 outbox_dir: str | os.PathLike[str] | None = None) -> None:
        self.url = station_ws_url(clinic_url, station)
        self.station = station
        self.token = token
        self.patient = patient
        self.exercise = exercise
        self.run_id = run_id or uuid.uuid4().hex
        self.retry_max_s = retry_max_s
        self._lock = threading.Lock()
        # run_id -> unacknowledged events; older runs come from the journal
        self._outboxes: dict[str, OrderedDict[int, dict[str, Any]]] = {self.run_id: OrderedDict()}
        self._outbox = self._outboxes[self.run_id]
        self._next_seq = 1
        self._journal_path = (None if outbox_dir is None
                              else Path(outbox_dir) / f"{_safe(station)}.outbox.jsonl")
        self._journal: Any = None
        if self._journal_path is not None:
            self._load_journal()
        self._state: dict[str, Any] | None = None
        self._state_dirty = False
        self._commands: queue.Queue[RemoteCommand] = queue.Queue()
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._ws: Any = None
        self.connected = threading.Event()
        self.connections = 0
        self.last_error: str | None = None
        self.acked = 0
        self.server_messages: deque[dict[str, Any]] = deque(maxlen=50)  # error / notice replies

    # ------------------------------------------------------- game thread
    def start(self) -> StationClient:
        self._thread = threading.Thread(target=self._run, name=f"station-{self.station}",
                                        daemon=True)
        self._thread.start()
        return self

    def publish_state(self, state: Mapping[str, Any]) -> None:
        with self._lock:
            self._state = {**state, "sent_at": time.time()}
            self._state_dirty = True
        self._wake.set()

    def record(self, kind: str, data: Mapping[str, Any] | None = None,
               t: float | None = None) -> int:
        """Queue one telemetry event for the dashboard; returns its sequence number."""
        with self._lock:
            seq = self._next_seq
            self._next_seq += 1
            ev = {"seq": seq, "kind": kind, "t": f"{t if t is not None else time.time():.3f}",
                  "data": dict(data or {})}  # cleaned for the wire on the network thread
            self._outbox[seq] = ev
            self._journal_write({"run": self.run_id, "ev": ev})
        self._wake.set()
        return seq

    def record_event(self, event: Event) -> int:
        return self.record(event.kind, _plain(event.data), event.t)

    def poll_commands(self) -> list[RemoteCommand]:
        out: list[RemoteCommand] = []
        while True:
            try:
                out.append(self._commands.get_nowait())
            except queue.Empty:
                return out

    def pending(self) -> int:
        """Events not yet acknowledged by the dashboard."""
        with self._lock:
            return sum(len(o) for o in self._outboxes.values())

    def sent_total(self) -> int:
        with self._lock:
            return self._next_seq - 1

    def wait_drained(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while self.pending() and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.pending() == 0

    def drop_connection(self) -> None:
        """Close the current socket (tests, benchmark): the client reconnects by itself."""
        ws = self._ws
        if ws is not None:
            with contextlib.suppress(Exception):  # already closing is fine
                ws.close()

    def stop(self, drain_timeout: float = 2.0) -> None:
        if self.connected.is_set():
            self.wait_drained(drain_timeout)
        self._stop.set()
        self._wake.set()
        self.drop_connection()
        if self._thread is not None:
            self._thread.join(timeout=5)
        with self._lock:
            if self._journal is not None:
                self._journal.close()
                self._journal = None

    # ---------------------------------------------------- network thread
    def _run(self) -> None:
        from websockets.sync.client import connect

        delay = 0.05
        while not self._stop.is_set():
            try:
                with connect(self.url, additional_headers={"X-Station-Token": self.token},
                             open_timeout=5, close_timeout=1, max_size=2 ** 22) as ws:
                    self._ws = ws
                    self.connections += 1
                    self.connected.set()
                    delay = 0.05
                    self._session(ws)
            except Exception as exc:  # noqa: BLE001 - any network failure: retry later
                self.last_error = f"{type(exc).__name__}: {exc}"
            finally:
                self._ws = None
                self.connected.clear()
            if self._stop.wait(delay):
                break
            delay = min(self.retry_max_s, delay * 2)

    def _session(self, ws: Any) -> None:
        """Send on this thread, read acks and commands on a helper thread, so a new
        state goes out as soon as the game publishes it (no polling delay)."""
        ws.send(json.dumps({"type": "hello", "run_id": self.run_id, "patient": self.patient,
                            "exercise": self.exercise}))
        reader = threading.Thread(target=self._read, args=(ws,), daemon=True,
                                  name=f"station-{self.station}-reader")
        reader.start()
        sent_upto: dict[str, int] = {}  # on a new connection everything unacked goes again
        while not self._stop.is_set() and reader.is_alive():
            self._wake.clear()
            with self._lock:
                state = self._state if self._state_dirty else None
                self._state_dirty = False
                run, batch = self._next_batch(sent_upto)
            if state is not None:
                ws.send(protocol.state_frame(self.run_id, state))
            if batch:
                ws.send(self._events_frame(run, batch))
                sent_upto[run] = batch[-1]["seq"]
            if state is None and not batch:
                self._wake.wait(0.1)

    @staticmethod
    def _events_frame(run: str, batch: list[dict[str, Any]]) -> str:
        """The frame for `batch` (cleaned to the protocol here, off the game thread), cut
        from the end until it fits the frame limit; the events cut off are sent next, as
        they are still above `sent_upto`."""
        wire = [protocol.clean_event(e["seq"], str(e["kind"]), _seconds(e["t"]),
                                     e["data"] if isinstance(e["data"], Mapping) else {})
                for e in batch]
        while True:
            frame = json.dumps({"type": "events", "run_id": run, "events": wire})
            if protocol.fits(frame) or len(wire) == 1:
                return frame
            del wire[len(wire) // 2:]
            del batch[len(wire):]

    def _next_batch(self, sent_upto: Mapping[str, int]) -> tuple[str, list[dict[str, Any]]]:
        """Up to BATCH unsent events of one run: older runs (from the journal) first."""
        for run, box in self._outboxes.items():
            upto = sent_upto.get(run, 0)
            batch = [e for s, e in box.items() if s > upto][:BATCH]
            if batch:
                return run, batch
        return self.run_id, []

    # ------------------------------------------------------------ journal
    def _load_journal(self) -> None:
        """Unacknowledged events of earlier runs (a crash or a quit while offline)."""
        path = self._journal_path
        assert path is not None
        _private_dir(path.parent)
        if path.exists():
            older: dict[str, OrderedDict[int, dict[str, Any]]] = {}
            for line in path.read_text(encoding="utf-8").splitlines():
                try:
                    rec = json.loads(line)
                    run = str(rec["run"])
                except (ValueError, KeyError, TypeError):
                    continue  # a line cut short by a crash
                if not protocol.is_name(run):
                    continue  # not a run id the dashboard would take
                box = older.setdefault(run, OrderedDict())
                ev = _journal_event(rec.get("ev"))
                if ev is not None:
                    box[ev["seq"]] = ev
                for s in rec.get("ack", []) if isinstance(rec.get("ack"), list) else []:
                    box.pop(s, None)
            older.pop(self.run_id, None)
            self._outboxes = {**{r: b for r, b in older.items() if b},
                              self.run_id: self._outbox}
        self._journal_compact()

    def _journal_compact(self) -> None:
        """Rewrite the journal with only what is still unacknowledged (temp file + rename)."""
        path = self._journal_path
        if path is None:
            return
        if self._journal is not None:
            self._journal.close()
        with atomic_write(path, "w") as f:
            f.writelines(json.dumps({"run": run, "ev": ev}, default=str) + "\n"
                         for run, box in self._outboxes.items() for ev in box.values())
        self._journal = _private_open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND)

    def _journal_write(self, rec: Mapping[str, Any]) -> None:
        if self._journal is not None:
            self._journal.write(json.dumps(rec, default=str) + "\n")
            self._journal.flush()

    def _read(self, ws: Any) -> None:
        from websockets.exceptions import ConnectionClosed

        try:
            for raw in ws:
                self._handle(raw)
        except ConnectionClosed:
            pass

    def _handle(self, raw: str | bytes) -> None:
        try:
            msg = json.loads(raw)
        except ValueError:
            return
        if not isinstance(msg, dict):
            return
        if msg.get("type") == "ack" and msg.get("run_id") in self._outboxes:
            with self._lock:
                box = self._outboxes[msg["run_id"]]
                done = [s for s in msg.get("seqs", []) if box.pop(s, None) is not None]
                self.acked += len(done)
                if done:
                    self._journal_write({"run": msg["run_id"], "ack": done})
                if not any(self._outboxes.values()):
                    self._journal_compact()
        elif msg.get("type") in ("error", "notice"):
            text = str(msg.get("error") or msg.get("notice") or "")[:500]
            self.server_messages.append({"type": msg["type"], "of": msg.get("of"), "text": text})
            self.last_error = f"dashboard {msg['type']}: {text}"
        elif msg.get("type") == "command":
            cmd = RemoteCommand(str(msg.get("id", "")), str(msg.get("action", "")),
                                msg.get("value"), str(msg.get("by", "?")))
            self.record(f"remote_{cmd.action}", {"by": cmd.by, "value": cmd.value,
                                                 "command_id": cmd.id})
            self._commands.put(cmd)


def remote_difficulty(runner: Any, direction: str, by: str, t: float) -> list[Event]:
    """One level easier or harder, decided by the session's dosing core
    (`SessionRunner.remote_difficulty` -> `InSessionDosing.remote`): inside today's
    bounds and under any pain-pause ceiling. The step reaches telemetry through the
    runner's own event queue; the returned events are for the caller to show."""
    move = getattr(runner, "remote_difficulty", None)
    if not callable(move) or direction not in ("easier", "harder"):
        return []
    return list(move(direction, by, t))


def _private_dir(path: Path) -> None:
    """The journal's folder, created 0700 (and made 0700 if an older run left it open)."""
    path.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    if path.stat().st_mode & 0o777 != DIR_MODE:
        os.chmod(path, DIR_MODE)


def _private_open(path: Path, flags: int) -> Any:
    """A text file created 0600 (an existing one is made 0600 too)."""
    fd = os.open(path, flags, FILE_MODE)
    os.fchmod(fd, FILE_MODE)
    return os.fdopen(fd, "a" if flags & os.O_APPEND else "w", encoding="utf-8")


def _journal_event(ev: Any) -> dict[str, Any] | None:
    """An event read back from the journal, if it has the shape `record` writes."""
    if not isinstance(ev, dict):
        return None
    seq = ev.get("seq")
    if not isinstance(seq, int) or isinstance(seq, bool) or not 1 <= seq <= protocol.MAX_SEQ:
        return None
    data = ev.get("data")
    return {"seq": seq, "kind": str(ev.get("kind", "event")), "t": str(ev.get("t", "0")),
            "data": data if isinstance(data, dict) else {}}


def _seconds(t: Any) -> float:
    try:
        return float(t)
    except (TypeError, ValueError):
        return 0.0


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "._-" else "_" for c in name)[:64] or "station"


def _plain_or_none(data: Any) -> dict[str, Any] | None:
    return _plain(data) if isinstance(data, Mapping) and data else None


def _plain(data: Any) -> dict[str, Any]:
    try:
        from telemetry.store import to_jsonable

        out = to_jsonable(data)
    except ImportError:
        out = data
    return out if isinstance(out, dict) else {"value": out}


HIT_KINDS = (HOLD_COMPLETE,)
MISS_KINDS = (MISS, TIMEOUT)


@dataclass
class LeanRun:
    """Reaches in a row in which the trunk leaned (a COMPENSATION event of the reaching
    game, one per reach at most counted), for the live view's trunk-lean-run alert
    (telemetry.live_triage). A reach that ends (hit or miss) without a lean ends the run.
    Sent in the live state as `trunk_lean`: {"run": reaches, "deg": the largest lean}."""

    run: int = 0
    deg: float | None = None
    _leaned: int | None = None  # the index of the last reach with a lean

    def event(self, kind: str, data: Mapping[str, Any]) -> None:
        index = data.get("index")
        if kind == COMPENSATION:
            if self.run == 0 or index != self._leaned:
                self.run += 1
            self._leaned = index if isinstance(index, int) else None
            lean = data.get("trunk_lean_deg")
            if isinstance(lean, (int, float)) and not isinstance(lean, bool):
                self.deg = max(abs(float(lean)), self.deg or 0.0)
        elif kind in HIT_KINDS + MISS_KINDS and (index is None or index != self._leaned):
            self.run, self.deg, self._leaned = 0, None, None

    def state(self) -> dict[str, Any]:
        return {"run": self.run, "deg": None if self.deg is None else round(self.deg, 1)}


class GameLink:
    """Connects a `StationClient` to the running game through its public hooks.

    `attach(app, flow)` (use it as `run_flow(on_app=...)`) subscribes to the
    flow's events (forwarded to the outbox) and to the app's camera frames:
    on each frame it applies pending remote commands and, at most `state_hz`
    times a second, publishes the live state with the pose skeleton (x, y,
    visibility; hands x, y) - landmarks only, never the image. Every remote
    command is written into the session's local telemetry (`flow.record_events`)
    with who sent it. Stop and pause reach the game as the same one-shot
    actions as the Esc / P keys (`app.keys.press`); easier / harder moves
    today's staircase one level inside the plan's bounds (`remote_difficulty`).
    """

    def __init__(self, client: StationClient, *, state_hz: float = 10.0) -> None:
        self.client = client
        self.period = 1.0 / state_hz
        self.app: Any = None
        self.flow: Any = None
        self.hits = 0
        self.misses = 0
        self.paused = False
        self.note: str | None = None
        self.checkin: dict[str, Any] = {}
        self.lean = LeanRun()
        self.difficulty_requests: list[tuple[str, str]] = []
        self._last_state_t: float | None = None

    def attach(self, app: Any, flow: Any) -> None:
        self.app, self.flow = app, flow
        flow.listeners.append(self.on_events)
        app.frame_listeners.append(self.on_frame)

    def on_events(self, events: list[Any]) -> None:
        for e in events:
            kind = getattr(e, "kind", "")
            if kind.startswith("remote_"):
                continue  # the client queued it when the command arrived
            data = getattr(e, "data", None)
            self.lean.event(kind, data if isinstance(data, Mapping) else {})
            if kind in HIT_KINDS:
                self.hits += 1
            elif kind in MISS_KINDS:
                self.misses += 1
            elif kind == "checkin" and isinstance(getattr(e, "data", None), Mapping):
                self.checkin = dict(e.data)
            self.client.record_event(e)

    def on_frame(self, frame: Any, scene: Any) -> None:
        t = float(getattr(frame, "t", 0.0))
        for cmd in self.client.poll_commands():
            self.apply(cmd, t)
        if self._last_state_t is not None and t - self._last_state_t < self.period:
            return
        self._last_state_t = t
        self.client.publish_state(self.state(frame, scene))

    def apply(self, cmd: RemoteCommand, t: float) -> None:
        if self.flow is not None:
            self.flow.record_events([cmd.event(t)])
        keys = getattr(self.app, "keys", None)
        if cmd.action == "stop" and keys is not None:
            keys.press("stop")
        elif cmd.action in ("pause", "resume"):
            if (cmd.action == "pause") != self.paused and keys is not None:
                keys.press("pause")
            self.paused = cmd.action == "pause"
        elif cmd.action == "difficulty":
            self.difficulty_requests.append((str(cmd.value), cmd.by))
            runner = getattr(getattr(self.flow, "setup", None), "runner", None)
            remote_difficulty(runner, str(cmd.value), cmd.by, t)  # logged by the runner
        elif cmd.action == "note":
            self.note = f"{cmd.by}: {cmd.value}"

    def state(self, frame: Any, scene: Any) -> dict[str, Any]:
        pose = getattr(frame, "pose", None)
        tried = self.hits + self.misses
        setup = getattr(self.flow, "setup", None)
        dose = getattr(setup, "dose", None) if setup is not None else None
        return {
            "scene": getattr(scene, "name", None),
            "exercise": self.client.exercise,
            "dose": _plain(dose) if dose is not None else None,
            "success_rate": (self.hits / tried) if tried else None,
            "checkin": self.checkin or _plain_or_none(getattr(getattr(self.flow, "result", None),
                                                              "pre", None)),
            "tracking": 1.0 if pose is not None else 0.0,
            "trunk_lean": self.lean.state(),
            "paused": self.paused,
            "note": self.note,
            "skeleton": None if pose is None else
            [[round(float(p[0]), 4), round(float(p[1]), 4), round(float(p[3]), 2)] for p in pose],
            "hands": [[[round(float(x), 4), round(float(y), 4)] for x, y, *_ in h.landmarks]
                      for h in getattr(frame, "hands", ())],
        }
