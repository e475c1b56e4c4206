"""Clinic tables on both backends: migration, accounts, rate limit, idempotent station events."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from telemetry.clinic import (
    MAX_ADDRESS_FAILURES,
    ClinicStore,
    LoginOutcome,
    hash_password,
    verify_password,
)
from telemetry.errors import StoreError
from telemetry.migrations import LATEST
from telemetry.store import Store


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now


def test_password_hash_is_salted_scrypt() -> None:
    a, b = hash_password("correct horse"), hash_password("correct horse")
    assert a != b and a.startswith("scrypt$16384$8$1$")
    assert verify_password("correct horse", a)
    assert not verify_password("wrong horse", a)
    assert not verify_password("x", "garbage")


def test_clinic_store_on_both_backends(store_url: str) -> None:
    store = Store.open(store_url)
    try:
        with store.engine.begin() as conn:
            versions = [r[0] for r in conn.exec_driver_sql(
                "SELECT version FROM schema_migrations ORDER BY version")]
        assert versions == list(range(1, LATEST + 1)) and 2 in versions
        clock = Clock()
        cs = ClinicStore(store.engine, clock=clock)
        t = cs.add_therapist("ana", "North Clinic", "s3cret-pass")
        assert (t.username, t.clinic) == ("ana", "North Clinic")
        with pytest.raises(StoreError, match="already exists"):
            cs.add_therapist("ana", "North Clinic", "s3cret-pass")
        with pytest.raises(StoreError, match="name"):
            cs.add_therapist("bad name'; DROP TABLE therapists;--", "X", "s3cret-pass")
        store.ensure_patient("p1")
        cs.add_patient(t.clinic_id, "p1")
        cs.add_patient(t.clinic_id, "p1")
        assert cs.clinic_patient_ids(t.clinic_id) == ["p1"]
        other = cs.ensure_clinic("South")
        assert not cs.in_clinic(other, "p1")

        # 5 failures on an account in 15 minutes lock it from EVERY address, then it expires
        for k in range(5):
            assert cs.attempt_login("ana", "nope", f"10.0.0.{k}") == LoginOutcome(None)
        assert cs.attempt_login("ana", "s3cret-pass", "10.0.0.1").limited  # right, yet locked
        assert cs.attempt_login("ana", "s3cret-pass", "10.0.0.99").limited  # any address
        clock.now += timedelta(minutes=16)
        assert cs.authenticate("ana", "s3cret-pass", "10.0.0.1") == t
        attempts = cs.login_attempts("ana")
        assert [a["ok"] for a in attempts] == [False] * 7 + [True]
        # 20 failures from one address, on any accounts, lock that address only
        for k in range(MAX_ADDRESS_FAILURES):
            assert not cs.attempt_login(f"guess{k}", "nope", "10.0.0.7").limited
        assert cs.attempt_login("ana", "s3cret-pass", "10.0.0.7").limited
        assert cs.authenticate("ana", "s3cret-pass", "10.0.0.8") == t

        token, sess = cs.open_session("ana")
        assert cs.session(token) == sess and cs.session("forged") is None
        clock.now += timedelta(hours=11)
        assert cs.session(token) is None  # expired

        st = cs.new_station_token("room-1", t.clinic_id, "ana")
        assert cs.station_for_token("room-1", st).clinic_id == t.clinic_id
        assert cs.station_for_token("room-1", "x" + st) is None
        evs = [{"seq": i, "kind": "k", "t": "0", "data": {"i": i}} for i in range(1, 6)]
        assert cs.record_station_events("room-1", "run1", evs[:3]) == [1, 2, 3]
        assert cs.record_station_events("room-1", "run1", evs) == [4, 5]  # replay is a no-op
        stored = cs.station_events("room-1", "run1")
        assert [e["seq"] for e in stored] == [1, 2, 3, 4, 5]
        assert stored[4]["data"] == {"i": 5}
    finally:
        store.close()
    # reopening an upgraded database applies nothing again
    Store.open(store_url).close()


def test_migration_0006_upgrades_a_database_of_the_previous_release(store_url: str) -> None:
    """A store made before issue 13 (no allow_new_patients, no per-address index, no PIN log)
    is upgraded in place; its station tokens keep working and allow no new patients."""
    from sqlalchemy import inspect

    store = Store.open(store_url)
    cs = ClinicStore(store.engine)
    cid = cs.add_therapist("ana", "North", "s3cret-pass").clinic_id
    token = cs.new_station_token("bay-1", cid, "ana", allow_new_patients=True)
    with store.engine.begin() as conn:  # back to the 0005 schema
        conn.exec_driver_sql("DROP INDEX ix_login_attempts_ip_at")
        conn.exec_driver_sql("ALTER TABLE station_tokens DROP COLUMN allow_new_patients")
        conn.exec_driver_sql("DROP TABLE pin_attempts")
        conn.exec_driver_sql("DELETE FROM schema_migrations WHERE version = 6")
    store.close()
    store = Store.open(store_url)
    try:
        insp = inspect(store.engine)
        assert "allow_new_patients" in {c["name"] for c in insp.get_columns("station_tokens")}
        assert "ix_login_attempts_ip_at" in {i["name"] for i in insp.get_indexes("login_attempts")}
        assert insp.has_table("pin_attempts")
        station = ClinicStore(store.engine).station_for_token("bay-1", token)
        assert station is not None and station.allow_new_patients is False
    finally:
        store.close()
