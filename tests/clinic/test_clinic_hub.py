"""The live hub alone (no server): clinic scoping, acks after storing, slow watchers."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping, Sequence
from typing import Any

import pytest

from clinic.dashboard import hub as hub_mod
from clinic.dashboard.hub import Hub
from clinic.station_protocol import Message, parse


def msg(**fields: Any) -> Message:
    """A message as the dashboard gets it: validated by the protocol's schema."""
    return parse(json.dumps(fields))


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
        await hub.station_message(live, msg(type="hello", run_id="r1", patient="p1"))
        await hub.station_message(live, msg(type="state", run_id="r1",
                                            state={"success_rate": 0.5}))
        evs = [{"seq": 1, "kind": "hit", "t": "1.0"}, {"seq": 2, "kind": "hit", "t": 2.5}]
        await hub.station_message(live, msg(type="events", run_id="r1", events=evs))
        await hub.station_message(live, msg(type="events", run_id="r1", events=evs))
        assert station.sent == [{"type": "ack", "run_id": "r1", "seqs": [1, 2]}] * 2
        assert (live.events_stored, live.duplicates) == (2, 2)
        assert stored[("room-1", "r1", 2)]["t"] == "2.5"
        assert not ws.pending  # South sees nothing of North
        assert list(wn.pending) == ["room-1"]  # one snapshot per station, the latest
        latest = wn.pending["room-1"]
        assert latest["state"] == {"success_rate": 0.5} and latest["patient"] == "p1"
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


def test_a_slow_browser_keeps_only_the_latest_state_of_each_station(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hub_mod, "MAX_PENDING", 3)

    async def scenario() -> None:
        hub = Hub(lambda s, r, e: [])
        w = await hub.watch(1, Sock())
        lives = [await hub.station_connected(f"room-{k}", 1, Sock()) for k in range(4)]
        for i in range(1000):
            await hub.station_message(lives[0], msg(type="state", run_id="r", state={"n": i}))
        # at most 3 stations pending: the oldest (room-0's connect, then room-1) went first
        assert list(w.pending) == ["room-2", "room-3", "room-0"]
        assert w.pending["room-0"]["state"] == {"n": 999}  # a state is a snapshot: newest wins
        assert w.dropped == 2 + 999
        for k in (1, 2, 3):
            await hub.station_message(lives[k], msg(type="state", run_id="r", state={"k": k}))
        assert list(w.pending) == ["room-1", "room-2", "room-3"]  # the oldest went first
        hub.unwatch(w)
        assert not w.pending and hub.watchers() == 0  # freed on disconnect

    asyncio.run(scenario())


def test_a_browser_that_stops_reading_is_let_go(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hub_mod, "SEND_TIMEOUT_S", 0.05)

    class Stuck(Sock):
        async def send_json(self, data: Any) -> None:
            await asyncio.Event().wait()  # a full socket buffer that never drains

    async def scenario() -> None:
        hub = Hub(lambda s, r, e: [])
        w = await hub.watch(1, Stuck())
        await hub.station_connected("room-1", 1, Sock())
        with pytest.raises(TimeoutError):
            await w.pump()
        assert w.sent == 0

    asyncio.run(scenario())
