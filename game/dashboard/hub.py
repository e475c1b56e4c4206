"""The live hub: stations stream in, therapists' browsers watch, commands go back.

Role: the in-memory meeting point of the dashboard's two websockets, living
on the server's event loop. A station (authenticated by its token) sends
`hello`, `state` (latest wins, never stored) and `events` (stored once,
acknowledged by sequence number); a browser of the same clinic receives every
state change as JSON and can send commands back through `command()`.

Wire protocol (JSON text frames), station -> dashboard:
    {"type": "hello", "run_id": str, "patient": str|None, "exercise": str|None}
    {"type": "state", "run_id": str, "state": {...}}          # ~10 Hz
    {"type": "events", "run_id": str, "events": [{"seq", "kind", "t", "data"}]}
dashboard -> station:
    {"type": "ack", "run_id": str, "seqs": [int]}   # stored now OR already stored
    {"type": "command", "id": str, "action": str, "value": any, "by": str}
dashboard -> browser:
    {"type": "station", "name": str, "connected": bool, "run_id", "patient", "state"}

Storing is delegated (`store_events`, run in a worker thread) so the hub has
no database code; acks are sent only after the insert commits, so a station
that never hears an ack re-sends and the idempotent insert drops the copy.
A slow browser never blocks a station: each watcher has a bounded queue and
loses its OLDEST pending updates first.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

ACTIONS = ("pause", "resume", "stop", "difficulty", "note")
WATCHER_QUEUE = 2000


class Socket(Protocol):
    async def send_json(self, data: Any) -> None: ...


StoreEvents = Callable[[str, str, Sequence[Mapping[str, Any]]], list[int]]


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

    def public(self) -> dict[str, Any]:
        return {"type": "station", "name": self.name, "connected": self.connected,
                "run_id": self.run_id, "patient": self.patient, "exercise": self.exercise,
                "state": self.state}


class _Watcher:
    def __init__(self, clinic_id: int, socket: Socket) -> None:
        self.clinic_id = clinic_id
        self.socket = socket
        self.queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(WATCHER_QUEUE)
        self.dropped = 0

    def offer(self, msg: dict[str, Any]) -> None:
        if self.queue.full():
            self.queue.get_nowait()
            self.dropped += 1
        self.queue.put_nowait(msg)

    async def pump(self) -> None:
        while True:
            msg = await self.queue.get()
            await self.socket.send_json(msg)


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

    async def station_message(self, live: StationLive, msg: Mapping[str, Any]) -> None:
        kind = msg.get("type")
        run_id = str(msg.get("run_id") or "")[:64]
        if kind == "hello":
            live.run_id = run_id
            live.patient = _short(msg.get("patient"))
            live.exercise = _short(msg.get("exercise"))
            live.state = {}
            self._broadcast(live)
        elif kind == "state" and isinstance(msg.get("state"), Mapping):
            live.run_id = run_id or live.run_id
            live.state = dict(msg["state"])
            self._broadcast(live)
        elif kind == "events" and run_id and isinstance(msg.get("events"), list):
            events = [e for e in msg["events"] if isinstance(e, Mapping) and _is_int(e.get("seq"))]
            fresh = await asyncio.to_thread(self.store_events, live.name, run_id, events)
            live.events_stored += len(fresh)
            live.duplicates += len(events) - len(fresh)
            if live.socket is not None:
                await live.socket.send_json({"type": "ack", "run_id": run_id,
                                             "seqs": [int(e["seq"]) for e in events]})

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

    def clinic_stations(self, clinic_id: int) -> list[StationLive]:
        return sorted((s for s in self.stations.values() if s.clinic_id == clinic_id),
                      key=lambda s: s.name)

    def _broadcast(self, live: StationLive) -> None:
        msg = live.public()
        for w in self._watchers:
            if w.clinic_id == live.clinic_id:
                w.offer(msg)


def _short(value: Any) -> str | None:
    return None if value is None else str(value)[:64]


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
