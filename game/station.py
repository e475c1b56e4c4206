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
doubled. Losing the dashboard never blocks or stops the game: the game
thread only touches locked in-memory structures, the network runs in the
client's own thread, reconnecting with a capped backoff.

A received command is itself recorded as an event `remote_<action>` with
`by` (the therapist), so it reaches the dashboard's copy of the session;
the game loop also writes `RemoteCommand.event(t)` into its local telemetry.
"""

from __future__ import annotations

import contextlib
import json
import queue
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import quote, urlsplit, urlunsplit

from exercises.events import Event

BATCH = 200


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
                 run_id: str | None = None, retry_max_s: float = 2.0) -> None:
        self.url = station_ws_url(clinic_url, station)
        self.station = station
        self.token = token
        self.patient = patient
        self.exercise = exercise
        self.run_id = run_id or uuid.uuid4().hex
        self.retry_max_s = retry_max_s
        self._lock = threading.Lock()
        self._outbox: OrderedDict[int, dict[str, Any]] = OrderedDict()
        self._next_seq = 1
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
            self._outbox[seq] = {"seq": seq, "kind": kind,
                                 "t": f"{t if t is not None else time.time():.3f}",
                                 "data": dict(data or {})}
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
            return len(self._outbox)

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
        from websockets.exceptions import ConnectionClosed

        ws.send(json.dumps({"type": "hello", "run_id": self.run_id, "patient": self.patient,
                            "exercise": self.exercise}))
        sent_upto = 0  # on a new connection everything unacked is sent again
        while not self._stop.is_set():
            with self._lock:
                state = self._state if self._state_dirty else None
                self._state_dirty = False
                batch = [e for s, e in self._outbox.items() if s > sent_upto][:BATCH]
            if state is not None:
                ws.send(json.dumps({"type": "state", "run_id": self.run_id, "state": state},
                                   default=str))
            if batch:
                ws.send(json.dumps({"type": "events", "run_id": self.run_id, "events": batch},
                                   default=str))
                sent_upto = batch[-1]["seq"]
            try:
                raw = ws.recv(timeout=0 if (state or batch) else 0.05)
            except TimeoutError:
                raw = None
            except ConnectionClosed:
                return
            while raw is not None:
                self._handle(raw)
                try:
                    raw = ws.recv(timeout=0)
                except TimeoutError:
                    raw = None
            if not (self._state_dirty or self._has_unsent(sent_upto)):
                self._wake.wait(0.02)
                self._wake.clear()

    def _has_unsent(self, sent_upto: int) -> bool:
        with self._lock:
            return bool(self._outbox) and next(reversed(self._outbox)) > sent_upto

    def _handle(self, raw: str | bytes) -> None:
        try:
            msg = json.loads(raw)
        except ValueError:
            return
        if not isinstance(msg, dict):
            return
        if msg.get("type") == "ack" and msg.get("run_id") == self.run_id:
            with self._lock:
                for s in msg.get("seqs", []):
                    if self._outbox.pop(s, None) is not None:
                        self.acked += 1
        elif msg.get("type") == "command":
            cmd = RemoteCommand(str(msg.get("id", "")), str(msg.get("action", "")),
                                msg.get("value"), str(msg.get("by", "?")))
            self.record(f"remote_{cmd.action}", {"by": cmd.by, "value": cmd.value,
                                                 "command_id": cmd.id})
            self._commands.put(cmd)


def _plain(data: Any) -> dict[str, Any]:
    try:
        from telemetry.store import to_jsonable

        out = to_jsonable(data)
    except ImportError:
        out = data
    return out if isinstance(out, dict) else {"value": out}
