"""The in-session pain check (a rest break's "How is your pain now?") as a check-in
phase of its own, end to end: store (SQLite and PostgreSQL), migration of an
older database, derived summary, history, trends, CSV, FHIR and the report."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timezone
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from telemetry import migrations
from telemetry import schema as S
from telemetry.derive import derive_summary
from telemetry.exports import csv_tables, fhir_bundle, shipped_resource, validate_bundle
from telemetry.report import build_report
from telemetry.snapshot import load_patient
from telemetry.store import Store, StoreError
from telemetry.trends import assess


@dataclass(frozen=True)
class Ev:
    t: float
    kind: str
    data: dict[str, Any]


def _session_events(ratings: list[int], paused: list[bool]) -> list[Ev]:
    """What the session runner logs: session_start, then per rest break its
    check-in event (and a pain pause when the rule tripped)."""
    evs = [Ev(10.0, "session_start", {"pre_pain": 3})]
    t = 20.0
    for nrs, pause in zip(ratings, paused, strict=True):
        evs.append(Ev(t, "rest_start", {"rest_s": 5.0}))
        evs.append(Ev(t + 1, "checkin", {"phase": "in_session", "nrs": nrs, "pre_pain": 3,
                                         "drop_levels": int(pause)}))
        if pause:
            evs += [Ev(t + 1, "pause", {"reason": "pain"}), Ev(t + 3, "resume", {})]
        evs.append(Ev(t + 6, "rest_end", {"rest_s": 5.0}))
        t += 30.0
    evs.append(Ev(t, "pause", {"reason": "user"}))  # not a pain pause
    evs.append(Ev(t + 1, "session_end", {"reason": "completed"}))
    return evs


def test_derive_summary_counts_the_rest_break_pain_checks_and_pain_pauses() -> None:
    d = derive_summary(_session_events([4, 7, 5], [False, True, False]))
    assert (d["pain_checks"], d["pain_in_session_max"], d["pain_pauses"]) == (3, 7, 1)
    assert d["clock"]["t0_s"] == 10.0  # the runner's session_start
    none = derive_summary([Ev(0.0, "session_start", {}), Ev(5.0, "session_end", {})])
    assert (none["pain_checks"], none["pain_in_session_max"], none["pain_pauses"]) == (0, None, 0)


def _play(store: Store, clock: Any, pid: str, pre: int, ratings: list[int], paused: list[bool],
          post: int) -> str:
    rec = store.start_session(pid, "reaching", {})
    rec.checkin("pre", {"pain": pre})
    for nrs in ratings:
        clock.advance(seconds=30)
        rec.checkin("in_session", {"pain": nrs})
    rec.record(_session_events(ratings, paused))
    clock.advance(seconds=30)
    rec.checkin("post", {"pain": post})
    rec.close({"quota_met": True})
    clock.advance(days=1)
    return rec.session_id


def test_in_session_checkins_reach_history_exports_and_report(fresh_store: Store,
                                                             clock: Any) -> None:
    store = fresh_store
    store.ensure_patient("p1")
    a = _play(store, clock, "p1", 3, [4, 7], [False, True], 3)
    b = _play(store, clock, "p1", 2, [], [], 2)
    hist = {s.session_id: s for s in store.history("p1")}
    assert (hist[a].pain_pre, hist[a].pain_in_session_max, hist[a].pain_post) == (3, 7, 3)
    assert hist[a].pain_pauses == 1 and hist[a].summary["pain_checks"] == 2
    assert (hist[b].pain_in_session_max, hist[b].pain_pauses) == (None, 0)
    phases = [(c.phase, c.answers["pain"], c.session_id) for c in store.checkins("p1")]
    assert phases[:4] == [("pre", 3, a), ("in_session", 4, a), ("in_session", 7, a),
                          ("post", 3, a)]

    data = load_patient(store, "p1")
    # Trends: pain is the pre-session/daily rating; in-session answers do not move it.
    series = assess(data, today=date(2026, 1, 8)).series["pain"]
    assert [p.value for p in series.points] == [3.0, 2.0]

    t = csv_tables(data)
    row = next(r for r in t["sessions"] if r["session_id"] == a)
    assert (row["pain_in_session_max_0_10"], row["pain_pauses"]) == (7, 1)
    assert next(r for r in t["sessions"] if r["session_id"] == b)["pain_in_session_max_0_10"] == ""
    assert [r["value_0_10"] for r in t["checkins"] if r["phase"] == "in_session"] == [4, 7]

    bundle = fhir_bundle(data)
    validate_bundle(bundle)
    q = shipped_resource("Questionnaire-neuroplay-checkin.json")
    allowed = {o["valueCoding"]["code"] for o in q["item"][0]["answerOption"]}
    qr_phases = [i["answer"][0]["valueCoding"]["code"]
                 for e in bundle["entry"] if e["resource"]["resourceType"] == "QuestionnaireResponse"
                 for i in e["resource"]["item"] if i["linkId"] == "phase"]
    assert qr_phases.count("in_session") == 2 and set(qr_phases) <= allowed
    assert all(e["resource"]["questionnaire"].endswith("|" + q["version"])
               for e in bundle["entry"] if e["resource"]["resourceType"] == "QuestionnaireResponse")
    pains = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Observation"
             and e["resource"]["code"]["coding"][0]["code"] == "72514-3"]
    assert sorted(p["valueInteger"] for p in pains
                  if p["note"][0]["text"].endswith("in_session")) == [4, 7]

    model = build_report(data, assess(data, today=date(2026, 1, 8)), tz=timezone.utc)
    by_pain = [r["pain"] for r in model.sessions]  # newest first
    assert by_pain == ["2 -> - -> 2", "3 -> 7 -> 3 (1 pain pause)"]


def test_an_unknown_phase_is_still_refused(fresh_store: Store) -> None:
    fresh_store.ensure_patient("p2")
    with pytest.raises(StoreError, match="unknown check-in phase 'during'"):
        fresh_store.checkin("p2", "during", {"pain": 3})


OLD_CHECK = "phase IN ('pre', 'post', 'pain_stop', 'daily')"


def test_migration_0004_lets_an_older_database_store_in_session_checkins(
        store_target: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # An older release created checkins with the four-phase CHECK and stopped at 0003.
    ck = next(c for c in S.checkins.constraints if c.name == "ck_checkins_phase")
    with monkeypatch.context() as m:
        m.setattr(ck, "sqltext", text(OLD_CHECK))
        m.setattr(migrations, "MIGRATIONS", migrations.MIGRATIONS[:3])
        m.setattr(migrations, "LATEST", 3)
        old = Store.open(store_target)
        old.ensure_patient("p3")
        rec = old.start_session("p3", "reaching", {})
        rec.checkin("pre", {"pain": 4, "sleep": 6})
        rec.close({})
        with pytest.raises(StoreError, match="rejected"):  # the old CHECK refuses it
            old.checkin("p3", "in_session", {"pain": 5}, session_id=rec.session_id)
        old.close()
    store = Store.open(store_target)
    try:
        with store.engine.connect() as conn:
            assert migrations.applied_versions(conn)[-1] == migrations.LATEST
        store.checkin("p3", "in_session", {"pain": 5}, session_id=rec.session_id)
        got = [(c.phase, dict(c.answers), c.session_id) for c in store.checkins("p3")]
        assert got == [("pre", {"pain": 4, "sleep": 6}, rec.session_id),
                       ("in_session", {"pain": 5}, rec.session_id)]
        assert store.history("p3")[0].pain_in_session_max == 5
        with pytest.raises(IntegrityError), store.engine.begin() as conn:  # still CHECKed
            conn.execute(S.checkins.insert().values(patient_id="p3", phase="during",
                                                    answered_at="2026-01-01"))
        with pytest.raises(IntegrityError, match="(?i)foreign key"), \
                store.engine.begin() as conn:  # and still a foreign key
            conn.execute(S.checkin_items.insert().values(checkin_id=9999, item="pain", value=1))
        if store.engine.dialect.name == "sqlite":
            with store.engine.connect() as conn:
                assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
                fks = conn.exec_driver_sql("PRAGMA foreign_key_list(checkin_items)").all()
                assert {r[2] for r in fks} == {"checkins"}
                names = {r[0] for r in conn.exec_driver_sql(
                    "SELECT name FROM sqlite_master WHERE name LIKE '%_new'")}
                assert names == set()
                assert conn.exec_driver_sql(
                    "SELECT 1 FROM sqlite_master WHERE type = 'index' "
                    "AND name = 'ix_checkins_patient_at'").scalar() == 1
    finally:
        store.close()


def test_summary_json_of_a_session_keeps_the_clock(fresh_store: Store, clock: Any) -> None:
    # Trials are placed in time by started_at + (t - t0): t0 is the game clock at the start.
    fresh_store.ensure_patient("p4")
    rec = fresh_store.start_session("p4", "reaching", {}, t0=34.0)
    rec.record([Ev(35.0, "session_start", {}), Ev(40.0, "session_end", {})])
    rec.close({})
    [s] = fresh_store.history("p4")
    assert s.summary["clock"] == {"t0_s": 34.0, "simulated": False}
    assert (s.at(40.0) - s.started_at).total_seconds() == pytest.approx(6.0)
    assert json.loads(json.dumps(s.summary)) == s.summary
