"""Live stations end to end on loopback: state to the browser socket, commands back,
and the outbox across a forced disconnect (nothing lost, nothing doubled)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator

import pytest
import uvicorn
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from clinic.dashboard.app import create_app
from clinic.station import RemoteCommand, StationClient, apply_commands, station_ws_url
from tests.clinic.clinic_env import ClinicEnv, build, csrf_of, login
from tests.clinic.conftest import Served, serve, stop


def wait_for(cond: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.02)


@pytest.fixture
def live(tmp_path) -> Iterator[tuple[ClinicEnv, Served]]:
    e = build(str(tmp_path / "neuroplay.db"))
    served = serve(create_app(e.store, clinic=e.clinic))
    yield e, served
    stop(served)
    e.store.close()


def test_ws_url() -> None:
    assert station_ws_url("http://127.0.0.1:8765", "room 1") == \
        "ws://127.0.0.1:8765/ws/station/room%201"
    assert station_ws_url("https://clinic.example/np/", "a").startswith("wss://clinic.example/np/")
    with pytest.raises(ValueError, match="not an http"):
        station_ws_url("127.0.0.1:8765", "a")


def test_station_needs_its_token(live: tuple[ClinicEnv, Served]) -> None:
    _, s = live
    bad = StationClient(s.url, "room-1", "wrong-token", patient="north-1").start()
    try:
        time.sleep(0.5)
        assert not bad.connected.is_set() and bad.connections == 0
        assert bad.last_error is not None and "403" in bad.last_error  # refused handshake
    finally:
        bad.stop(0)
    # and a browser socket without a login is closed
    ws_url = s.url.replace("http", "ws") + "/ws/live"
    with pytest.raises(InvalidStatus, match="403"), connect(ws_url, open_timeout=3):
        pass


def test_state_reaches_browser_and_commands_reach_station(live: tuple[ClinicEnv, Served]) -> None:
    e, s = live
    client = login(s.url)
    cookie = client.cookies.get("np_session")
    st = StationClient(s.url, "room-1", e.station_token, patient="north-1",
                       exercise="reaching").start()
    try:
        wait_for(st.connected.is_set)
        ws_url = s.url.replace("http", "ws") + "/ws/live"
        with connect(ws_url, additional_headers={"Cookie": f"np_session={cookie}"}) as browser:
            st.publish_state({"exercise": "reaching", "dose": {"reach_fraction": 0.6},
                              "success_rate": 0.75, "tracking": 0.9, "paused": False,
                              "skeleton": [[0.5, 0.4, 1.0]] * 33})
            got: dict = {}
            deadline = time.monotonic() + 10
            while not got.get("state", {}).get("success_rate") and time.monotonic() < deadline:
                got = json.loads(browser.recv(timeout=5))
            assert got["name"] == "room-1" and got["connected"] and got["patient"] == "north-1"
            assert got["state"]["dose"] == {"reach_fraction": 0.6}
            assert got["state"]["success_rate"] == 0.75
        evil = {"Cookie": f"np_session={cookie}", "Origin": "http://evil.example"}
        with pytest.raises(InvalidStatus, match="403"), connect(ws_url,
                                                                additional_headers=evil):
            pass  # a cross-site page cannot watch the stations
        token = csrf_of(client.get("/live").text)
        r = client.post("/api/stations/room-1/command",
                        data={"action": "pause", "csrf_token": token})
        assert r.json() == {"ok": True}
        r = client.post("/api/stations/room-1/command",
                        data={"action": "difficulty", "value": "harder", "csrf_token": token})
        assert r.json() == {"ok": True}
        r = client.post("/api/stations/room-1/command",
                        data={"action": "difficulty", "value": "x", "csrf_token": token})
        assert r.status_code == 422

        class Sink:
            def __init__(self) -> None:
                self.calls: list[tuple[str, ...]] = []

            def pause(self, by: str) -> None:
                self.calls.append(("pause", by))

            def resume(self, by: str) -> None:
                self.calls.append(("resume", by))

            def stop(self, by: str) -> None:
                self.calls.append(("stop", by))

            def difficulty(self, direction: str, by: str) -> None:
                self.calls.append(("difficulty", direction, by))

            def note(self, text: str, by: str) -> None:
                self.calls.append(("note", text, by))

        sink = Sink()
        applied: list[RemoteCommand] = []
        wait_for(lambda: bool(applied.extend(apply_commands(st, sink)) or len(applied) >= 2))
        assert sink.calls == [("pause", "ana"), ("difficulty", "harder", "ana")]
        assert applied[0].event(12.5).kind == "remote_pause"
        assert applied[0].event(12.5).data["by"] == "ana"
        # the remote actions are events of this station session, with who did it
        assert st.wait_drained(10)
        stored = e.clinic.station_events("room-1", st.run_id)
        assert [(x["kind"], x["data"]["by"]) for x in stored] == [
            ("remote_pause", "ana"), ("remote_difficulty", "ana")]
        assert "north-1" in e.clinic.clinic_patient_ids(e.north)
    finally:
        st.stop()


def test_outbox_survives_disconnects_without_loss_or_doubles(
        live: tuple[ClinicEnv, Served]) -> None:
    e, s = live
    st = StationClient(s.url, "room-1", e.station_token, patient="north-1").start()
    try:
        wait_for(st.connected.is_set)
        for i in range(50):
            st.record("hit", {"i": i}, t=i * 0.1)
        st.drop_connection()  # mid-stream: some sent, maybe unacked
        for i in range(50, 120):
            st.record("hit", {"i": i}, t=i * 0.1)
            if i == 80:
                st.drop_connection()
        assert st.wait_drained(15)
        assert st.connections >= 2
    finally:
        st.stop()
    stored = e.clinic.station_events("room-1", st.run_id)
    assert [x["seq"] for x in stored] == list(range(1, 121))
    assert [x["data"]["i"] for x in stored] == list(range(120))
    hub = s.app.state.hub
    assert hub.stations["room-1"].events_stored == 120


def test_station_keeps_playing_while_the_dashboard_is_down(
        live: tuple[ClinicEnv, Served], tmp_path) -> None:
    e, s = live
    port = int(s.url.rsplit(":", 1)[1])
    stop(s)  # the dashboard goes away
    st = StationClient(s.url, "room-1", e.station_token, retry_max_s=0.2).start()
    try:
        for i in range(30):
            st.record("hit", {"i": i})
            st.publish_state({"exercise": "reaching", "n": i})
        assert st.pending() == 30 and not st.connected.is_set()
        # the dashboard comes back on the same address; the station catches up
        app = create_app(e.store, clinic=e.clinic)
        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                ws="websockets-sansio")
        server = uvicorn.Server(config)
        th = threading.Thread(target=server.run, daemon=True)
        th.start()
        try:
            assert st.wait_drained(15)
            stored = e.clinic.station_events("room-1", st.run_id)
            assert [x["seq"] for x in stored] == list(range(1, 31))
            assert app.state.hub.stations["room-1"].state["n"] == 29  # latest state wins
        finally:
            st.stop()
            server.should_exit = True
            th.join(10)
    finally:
        st.stop(0)


def test_game_link_streams_the_game_and_applies_commands(live: tuple[ClinicEnv, Served]) -> None:
    """GameLink on the game's public hooks: events to the outbox, skeleton state, Esc-like stop."""
    import numpy as np

    from clinic.station import GameLink
    from exercises.events import Event
    from game.input import KeyboardMouseInput
    from vision.bodyframe import BodyFrame

    e, s = live

    class Flow:
        def __init__(self) -> None:
            self.listeners: list = []
            self.recorded: list = []
            self.setup = type("Setup", (), {"dose": {"reach_fraction": 0.55}})()
            self.result = type("Result", (), {"pre": {"pain": 3}})()  # the pre-session check-in

        def record_events(self, events: list) -> None:
            self.recorded.extend(events)
            for listener in self.listeners:
                listener(events)

    class App:
        def __init__(self) -> None:
            self.frame_listeners: list = []
            self.keys = KeyboardMouseInput()

    app, flow = App(), Flow()
    st = StationClient(s.url, "room-1", e.station_token, patient="north-1",
                       exercise="reaching").start()
    link = GameLink(st, state_hz=10)
    link.attach(app, flow)
    try:
        wait_for(st.connected.is_set)
        for ev in (Event(1.0, "hold_complete", {}), Event(2.0, "miss", {}),
                   Event(3.0, "hold_complete", {})):
            flow.record_events([ev])
        pose = np.zeros((33, 4), np.float32)
        pose[11] = (0.6, 0.4, 0, 0.9)
        # 30 frames over 1 s at 30 fps -> 10 states at most (10 Hz)
        for i in range(30):
            for fl in app.frame_listeners:
                fl(BodyFrame(i, int(i * 1e9 / 30), 640, 480, pose=pose), None)
        hub = s.app.state.hub
        wait_for(lambda: hub.stations["room-1"].state.get("success_rate") is not None)
        state = hub.stations["room-1"].state
        assert state["success_rate"] == pytest.approx(2 / 3)
        assert state["dose"] == {"reach_fraction": 0.55} and state["checkin"] == {"pain": 3}
        assert state["skeleton"][11] == [pytest.approx(0.6), pytest.approx(0.4), 0.9]
        assert "image" not in state
        client = login(s.url)
        token = csrf_of(client.get("/live").text)
        for action, value in (("note", "slow down"), ("stop", "")):
            r = client.post("/api/stations/room-1/command",
                            data={"action": action, "value": value, "csrf_token": token})
            assert r.json() == {"ok": True}
        k = 30

        def frames_until_stop() -> bool:
            nonlocal k
            for fl in app.frame_listeners:
                fl(BodyFrame(k, int(k * 1e9 / 30), 640, 480, pose=pose), None)
            k += 1
            return any(x.kind == "remote_stop" for x in flow.recorded)

        wait_for(frames_until_stop)
        assert app.keys.poll(5.0).stop  # reaches the game like the Esc key
        assert link.note == "ana: slow down"
        assert [(x.kind, x.data["by"]) for x in flow.recorded if x.kind.startswith("remote_")] \
            == [("remote_note", "ana"), ("remote_stop", "ana")]
        assert st.wait_drained(10)
        kinds = [x["kind"] for x in e.clinic.station_events("room-1", st.run_id)]
        assert kinds == ["hold_complete", "miss", "hold_complete", "remote_note", "remote_stop"]
    finally:
        st.stop()


def test_remote_difficulty_moves_the_staircase_inside_the_plan() -> None:
    import numpy as np

    from clinic.station import remote_difficulty
    from exercises.doses import SessionDose, make_dose
    from exercises.dosing import InSessionDosing, Staircase, StairParam
    from exercises.registry import make_exercise
    from exercises.session import SessionRunner

    exercise = make_exercise("reaching", make_dose("reaching", reach_fraction=0.55), None,
                             np.random.default_rng(0))
    stair = Staircase([StairParam("reach_fraction", 0.5, 0.6, 0.05, +1)],
                      {"reach_fraction": 0.55})
    runner = SessionRunner(exercise, SessionDose(), pre_pain=2,
                           dosing=InSessionDosing(stair, exercise))
    [ev] = remote_difficulty(runner, "harder", "ana", 4.0)
    assert ev.kind == "difficulty_step" and ev.data["to"] == {"reach_fraction": 0.6}
    assert ev.data["why"] == "therapist ana asked for harder" and ev.t == 4.0
    assert exercise.reach_fraction == 0.6
    assert remote_difficulty(runner, "harder", "ana", 5.0) == []  # the plan's max: no further
    [ev] = remote_difficulty(runner, "easier", "ana", 6.0)
    assert ev.data["to"] == {"reach_fraction": 0.55} and ev.data["direction"] == "down"
    assert exercise.reach_fraction == 0.55
    assert [e["reason"] for e in runner.dosing.log()][1:] == [
        "therapist ana asked for harder", "one level down: therapist ana asked for easier"]
    # After a pain pause the therapist cannot push the level back above its ceiling.
    runner.dosing.pain_pause("pain 7/10 is above 5", 7.0)
    assert exercise.reach_fraction == 0.5
    assert remote_difficulty(runner, "harder", "ana", 8.0) == []
    fixed = SessionRunner(exercise, SessionDose(), pre_pain=2, dosing=InSessionDosing(None, exercise))
    assert remote_difficulty(fixed, "harder", "ana", 1.0) == []
    assert remote_difficulty(object(), "harder", "ana", 1.0) == []


def test_other_clinics_never_see_a_station(live: tuple[ClinicEnv, Served]) -> None:
    e, s = live
    bob = login(s.url, "bob")
    ana = login(s.url, "ana")
    ws_url = s.url.replace("http", "ws") + "/ws/live"
    st = StationClient(s.url, "room-1", e.station_token, patient="north-1").start()
    try:
        wait_for(st.connected.is_set)
        st.publish_state({"exercise": "reaching", "secret": "north only"})
        with connect(ws_url, additional_headers={
                "Cookie": f"np_session={bob.cookies.get('np_session')}"}) as b, \
             connect(ws_url, additional_headers={
                "Cookie": f"np_session={ana.cookies.get('np_session')}"}) as a:
            seen = json.loads(a.recv(timeout=5))
            assert seen["name"] == "room-1"
            st.publish_state({"exercise": "reaching", "secret": "north only 2"})
            json.loads(a.recv(timeout=5))
            with pytest.raises(TimeoutError):
                b.recv(timeout=0.5)  # nothing of North reaches South
        assert "room-1" not in bob.get("/live").text
    finally:
        st.stop()


def test_a_station_pulls_in_no_patient_unless_allowed(live: tuple[ClinicEnv, Served]) -> None:
    """`hello` naming a patient outside the clinic: shown live, never taken into the clinic,
    unless the station's token allows new patients (and then only one of no clinic)."""
    e, s = live
    e.store.ensure_patient("walk-in")
    for patient in ("south-1", "walk-in", "nobody-known"):
        st = StationClient(s.url, "room-1", e.station_token, patient=patient).start()
        try:
            wait_for(st.connected.is_set)
            wait_for(lambda p=patient: s.app.state.hub.stations["room-1"].patient == p)
            wait_for(lambda c=st: bool(c.server_messages))
            [notice] = st.server_messages
            assert notice["type"] == "notice" and notice["of"] == "hello"
            # one answer whatever the reason, so a station cannot probe other clinics' ids
            assert notice["text"].startswith(f"patient {patient!r} is not assigned to this clinic")
            assert f"therapist assign {patient}" in notice["text"]
        finally:
            st.stop()
    assert e.clinic.patient_clinics("south-1") == [e.south]  # still only South's
    assert e.clinic.patient_clinics("walk-in") == []  # nobody allowed it
    ana = login(s.url, "ana")
    assert ana.get("/patients/walk-in").status_code == 404
    # a token made with --allow-new-patients: the walk-in joins North, South's patient does not
    token = e.clinic.new_station_token("room-1", e.north, "ana", allow_new_patients=True)
    for patient in ("walk-in", "south-1"):
        st = StationClient(s.url, "room-1", token, patient=patient).start()
        try:
            wait_for(st.connected.is_set)
            wait_for(lambda p=patient: s.app.state.hub.stations["room-1"].patient == p)
            st.record("hit", {})
            assert st.wait_drained(10)  # the hello was handled before this ack
            assert [m["type"] for m in st.server_messages] == (
                [] if patient == "walk-in" else ["notice"])
        finally:
            st.stop()
    assert e.clinic.patient_clinics("walk-in") == [e.north]
    assert e.clinic.patient_clinics("south-1") == [e.south]
    assert ana.get("/patients/walk-in").status_code == 200


def test_undelivered_events_survive_a_station_restart(live: tuple[ClinicEnv, Served],
                                                      tmp_path) -> None:
    e, s = live
    port = int(s.url.rsplit(":", 1)[1])
    stop(s)  # the dashboard is down for the whole first run
    box = tmp_path / "outbox"
    first = StationClient(s.url, "room-1", e.station_token, outbox_dir=box).start()
    for i in range(12):
        first.record("hit", {"i": i})
    first.stop(0)  # the patient finishes and quits while offline
    journal = box / "room-1.outbox.jsonl"
    assert len(journal.read_text().splitlines()) == 12
    with journal.open("a") as f:
        f.write('{"run": "cut short')  # a crash mid-line is ignored
    app = create_app(e.store, clinic=e.clinic)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level="warning", ws="websockets-sansio"))
    th = threading.Thread(target=server.run, daemon=True)
    th.start()
    second = StationClient(s.url, "room-1", e.station_token, outbox_dir=box).start()
    try:
        second.record("hit", {"i": 100})
        assert second.wait_drained(15)
    finally:
        second.stop()
        server.should_exit = True
        th.join(10)
    old = e.clinic.station_events("room-1", first.run_id)
    assert [x["data"]["i"] for x in old] == list(range(12))
    assert [x["seq"] for x in e.clinic.station_events("room-1", second.run_id)] == [1]
    assert journal.read_text() == ""  # all acknowledged: compacted away
