"""Issue 13's attacks against a real dashboard (uvicorn on loopback, real websockets).

Forged X-Forwarded-For, simultaneous wrong logins, station frames that used to kill
their connection (and a hypothesis fuzz of them), frames over the size limits, a
browser that never reads, a database that fails mid-stream. Figures (timings, memory)
are in benchmarks/clinic_attacks.py; these tests assert behaviour only.
"""

from __future__ import annotations

import base64
import json
import math
import os
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from clinic import station_protocol as protocol
from clinic.dashboard import auth
from clinic.dashboard.app import create_app, parse_proxies
from clinic.station import StationClient
from telemetry.clinic import MAX_FAILURES, ClinicStore
from telemetry.store import Store
from tests.clinic.clinic_env import PASSWORD, ClinicEnv, build, csrf_of, login
from tests.clinic.conftest import Served, serve, stop


def wait_for(cond: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.02)


# ------------------------------------------------------------------ logins
@pytest.fixture
def accounts(tmp_path: Path) -> Iterator[tuple[Store, ClinicStore]]:
    store = Store.open(tmp_path / "neuroplay.db")
    cs = ClinicStore(store.engine)
    cs.add_therapist("ana", "North", PASSWORD)
    yield store, cs
    store.close()


def try_login(base: str, password: str, **headers: str) -> int:
    with httpx.Client(base_url=base, timeout=60) as c:
        token = csrf_of(c.get("/login").text)
        return c.post("/login", data={"username": "ana", "password": password,
                                      "csrf_token": token}, headers=headers).status_code


def test_a_forged_forwarded_for_is_not_a_new_address(
        accounts: tuple[Store, ClinicStore]) -> None:
    store, cs = accounts
    s = serve(create_app(store, clinic=cs))
    try:
        codes = [try_login(s.url, "wrong-password", **{"X-Forwarded-For": f"10.9.0.{n}"})
                 for n in range(1, 31)]
        right = try_login(s.url, PASSWORD, **{"X-Forwarded-For": "10.9.0.31"})
    finally:
        stop(s)
    assert codes == [401] * MAX_FAILURES + [429] * (30 - MAX_FAILURES)
    assert right == 429  # locked, even with the right password
    assert {a["ip"] for a in cs.login_attempts("ana")} == {"127.0.0.1"}  # the header ignored


def test_behind_a_named_proxy_the_account_limit_still_holds(
        accounts: tuple[Store, ClinicStore]) -> None:
    store, cs = accounts
    s = serve(create_app(store, clinic=cs, trusted_proxies=["127.0.0.1"]))
    try:
        codes = [try_login(s.url, "wrong-password", **{"X-Forwarded-For": f"10.9.0.{n}"})
                 for n in range(1, 11)]
        right = try_login(s.url, PASSWORD, **{"X-Forwarded-For": "10.9.0.99"})
    finally:
        stop(s)
    assert codes == [401] * MAX_FAILURES + [429] * 5 and right == 429
    ips = [a["ip"] for a in cs.login_attempts("ana")]
    assert ips[:3] == ["10.9.0.1", "10.9.0.2", "10.9.0.3"]  # the proxy's word, believed


class Req:
    def __init__(self, peer: str, xff: list[str]) -> None:
        self.client = type("C", (), {"host": peer})()
        self.headers = Headers(raw=[(b"x-forwarded-for", v.encode()) for v in xff])


def test_client_address_from_a_proxy_chain() -> None:
    proxies = parse_proxies(["127.0.0.1", "10.0.0.0/8"])
    assert auth.client_ip(Req("127.0.0.1", ["6.6.6.6"])) == "127.0.0.1"  # none trusted
    assert auth.client_ip(Req("192.0.2.9", ["6.6.6.6"]), proxies) == "192.0.2.9"
    # each proxy appends what it saw: the right-most untrusted hop is the client
    assert auth.client_ip(Req("127.0.0.1", ["6.6.6.6, 203.0.113.7", "10.1.2.3"]),
                          proxies) == "203.0.113.7"
    assert auth.client_ip(Req("127.0.0.1", ["not-an-ip"]), proxies) == "127.0.0.1"
    assert auth.client_ip(Req("127.0.0.1", []), proxies) == "127.0.0.1"
    with pytest.raises(ValueError, match="'proxy.example' is not an IP"):
        parse_proxies(["proxy.example"])


def test_simultaneous_wrong_logins_get_five_checks(
        accounts: tuple[Store, ClinicStore]) -> None:
    store, cs = accounts
    s = serve(create_app(store, clinic=cs))
    clients = []
    for _ in range(30):
        c = httpx.Client(base_url=s.url, timeout=120)
        clients.append((c, csrf_of(c.get("/login").text)))
    barrier = threading.Barrier(len(clients))
    codes: list[int] = []

    def attempt(c: httpx.Client, token: str) -> None:
        barrier.wait()
        codes.append(c.post("/login", data={"username": "ana", "password": "wrong",
                                            "csrf_token": token}).status_code)

    try:
        threads = [threading.Thread(target=attempt, args=ct) for ct in clients]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        right = try_login(s.url, PASSWORD)
    finally:
        stop(s)
        for c, _ in clients:
            c.close()
    assert sorted(codes) == [401] * MAX_FAILURES + [429] * (30 - MAX_FAILURES)
    assert right == 429


# ---------------------------------------------------------------- stations
@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ClinicEnv, Served]]:
    e = build(str(tmp_path_factory.mktemp("hard") / "neuroplay.db"))
    served = serve(create_app(e.store, clinic=e.clinic))
    yield e, served
    stop(served)
    e.store.close()


def station_socket(e: ClinicEnv, s: Served) -> ClientConnection:
    url = s.url.replace("http", "ws") + "/ws/station/room-1"
    return connect(url, additional_headers={"X-Station-Token": e.station_token},
                   max_size=None, open_timeout=10)


def reply(ws: ClientConnection) -> dict[str, Any]:
    return json.loads(ws.recv(timeout=10))


def good(seq: int, run: str = "good") -> str:
    return json.dumps({"type": "events", "run_id": run,
                       "events": [{"seq": seq, "kind": "hit", "t": "1.000", "data": {}}]})


BAD = {
    "seq 2**70": good(1, "bad").replace('"seq": 1', f'"seq": {2**70}'),
    "negative seq": good(1, "bad").replace('"seq": 1', '"seq": -5'),
    "state nested 100,000 deep": ('{"type": "state", "run_id": "bad", "state": {"a": '
                                  + "[" * 100_000 + "]" * 100_000 + "}}"),
    "a list": "[1, 2, 3]",
    "not JSON": "{'type': 'events'",
    "unknown type": '{"type": "drop_tables", "run_id": "bad"}',
    "events not a list": '{"type": "events", "run_id": "bad", "events": {"seq": 1}}',
    "1.5 MiB frame": good(1, "bad").replace('"data": {}', '"data": {"pad": "'
                                            + "x" * (3 * 2**19) + '"}'),
}


@pytest.mark.parametrize("name", list(BAD))
def test_a_bad_frame_gets_an_error_and_the_connection_stays(
        env: tuple[ClinicEnv, Served], name: str, caplog: pytest.LogCaptureFixture) -> None:
    e, s = env
    before = e.clinic.count_station_events(["room-1"])
    with station_socket(e, s) as ws:
        ws.send(BAD[name])
        answer = reply(ws)
        assert answer["type"] == "error" and "\n" not in answer["error"], answer
        seq = 1000 + list(BAD).index(name)
        ws.send(good(seq))  # the same connection still works
        assert reply(ws) == {"type": "ack", "run_id": "good", "seqs": [seq]}
    assert e.clinic.station_events("room-1", "bad") == []
    assert e.clinic.count_station_events(["room-1"]) == before + 1
    logged = [r.getMessage() for r in caplog.records if r.name == "neuroplay.dashboard"]
    assert any(m.startswith("station room-1 sent a bad") and answer["error"] in m
               for m in logged), logged
    hub = s.app.state.hub
    assert hub.stations["room-1"].refused >= 1


def test_a_binary_frame_is_read_as_json_and_a_huge_one_closes(
        env: tuple[ClinicEnv, Served]) -> None:
    e, s = env
    with station_socket(e, s) as ws:
        ws.send(good(2000).encode())
        assert reply(ws)["seqs"] == [2000]
        ws.send(b"\xff\x00 not utf-8")
        assert reply(ws)["type"] == "error"
        # over the websocket layer's limit (2x the frame limit): closed before it is buffered
        ws.send("x" * (2 * protocol.MAX_FRAME_BYTES + 1))
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=10)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009


# ------------------------------------------------------------------- fuzz
NAME = re.compile(protocol.NAME_PATTERN)
leaf = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10)
json_any = st.recursive(leaf, lambda k: st.lists(k, max_size=3)
                        | st.dictionaries(st.text(max_size=5), k, max_size=3), max_leaves=12)


def _valid_time(v: Any) -> bool:
    if isinstance(v, bool) or not isinstance(v, (int, float, str)):
        return False
    if isinstance(v, str) and len(v) > 40:
        return False
    try:
        return math.isfinite(float(v))
    except ValueError:
        return False


def _event(**over: Any) -> dict[str, Any]:
    return {"seq": 1, "kind": "hit", "t": "1.0", "data": {}, **over}


def _frame(events: list[Any], run: Any = "bad") -> str:
    return json.dumps({"type": "events", "run_id": run, "events": events})


def _deep(depth: int) -> str:
    return ('{"type": "state", "run_id": "bad", "state": {"a": ' + "[" * depth + "]" * depth
            + "}}")


def _not_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return True
    return False


bad_frames = st.one_of(
    json_any.filter(lambda v: not isinstance(v, dict)).map(json.dumps),
    st.dictionaries(st.text(max_size=8), json_any, max_size=4)
    .filter(lambda d: d.get("type") not in ("hello", "state", "events")).map(json.dumps),
    (st.integers() | st.floats() | st.text(max_size=12) | st.booleans() | st.none())
    .filter(lambda v: not (type(v) is int and 1 <= v <= protocol.MAX_SEQ))
    .map(lambda v: _frame([_event(seq=v)])),
    st.text(max_size=80).filter(lambda k: not NAME.match(k)).map(lambda k: _frame([_event(kind=k)])),
    json_any.filter(lambda v: not _valid_time(v)).map(lambda v: _frame([_event(t=v)])),
    json_any.filter(lambda v: not isinstance(v, dict)).map(lambda v: _frame([_event(data=v)])),
    json_any.filter(lambda v: not (isinstance(v, str) and NAME.match(v)))
    .map(lambda v: _frame([_event()], run=v)),
    st.integers(min_value=protocol.MAX_DEPTH, max_value=5000).map(_deep),
    st.text(max_size=60).filter(_not_json),
    st.integers(201, 400).map(lambda n: _frame([_event(seq=k) for k in range(1, n + 1)])),
)


@pytest.fixture(scope="module")
def fuzz_socket(env: tuple[ClinicEnv, Served]) -> Iterator[dict[str, Any]]:
    e, s = env
    with station_socket(e, s) as ws:
        yield {"ws": ws, "seq": 5000, "acked": 0}


@settings(max_examples=120, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(raw=bad_frames)
def test_fuzzed_station_frames(env: tuple[ClinicEnv, Served], fuzz_socket: dict[str, Any],
                               raw: str) -> None:
    """Any malformed frame: an error reply, nothing stored, and the connection still
    acknowledges the next good frame."""
    e, _ = env
    ws = fuzz_socket["ws"]
    ws.send(raw)
    answer = reply(ws)
    assert answer["type"] == "error" and isinstance(answer["error"], str), (raw[:200], answer)
    fuzz_socket["seq"] += 1
    ws.send(good(fuzz_socket["seq"], "fuzzgood"))
    assert reply(ws) == {"type": "ack", "run_id": "fuzzgood", "seqs": [fuzz_socket["seq"]]}
    assert e.clinic.station_events("room-1", "bad") == []


# ------------------------------------------------------- memory, failures
def never_reading_browser(s: Served, cookie: str) -> socket.socket:
    """A logged-in /ws/live socket that completes the handshake, then never reads."""
    port = int(s.url.rsplit(":", 1)[1])
    sock = socket.create_connection(("127.0.0.1", port))
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall((f"GET /ws/live HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
                  f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                  f"Sec-WebSocket-Version: 13\r\nCookie: np_session={cookie}\r\n\r\n").encode())
    head = b""
    while b"\r\n\r\n" not in head:
        head += sock.recv(1)
    assert head.startswith(b"HTTP/1.1 101"), head
    return sock


def test_a_browser_that_never_reads_holds_one_state_per_station(
        env: tuple[ClinicEnv, Served]) -> None:
    e, s = env
    hub = s.app.state.hub
    client = login(s.url)
    browser = never_reading_browser(s, client.cookies.get("np_session"))
    wait_for(lambda: hub.watchers() == 1)
    pad = "y" * (40 * 1024)
    with station_socket(e, s) as ws:
        for i in range(300):  # ~12 MB of states towards a socket that takes none
            ws.send(json.dumps({"type": "state", "run_id": "mem", "state": {"n": i, "pad": pad}}))
        ws.send(good(9000))
        assert reply(ws)["seqs"] == [9000]  # every state before it was handled
        [watcher] = hub._watchers
        assert len(watcher.pending) <= 1  # room-1's latest state, at most
        assert watcher.dropped + watcher.sent >= 290
        pending = list(watcher.pending.values())
        assert not pending or pending[0]["state"]["n"] == 299
    browser.close()
    wait_for(lambda: hub.watchers() == 0)  # freed on disconnect
    assert not watcher.pending


def test_a_database_failure_closes_the_station_which_sends_again(
        env: tuple[ClinicEnv, Served], monkeypatch: pytest.MonkeyPatch) -> None:
    e, s = env
    hub = s.app.state.hub
    real = hub.store_events
    failures = [1]

    def flaky(station: str, run: str, rows: Any) -> list[int]:
        if failures:
            failures.pop()
            raise RuntimeError("database is locked")
        return real(station, run, rows)

    monkeypatch.setattr(hub, "store_events", flaky)
    st_client = StationClient(s.url, "room-1", e.station_token, retry_max_s=0.2).start()
    try:
        for i in range(20):
            st_client.record("hit", {"i": i})
        assert st_client.wait_drained(15)
        assert st_client.connections >= 2  # closed with 1011 after the failure, reconnected
        assert any(m["type"] == "error" and m["of"] == "events"
                   for m in st_client.server_messages)
    finally:
        st_client.stop()
    stored = e.clinic.station_events("room-1", st_client.run_id)
    assert [x["data"]["i"] for x in stored] == list(range(20))
