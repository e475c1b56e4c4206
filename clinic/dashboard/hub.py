"""The live hub: stations stream in, therapists' browsers watch, commands go back.

Role: the in-memory meeting point of the dashboard's two websockets, living
on the server's event loop. A station (authenticated by its token) sends
`hello`, `state` (latest wins, never stored) and `events` (stored once,
acknowledged by sequence number); a browser of the same clinic receives every
state change as JSON and can send commands back through `command()`.

Wire protocol (JSON text frames, schema and limits in clinic/station_protocol.py),
station -> dashboard:
    {"type": "hello", "run_id": str, "patient": str|None, "exercise": str|None}
    {"type": "state", "run_id": str, "state": {...}}          # ~10 Hz
    {"type": "events", "run_id": str, "events": [{"seq", "kind", "t", "data"}]}
dashboard -> station:
    {"type": "ack", "run_id": str, "seqs": [int]}   # stored now OR already stored
    {"type": "command", "id": str, "action": str, "value": any, "by": str}
    {"type": "error", "of": str|None, "error": str} # a frame refused; the connection stays
    {"type": "notice", "of": "hello", "notice": str} # e.g. a patient not taken into the clinic
dashboard -> browser:
    {"type": "station", "name": str, "connected": bool, "run_id", "patient", "state"}

The hub receives messages already validated (`station_protocol.parse`, run in
a worker thread by the app). Storing is delegated (`store_events`, run in a
worker thread with the building of its rows) so the hub has no database code
and the event loop does no per-event work; acks are sent only after the insert
commits, so a station that never hears an ack re-sends and the idempotent
insert drops the copy.

Memory is bounded per browser: an update is a snapshot of one station, so a
watcher keeps at most the LATEST pending update of each station (a newer one
replaces it; `dropped` counts the replaced) and at most `MAX_PENDING` stations;
a browser that does not take an update within `SEND_TIMEOUT_S` is closed, and
everything a watcher holds goes with `unwatch` on disconnect. A slow browser
never blocks a station.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from clinic.station_protocol import Events, Hello, Message, State
from telemetry.live_triage import live_triage
from telemetry.triage import TriageLimits

_timeout = getattr(asyncio, "timeout", None)
ACTIONS = ("pause", "resume", "stop", "difficulty", "note")
MAX_PENDING = 256  # stations with an update waiting for one browser
SEND_TIMEOUT_S = 30.0

log = logging.getLogger("neuroplay.dashboard")


class Socket(Protocol):
    async def send_json(self, data: Any) -> None: ...


StoreEvents = Callable[[str, str, Sequence[Mapping[str, Any]]], list[int]]


class StoreFailed(Exception):
    """The events could not be stored now; the station should reconnect and re-send."""


@dataclass
class StationLive:
    name: str
    clinic_id: int
    connected: bool = False
    run_id: str | None = None
    patient: str | None = None
    exercise: str | None = None
    state: dict[str, Any] = field(default_factory=dict)
    socket: Socket | None = None
    events_stored: int = 0
    duplicates: int = 0
    refused: int = 0  # frames that broke the protocol
    limits: TriageLimits = field(default_factory=TriageLimits)  # the patient's plan

    def public(self) -> dict[str, Any]:
        return {"type": "station", "name": self.name, "connected": self.connected,
                "run_id": self.run_id, "patient": self.patient, "exercise": self.exercise,
                "state": self.state,
                "triage": live_triage(self.state, connected=self.connected,
                                      limits=self.limits).to_dict()}


class _Watcher:
    """One browser: the latest pending update per station, sent in arrival order."""

    def __init__(self, clinic_id: int, socket: Socket) -> None:
        self.clinic_id = clinic_id
        self.socket = socket
        self.pending: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._ready = asyncio.Event()
        self.dropped = 0
        self.sent = 0

    def offer(self, msg: dict[str, Any]) -> None:
        name = str(msg.get("name"))
        if name in self.pending:
            del self.pending[name]  # an older snapshot of the same station
            self.dropped += 1
        elif len(self.pending) >= MAX_PENDING:
            self.pending.popitem(last=False)
            self.dropped += 1
        self.pending[name] = msg
        self._ready.set()

    async def pump(self) -> None:
        """Send until cancelled; raises TimeoutError when the browser stops reading."""
        while True:
            await self._ready.wait()
            self._ready.clear()
            while self.pending:
                _, msg = self.pending.popitem(last=False)
                if _timeout is not None:  # Python 3.11+: no task per send
                    async with _timeout(SEND_TIMEOUT_S):
                        await self.socket.send_json(msg)
                else:
                    await asyncio.wait_for(self.socket.send_json(msg), SEND_TIMEOUT_S)
                self.sent += 1

    def clear(self) -> None:
        self.pending.clear()


class Hub:
    def __init__(self, store_events: StoreEvents) -> None:
        self.store_events = store_events
        self.stations: dict[str, StationLive] = {}
        self._watchers: list[_Watcher] = []

    # ----------------------------------------------------------- stations
    async def station_connected(self, name: str, clinic_id: int, socket: Socket) -> StationLive:
        live = self.stations.get(name)
        if live is None or live.clinic_id != clinic_id:
            live = StationLive(name, clinic_id)
            self.stations[name] = live
        live.connected, live.socket = True, socket
        self._broadcast(live)
        return live

    async def station_disconnected(self, live: StationLive, socket: Socket) -> None:
        if live.socket is socket:  # a newer connection of the same station may exist
            live.connected, live.socket = False, None
            self._broadcast(live)

    async def station_message(self, live: StationLive, msg: Message) -> None:
        """Apply one validated message. Raises StoreFailed when events could not be stored."""
        if isinstance(msg, Hello):
            live.run_id = msg.run_id
            live.patient = msg.patient
            live.exercise = msg.exercise
            live.state = {}
            self._broadcast(live)
        elif isinstance(msg, State):
            live.run_id = msg.run_id
            live.state = msg.state
            self._broadcast(live)
        elif isinstance(msg, Events):
            try:
                fresh, seqs = await asyncio.to_thread(self._store, live.name, msg)
            except Exception as exc:  # the database, whatever its failure
                log.error("station %s: could not store %d events of run %s: %s", live.name,
                          len(msg.events), msg.run_id, exc)
                raise StoreFailed(str(exc)) from exc
            live.events_stored += len(fresh)
            live.duplicates += len(seqs) - len(fresh)
            if live.socket is not None:
                await live.socket.send_json({"type": "ack", "run_id": msg.run_id, "seqs": seqs})

    def _store(self, station: str, msg: Events) -> tuple[list[int], list[int]]:
        """Worker thread: the rows, the insert, the sequence numbers to acknowledge."""
        rows = [e.row() for e in msg.events]
        return self.store_events(station, msg.run_id, rows), [e.seq for e in msg.events]

    async def command(self, name: str, clinic_id: int, action: str, value: Any,
                      by: str) -> str | None:
        """Send a command to a station of this clinic; None when sent, else why not."""
        live = self.stations.get(name)
        if live is None or live.clinic_id != clinic_id:
            return f"no station {name!r} in your clinic"
        if action not in ACTIONS:
            return f"unknown action {action!r}"
        if not live.connected or live.socket is None:
            return f"station {name!r} is not connected"
        await live.socket.send_json({"type": "command", "id": secrets.token_hex(8),
                                     "action": action, "value": value, "by": by})
        return None

    # ----------------------------------------------------------- browsers
    async def watch(self, clinic_id: int, socket: Socket) -> _Watcher:
        w = _Watcher(clinic_id, socket)
        self._watchers.append(w)
        for live in self.stations.values():
            if live.clinic_id == clinic_id:
                w.offer(live.public())
        return w

    def unwatch(self, watcher: _Watcher) -> None:
        if watcher in self._watchers:
            self._watchers.remove(watcher)
        watcher.clear()

    def watchers(self) -> int:
        return len(self._watchers)

    def clinic_stations(self, clinic_id: int) -> list[StationLive]:
        return sorted((s for s in self.stations.values() if s.clinic_id == clinic_id),
                      key=lambda s: s.name)

    def _broadcast(self, live: StationLive) -> None:
        msg = live.public()
        for w in self._watchers:
            if w.clinic_id == live.clinic_id:
                w.offer(msg)
