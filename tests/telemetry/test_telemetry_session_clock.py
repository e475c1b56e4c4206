"""A session's times agree with its events: on a simulated clock (headless demo,
faster than real time) check-ins and the end are start + game time; on a real
clock they are the wall clock. A real headless demo with a pain pause, end to end."""

from __future__ import annotations

import csv
import json
import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from telemetry.store import Store

MS = timedelta(milliseconds=2)  # stored timestamps have millisecond resolution


@dataclass(frozen=True)
class Ev:
    t: float
    kind: str
    data: dict[str, Any]


def test_simulated_clock_stamps_checkins_and_end_with_game_time(fresh_store: Store,
                                                                clock: Any) -> None:
    fresh_store.ensure_patient("s")
    start = clock.now
    rec = fresh_store.start_session("s", "reaching", {}, t0=100.0, simulated_clock=True)
    rec.checkin("pre", {"pain": 2}, t=100.0)
    clock.advance(seconds=0.5)  # the wall clock barely moves while 110 game seconds pass
    rec.record([Ev(101.0, "session_start", {}), Ev(180.0, "session_end", {})])
    rec.checkin("in_session", {"pain": 4}, t=130.0)
    rec.checkin("post", {"pain": 2}, t=205.0)
    rec.close({}, t=210.0)
    [s] = fresh_store.history("s")
    got = {c.phase: c.at - start for c in fresh_store.checkins("s")}
    assert got == {"pre": timedelta(0), "in_session": timedelta(seconds=30),
                   "post": timedelta(seconds=105)}
    assert s.ended_at - s.started_at == timedelta(seconds=110)
    assert s.at(180.0) <= s.ended_at  # the last event falls inside the session


def test_end_is_never_before_the_last_event_on_a_simulated_clock(fresh_store: Store) -> None:
    fresh_store.ensure_patient("s2")
    rec = fresh_store.start_session("s2", "reaching", {}, t0=10.0, simulated_clock=True)
    rec.record([Ev(10.0, "session_start", {}), Ev(70.0, "session_end", {})])
    rec.close({})  # no game time given (an aborted run): the newest event decides
    [s] = fresh_store.history("s2")
    assert s.ended_at - s.started_at == timedelta(seconds=60)


def test_real_clock_keeps_the_wall_clock(fresh_store: Store, clock: Any) -> None:
    fresh_store.ensure_patient("w")
    rec = fresh_store.start_session("w", "reaching", {}, t0=100.0)
    clock.advance(seconds=42)
    rec.checkin("in_session", {"pain": 4}, t=130.0)  # a real clock: the game time is not used
    clock.advance(seconds=18)
    rec.close({}, t=160.0)
    [s] = fresh_store.history("w")
    [c] = fresh_store.checkins("w")
    assert c.at - s.started_at == timedelta(seconds=42)
    assert s.ended_at - s.started_at == timedelta(seconds=60)
    assert s.summary["clock"] == {"t0_s": 100.0, "simulated": False}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One real headless demo: the virtual patient, the real game loop on the simulated
    clock, the scripted patient rating pain 6 at the rest break (pre-session 3)."""
    from click.testing import CliRunner

    from game.cli import cli

    data = tmp_path_factory.mktemp("demo")
    res = CliRunner().invoke(cli, ["demo", "--headless", "--json", "--rest-pain", "6",
                                   "--seconds", "40", "--seed", "2", "--data-dir", str(data)])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output.strip().splitlines()[-1])
    store = Store.open(data / "neuroplay.db", create=False)
    try:
        [session] = store.history("demo")
        got = {"out": out, "data": data, "session": session,
               "events": store.events(session.session_id),
               "checkins": store.checkins("demo"), "trials": store.trials(session.session_id)}
    finally:
        store.close()
    return got


def test_demo_stores_the_rest_break_pain_as_an_in_session_checkin(demo: dict[str, Any]) -> None:
    s = demo["session"]
    assert [(c.phase, c.answers.get("pain"), c.session_id) for c in demo["checkins"]] == [
        ("pre", 3, s.session_id), ("in_session", 6, s.session_id), ("post", 3, s.session_id)]
    assert (s.pain_pre, s.pain_in_session_max, s.pain_post, s.pain_pauses) == (3, 6, 3, 1)
    assert s.summary["pain_checks"] == 1
    # Stamped when the patient answered: the runner's check-in event at the same game time.
    [ev] = [e for e in demo["events"] if e.kind == "checkin"]
    [c] = [c for c in demo["checkins"] if c.phase == "in_session"]
    assert abs(c.at - s.at(ev.t)) <= MS
    assert [e.data["reason"] for e in demo["events"] if e.kind == "pause"] == ["pain"]


def test_demo_session_times_agree_with_its_events(demo: dict[str, Any]) -> None:
    s = demo["session"]
    assert s.summary["clock"]["simulated"] is True
    first = min(e.t for e in demo["events"])
    last = max(e.t for e in demo["events"])
    assert s.started_at - MS <= s.at(first) and s.at(last) <= s.ended_at + MS
    assert all(s.started_at - MS <= s.at(tr.t) <= s.ended_at + MS for tr in demo["trials"])
    for c in demo["checkins"]:
        assert s.started_at - MS <= c.at <= s.ended_at + MS, c.phase
    # The duration is game time: from the start to the post-session answer (which ends
    # it), a few game seconds after the runner's session_end; never the wall clock's.
    duration = (s.ended_at - s.started_at).total_seconds()
    assert last - s.t0 <= duration + 0.002 <= demo["out"]["game_seconds"] - s.t0
    [post] = [c for c in demo["checkins"] if c.phase == "post"]
    assert abs(post.at - s.ended_at) <= MS


def test_demo_export_places_trials_inside_the_session(demo: dict[str, Any]) -> None:
    from click.testing import CliRunner

    from game.cli import cli

    out_dir = demo["data"] / "csv"
    res = CliRunner().invoke(cli, ["export", "demo", "--format", "csv", "--out", str(out_dir),
                                   "--data-dir", str(demo["data"])])
    assert res.exit_code == 0, res.output
    [row] = list(csv.DictReader((out_dir / "sessions.csv").open(encoding="utf-8")))
    start, end = (datetime.fromisoformat(row[k]) for k in ("started_at", "ended_at"))
    assert (row["pain_in_session_max_0_10"], row["pain_pauses"]) == ("6", "1")
    trials = list(csv.DictReader((out_dir / "trials.csv").open(encoding="utf-8")))
    assert len(trials) == len(demo["trials"]) >= 3
    for tr in trials:  # whole seconds in the CSV
        at = datetime.fromisoformat(tr["at"])
        assert start - timedelta(seconds=1) <= at <= end + timedelta(seconds=1)
        assert 0.0 <= float(tr["time_in_session_s"]) <= (end - start).total_seconds() + 1
    metrics = list(csv.DictReader((out_dir / "trial_metrics.csv").open(encoding="utf-8")))
    rot = [float(r["value"]) for r in metrics if r["metric"] == "trunk-rotation"]
    assert len(rot) == len(trials)


def test_demo_reaches_have_a_plausible_trunk_rotation(demo: dict[str, Any]) -> None:
    # A seated virtual patient reaching with the arm: the shoulder line turns a few
    # degrees, far from a trunk that swings round (tens of degrees) or stays frozen.
    good = [tr.data["metrics"] for tr in demo["trials"]
            if not tr.data["metrics"].get("poor_quality")]
    assert len(good) >= 3
    rot = [m["trunk_rotation_deg"] for m in good]
    assert all(0.0 <= r < 20.0 for r in rot)
    assert 0.5 <= statistics.median(rot) <= 10.0


def test_demo_report_shows_in_session_pain_and_trunk_rotation(demo: dict[str, Any]) -> None:
    report = Path(demo["out"]["report"]).read_text(encoding="utf-8")
    assert "3 -&gt; 6 -&gt; 3 (1 pain pause)" in report
    assert "Trunk during reaches" in report and "rotation (deg)" in report


def test_migration_0005_places_older_sessions_on_their_game_clock(store_target: str) -> None:
    # Sessions stored by an older release have no clock in their summary: their trial
    # times counted from the game's start (34 s of menus before play). The upgrade
    # reads the runner's session_start event; a session without one keeps t0 = 0.
    import json

    from telemetry import migrations
    from telemetry import schema as S
    from telemetry.store import dumps

    store = Store.open(store_target)
    store.ensure_patient("old")
    ids = []
    for events in ([Ev(34.0, "session_start", {}), Ev(40.0, "session_end", {})],
                   [Ev(1.0, "target_shown", {"index": 0}), Ev(2.0, "timeout", {"index": 0})]):
        rec = store.start_session("old", "reaching", {})
        rec.record(events)
        rec.close({})
        ids.append(rec.session_id)
    with store.engine.begin() as conn:  # what the older release had stored
        for sid, text in conn.execute(S.sessions.select().with_only_columns(
                S.sessions.c.session_id, S.sessions.c.summary)).all():
            summary = json.loads(text)
            summary.pop("clock")
            conn.execute(S.sessions.update().where(S.sessions.c.session_id == sid)
                         .values(summary=dumps(summary)))
        conn.execute(S.schema_migrations.delete().where(S.schema_migrations.c.version >= 5))
    store.close()
    reopened = Store.open(store_target)
    try:
        hist = {s.session_id: s for s in reopened.history("old")}
        assert hist[ids[0]].summary["clock"] == {"t0_s": 34.0, "simulated": None}
        assert (hist[ids[0]].at(40.0) - hist[ids[0]].started_at) == timedelta(seconds=6)
        assert hist[ids[1]].t0 == 0.0
        with reopened.engine.connect() as conn:
            assert migrations.applied_versions(conn)[-1] == migrations.LATEST
    finally:
        reopened.close()
