"""The live hub alone (no server): clinic scoping, acks after storing, slow watchers."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any

from game.dashboard import hub as hub_mod
from game.dashboard.hub import Hub


class Sock:
    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    async def send_json(self, data: Any) -> None:
        self.sent.append(data)


def test_hub_scopes_acks_and_commands() -> None:
    stored: dict[tuple[str, str, int], Mapping[str, Any]] = {}

    def store_events(station: str, run: str, events: Sequence[Mapping[str, Any]]) -> list[int]:
        fresh = []
        for e in events:
            key = (station, run, int(e["seq"]))
            if key not in stored:
                stored[key] = e
                fresh.append(int(e["seq"]))
        return fresh

    async def scenario() -> None:
        hub = Hub(store_events)
        north_browser, south_browser, station = Sock(), Sock(), Sock()
        wn = await hub.watch(1, north_browser)
        ws = await hub.watch(2, south_browser)
        live = await hub.station_connected("room-1", 1, station)
        await hub.station_message(live, {"type": "hello", "run_id": "r1", "patient": "p1"})
        await hub.station_message(live, {"type": "state", "run_id": "r1",
                                         "state": {"success_rate": 0.5}})
        evs = [{"seq": 1, "kind": "hit"}, {"seq": 2, "kind": "hit"}, {"seq": True}]
        await hub.station_message(live, {"type": "events", "run_id": "r1", "events": evs})
        await hub.station_message(live, {"type": "events", "run_id": "r1", "events": evs[:2]})
        assert station.sent == [{"type": "ack", "run_id": "r1", "seqs": [1, 2]}] * 2
        assert (live.events_stored, live.duplicates) == (2, 2)
        assert ws.queue.empty()  # South sees nothing of North
        msgs = [wn.queue.get_nowait() for _ in range(wn.queue.qsize())]
        assert msgs[-1]["state"] == {"success_rate": 0.5} and msgs[-1]["patient"] == "p1"
        assert await hub.command("room-1", 2, "stop", "", "bob") == \
            "no station 'room-1' in your clinic"
        assert await hub.command("room-1", 1, "dance", "", "ana") == "unknown action 'dance'"
        assert await hub.command("room-1", 1, "pause", "", "ana") is None
        assert station.sent[-1]["action"] == "pause" and station.sent[-1]["by"] == "ana"
        await hub.station_disconnected(live, station)
        assert await hub.command("room-1", 1, "pause", "", "ana") == \
            "station 'room-1' is not connected"
        assert south_browser.sent == []

    asyncio.run(scenario())


def test_a_slow_browser_loses_its_oldest_updates_only(monkeypatch: Any) -> None:
    monkeypatch.setattr(hub_mod, "WATCHER_QUEUE", 3)

    async def scenario() -> None:
        hub = Hub(lambda s, r, e: [])
        w = await hub.watch(1, Sock())
        live = await hub.station_connected("room-1", 1, Sock())
        for i in range(6):
            await hub.station_message(live, {"type": "state", "run_id": "r", "state": {"n": i}})
        got = [w.queue.get_nowait()["state"].get("n") for _ in range(w.queue.qsize())]
        assert got == [3, 4, 5] and w.dropped == 4  # the connect message and n=0..2

    asyncio.run(scenario())
