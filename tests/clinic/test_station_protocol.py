"""The station protocol's schema on its own: what is refused and why, and that what a
station client sends (cleaned by the same module) is always accepted."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clinic import station_protocol as p
from clinic.station import StationClient


def events(*evs: dict[str, Any], run: str = "r1") -> str:
    return json.dumps({"type": "events", "run_id": run, "events": list(evs)})


def ev(**over: Any) -> dict[str, Any]:
    return {"seq": 1, "kind": "hit", "t": "1.500", "data": {}, **over}


@pytest.mark.parametrize(("raw", "why"), [
    (events(ev(seq=2**70)), "less than or equal to 2147483647"),
    (events(ev(seq=-3)), "greater than or equal to 1"),
    (events(ev(seq=0)), "greater than or equal to 1"),
    (events(ev(seq=True)), "valid integer"),
    (events(ev(seq=1.0)), "valid integer"),
    (events(ev(seq="1")), "valid integer"),
    (events(ev(kind="x" * 65)), "kind"),
    (events(ev(kind="no spaces")), "kind"),
    (events(ev(t="soon")), "t must be a number"),
    (events(ev(t=1e400)), "t"),
    (events(ev(data=[1, 2])), "Input should be an object"),
    (events(ev(extra=1)), "Extra inputs"),
    (events(), "at least 1 item"),
    (events(*[ev(seq=k) for k in range(1, 202)]), "at most 200 items"),
    (events(ev(), run="../etc"), "run_id"),
    (json.dumps({"type": "state", "run_id": "r", "state": {"a": "NaN"}}).replace('"NaN"', "NaN"),
     "finite"),
    (json.dumps({"type": "state", "run_id": "r", "state": {"big": 2**60}}), "2**53"),
    ('{"type": "state", "run_id": "r", "state": {"a": ' + "[" * 100_000 + "]" * 100_000 + "}}",
     "recursion limit"),
    ('{"type": "state", "run_id": "r", "state": {"a": ' + "[" * 17 + "]" * 17 + "}}",
     "nested deeper than 16"),
    (json.dumps({"type": "state", "run_id": "r", "state": {"pad": "x" * p.MAX_STATE_BYTES}}),
     "state frame of"),
    ('{"type": "hello", "run_id": "r", "patient": "p-1", "patient": "x\\u0000"}', "patient"),
    ('{"type": "hello", "run_id": "r", "patient": "\\ud800"}', "Invalid JSON"),
    ('{"type": "shutdown"}', "does not match any of the expected tags"),
    ("[1, 2]", "Input should be an object"),
    ("not json", "Invalid JSON"),
    (b"\xff\xfe", "Invalid JSON"),
])
def test_bad_frames_are_one_line_errors(raw: str | bytes, why: str) -> None:
    with pytest.raises(p.ProtocolError) as err:
        p.parse(raw)
    line = str(err.value)
    assert why in line and "\n" not in line and len(line) <= 400


def test_a_frame_over_the_limit_is_refused_before_parsing() -> None:
    raw = "x" * (p.MAX_FRAME_BYTES + 1)  # not even JSON: the size is checked first
    with pytest.raises(p.ProtocolError, match=f"over the {p.MAX_FRAME_BYTES}-byte limit"):
        p.parse(raw)


def test_good_frames() -> None:
    msg = p.parse(events(ev(seq=p.MAX_SEQ, t=2.25, data={"a": [1, {"b": None}]})))
    assert isinstance(msg, p.Events)
    assert msg.events[0].row() == {"seq": p.MAX_SEQ, "kind": "hit", "t": "2.25",
                                   "data": {"a": [1, {"b": None}]}}
    hello = p.parse(b'{"type": "hello", "run_id": "abc", "patient": "p-014"}')
    assert hello == p.Hello(type="hello", run_id="abc", patient="p-014", exercise=None)
    assert p.type_of('{"type": "state", "x": ') == "state" and p.type_of("[]") is None


json_leaf = (st.none() | st.booleans() | st.integers() | st.text(max_size=20)
             | st.floats(allow_nan=True, allow_infinity=True))
json_any = st.recursive(json_leaf, lambda kids: st.lists(kids, max_size=4)
                        | st.dictionaries(st.text(max_size=8), kids, max_size=4), max_leaves=40)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kind=st.text(max_size=80), t=st.floats(allow_nan=True, allow_infinity=True),
       data=st.dictionaries(st.text(max_size=8), json_any, max_size=5),
       state=st.dictionaries(st.text(max_size=8), json_any, max_size=6))
def test_what_a_station_sends_is_always_accepted(kind: str, t: float, data: dict[str, Any],
                                                  state: dict[str, Any]) -> None:
    """NaN, infinities, huge integers, odd kinds: the client's cleaning makes a valid frame."""
    wire = p.clean_event(7, kind, t, data)
    msg = p.parse(json.dumps({"type": "events", "run_id": "r", "events": [wire]},
                             allow_nan=False))
    assert isinstance(msg, p.Events) and msg.events[0].seq == 7
    clean = p.clean_state(state)
    assert isinstance(p.parse(json.dumps({"type": "state", "run_id": "r", "state": clean},
                                         allow_nan=False)), p.State)
    sent = p.parse(p.state_frame("r", state))  # what the client really sends
    assert isinstance(sent, p.State)
    if all(isinstance(v, str) for v in state.values()):
        assert sent.state == state  # a valid state goes out unchanged


def test_cleaning_keeps_values_and_bounds_the_rest() -> None:
    deep: Any = 1
    for _ in range(30):
        deep = [deep]
    out = p.clean_json({"ok": [1, 2.5, "x", None, True], "nan": math.nan, "inf": -math.inf,
                        "huge": 2**60, "deep": deep, "tuple": (1, 2), "obj": object})
    assert out["ok"] == [1, 2.5, "x", None, True] and out["nan"] is None and out["inf"] is None
    assert out["huge"] == float(2**60) and out["tuple"] == [1, 2]
    assert out["obj"] == "<class 'object'>"
    depth, node = 0, out["deep"]
    while isinstance(node, list):
        depth, node = depth + 1, node[0]
    assert node is None and depth == p.MAX_DEPTH - 1  # cut where the schema stops
    big = p.clean_event(3, "repetition", 1.0, {"path": [[0.1, 0.2]] * 40_000})
    assert big["data"] == {"omitted": big["data"]["omitted"]}
    assert "over the station link's" in big["data"]["omitted"]
    state = p.clean_state({"exercise": "reaching", "skeleton": [[0.5, 0.5, 1.0]] * 33,
                           "blob": "x" * p.MAX_STATE_BYTES})
    assert state["exercise"] == "reaching" and state["omitted"] == ["blob"]
    assert len(state["skeleton"]) == 33  # the small fields stay


def test_the_client_splits_event_batches_to_fit_a_frame() -> None:
    batch = [{"seq": k, "kind": "repetition", "t": "1.000",
              "data": {"path": [[0.123456, 0.654321]] * 1500}} for k in range(1, 201)]
    frame = StationClient._events_frame("run", batch)
    msg = p.parse(frame)
    assert isinstance(msg, p.Events) and p.fits(frame)
    assert [e.seq for e in msg.events] == [e["seq"] for e in batch]  # the rest goes next
    assert 1 < len(batch) < 200


def test_the_trunk_lean_run_is_counted_per_reach_sent_and_alerts() -> None:
    """GameLink's LeanRun: reaches in a row with a COMPENSATION; its state is accepted by
    the protocol and becomes the live view's trunk-lean alert from the third reach."""
    from clinic.station import GameLink, LeanRun
    from core.events import COMPENSATION, HOLD_COMPLETE, MISS
    from exercises.events import Event
    from telemetry.live_triage import live_triage

    lean = LeanRun()
    for kind, data in [(COMPENSATION, {"index": 1, "trunk_lean_deg": -9.0}),
                       (COMPENSATION, {"index": 1, "trunk_lean_deg": 12.5}),  # same reach
                       (HOLD_COMPLETE, {"index": 1}),  # the leaning reach ends: still a run
                       (COMPENSATION, {"index": 2, "trunk_lean_deg": 8.0}),
                       (MISS, {"index": 2})]:
        lean.event(kind, data)
    assert lean.state() == {"run": 2, "deg": 12.5}
    lean.event(COMPENSATION, {"index": 3, "trunk_lean_deg": 10.0})
    assert lean.state() == {"run": 3, "deg": 12.5}
    state = {"type": "state", "run_id": "r1", "state": {"trunk_lean": lean.state(),
                                                       "tracking": 1.0}}
    msg = p.parse(json.dumps(state))
    tri = live_triage(msg.state, connected=True)  # type: ignore[union-attr]
    assert tri.kinds == ("trunk_lean",) and "last 3 reaches in a row (up to 12" in \
        tri.alerts[0].sentence
    lean.event(HOLD_COMPLETE, {"index": 4})  # a clean reach ends the run
    assert lean.state() == {"run": 0, "deg": None}

    class Client:  # what GameLink needs of a StationClient
        exercise = "reaching"

        def __init__(self) -> None:
            self.recorded: list[Any] = []

        def record_event(self, e: Any) -> None:
            self.recorded.append(e)

    link = GameLink(Client())  # type: ignore[arg-type]
    link.on_events([Event(float(i), COMPENSATION, {"index": i, "trunk_lean_deg": 11.0})
                    for i in range(1, 5)])
    assert link.state(object(), object())["trunk_lean"] == {"run": 4, "deg": 11.0}
