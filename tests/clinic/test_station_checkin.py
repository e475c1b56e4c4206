"""The live state a station publishes shows the newest check-in, the rest-break pain check included."""

from __future__ import annotations

from typing import Any

import numpy as np

from clinic.station import GameLink
from exercises.events import CHECKIN, Event
from vision.bodyframe import BodyFrame


class Client:
    """What GameLink needs of a StationClient, kept in memory."""

    exercise = "reaching"

    def __init__(self) -> None:
        self.events: list[Any] = []
        self.states: list[dict[str, Any]] = []

    def record_event(self, e: Any) -> None:
        self.events.append(e)

    def publish_state(self, state: dict[str, Any]) -> None:
        self.states.append(state)

    def poll_commands(self) -> list[Any]:
        return []


class Flow:
    def __init__(self) -> None:
        self.listeners: list[Any] = []
        self.setup = None
        self.result = type("Result", (), {"pre": {"pain": 3, "mood": 6}})()


class App:
    def __init__(self) -> None:
        self.frame_listeners: list[Any] = []
        self.keys = None


def test_live_state_shows_pre_then_the_in_session_pain_check() -> None:
    client, flow, app = Client(), Flow(), App()
    link = GameLink(client, state_hz=10)  # type: ignore[arg-type]
    link.attach(app, flow)
    pose = np.zeros((33, 4), np.float32)

    def frame(i: int) -> None:
        for listener in app.frame_listeners:
            listener(BodyFrame(i, int(i * 1e9 / 10), 640, 480, pose=pose), None)

    frame(0)
    assert client.states[-1]["checkin"] == {"pain": 3, "mood": 6}
    rest_check = Event(40.0, CHECKIN, {"phase": "in_session", "nrs": 6, "pre_pain": 3, "drop_levels": 1})
    for listener in flow.listeners:
        listener([rest_check])
    frame(1)
    assert client.states[-1]["checkin"]["phase"] == "in_session"
    assert client.states[-1]["checkin"]["nrs"] == 6 and client.states[-1]["checkin"]["drop_levels"] == 1
    assert client.events == [rest_check]  # and it goes to the clinic's copy of the telemetry
