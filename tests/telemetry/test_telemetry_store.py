"""The store: schema, migrations, permissions, sessions, check-ins, plans, flags."""

from __future__ import annotations

import sqlite3
import stat
import time
from pathlib import Path

import numpy as np
import pytest

from exercises.events import Event
from telemetry import migrations
from telemetry.errors import DamagedDatabase, SchemaTooNew, StoreError, UnknownPatient
from telemetry.store import Store
from vision.bodyframe import BodyFrame, Hand


def test_file_store_is_wal_with_foreign_keys_and_private(db_path: Path) -> None:
    with Store.open(db_path) as store:
        store.ensure_patient("p1")
        wal = db_path.with_name(db_path.name + "-wal")
        assert stat.S_IMODE(wal.stat().st_mode) == 0o600  # SQLite copies the db's mode
    assert stat.S_IMODE(db_path.stat().st_mode) == 0o600
    assert stat.S_IMODE(db_path.parent.stat().st_mode) == 0o700
    con = sqlite3.connect(db_path)
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    versions = con.execute("SELECT version, name FROM schema_migrations").fetchall()
    assert versions[0] == (1, "0001_initial")  # later migrations (0002_clinic...) follow
    con.close()
    store = Store.open(db_path)
    # a session for a patient that does not exist
    with pytest.raises(Exception, match="FOREIGN KEY"), store.engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO sessions (session_id, patient_id, exercise, dose, source, started_at,"
            " recovered) VALUES ('s', 'nobody', 'reaching', '{}', 'camera', 'x', 0)")
    store.close()


def test_migrations_are_recorded_once(store_target: str) -> None:
    Store.open(store_target).close()
    store = Store.open(store_target)
    assert migrations.migrate(store.engine) == []  # nothing pending on re-open
    with store.engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT version, name FROM schema_migrations ORDER BY version").fetchall()
    names = [m.name for m in migrations.MIGRATIONS]
    assert [tuple(r) for r in rows] == list(enumerate(names, start=1))
    store.close()


def test_newer_schema_is_refused(store_target: str) -> None:
    store = Store.open(store_target)
    with store.engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO schema_migrations VALUES (99, '0099_future', "
                             "'2030-01-01')")
    store.close()
    with pytest.raises(SchemaTooNew, match="schema version 99"):
        Store.open(store_target)


def test_damaged_file_is_named(tmp_path: Path) -> None:
    bad = tmp_path / "neuroplay.db"
    bad.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(DamagedDatabase, match=str(bad)):
        Store.open(bad)


def test_missing_file_not_created_when_asked(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no NeuroPlay database"):
        Store.open(tmp_path / "absent.db", create=False)
    assert not (tmp_path / "absent.db").exists()


def test_data_dir_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from telemetry.paths import database_path

    monkeypatch.setenv("NEUROPLAY_HOME", str(tmp_path / "home"))
    assert database_path() == tmp_path / "home" / "neuroplay.db"
    assert database_path(tmp_path / "explicit") == tmp_path / "explicit" / "neuroplay.db"
    assert stat.S_IMODE((tmp_path / "home").stat().st_mode) == 0o700


def test_session_roundtrip_with_history(fresh_store: Store, clock) -> None:
    s = fresh_store
    s.ensure_patient("p1", display_name="Ann", affected_side="left")
    rec = s.start_session("p1", "reaching", {"reach_fraction": 0.6, "directions": ("up", "out")},
                          decisions=["Raised reach by 10 % after 3 sessions at quota."])
    rec.checkin("pre", {"pain": 4, "sleep": 7})
    rec.record([Event(0.5, "target_shown", {"direction": "up"}),
                Event(1.1, "movement_onset"),
                Event(2.0, "hold_complete", {"mt_s": 0.9}),
                Event(3.0, "target_shown", {}),
                Event(11.0, "timeout", {})])
    rec.checkin("post", {"pain": 3})
    clock.advance(minutes=10)
    rec.close({"quota_met": True, "hits": 1})
    [h] = s.history("p1")
    assert h.exercise == "reaching"
    assert h.dose == {"reach_fraction": 0.6, "directions": ["up", "out"]}
    assert (h.completed, h.quota_met, h.pain_pre, h.pain_post) == (True, True, 4, 3)
    assert h.decisions == ("Raised reach by 10 % after 3 sessions at quota.",)
    assert h.summary["trials"] == 2 and h.summary["hits"] == 1
    assert (h.ended_at - h.started_at).total_seconds() == 600
    trials = s.trials(h.session_id)
    assert [(t.outcome, t.data.get("t_target_shown")) for t in trials] == [("hit", 0.5),
                                                                           ("timeout", 3.0)]
    assert trials[0].data["t_onset"] == 1.1
    assert [e.kind for e in s.events(h.session_id)][:2] == ["target_shown", "movement_onset"]
    assert s.get_patient("p1").affected_side == "left"


def test_events_reach_store_without_close(fresh_store: Store) -> None:
    fresh_store.ensure_patient("p1")
    rec = fresh_store.start_session("p1", "tapping", {})
    rec.record([Event(0.1 * i, "tap", {"i": i}) for i in range(5)])
    deadline = time.monotonic() + 5.0
    while fresh_store.count_events(rec.session_id) < 5 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert fresh_store.count_events(rec.session_id) == 5
    rec.close({}, completed=False)


def test_landmark_stream_roundtrip(fresh_store: Store) -> None:
    rng = np.random.default_rng(0)
    frames = []
    for i in range(40):
        pose = np.concatenate([rng.uniform(0, 1, (33, 3)), rng.uniform(0, 1, (33, 1))], 1)
        hand = Hand(rng.uniform(0, 1, (21, 3)).astype(np.float32), "Left", 0.9,
                    world=rng.uniform(-0.1, 0.1, (21, 3)).astype(np.float32))
        frames.append(BodyFrame(
            index=i, t_ns=1_000_000_000 + i * 33_333_333, width=640, height=480,
            pose=None if i == 7 else pose.astype(np.float32),
            pose_world=rng.uniform(-1, 1, (33, 3)).astype(np.float32),
            hands=(hand,) if i % 2 else (), hands_tracked=True))
    fresh_store.ensure_patient("p1")
    rec = fresh_store.start_session("p1", "reaching", {})
    for f in frames[:25]:
        rec.record_frame(f)
    rec.flush()
    for f in frames[25:]:
        rec.record_frame(f)
    rec.close({})
    back = fresh_store.landmark_frames(rec.session_id)
    assert [f.t_ns for f in back] == [f.t_ns for f in frames]
    assert [f.index for f in back] == list(range(40))
    assert back[7].pose is None
    for a, b in zip(frames, back, strict=True):
        if a.pose is not None:
            np.testing.assert_allclose(b.pose[:, :3], a.pose[:, :3], atol=1e-4)
            np.testing.assert_allclose(b.pose[:, 3], a.pose[:, 3], atol=1 / 255)
        np.testing.assert_allclose(b.pose_world, a.pose_world, atol=5.1e-4)  # 1 mm steps
        assert len(b.hands) == len(a.hands)
        if a.hands:
            np.testing.assert_allclose(b.hands[0].landmarks, a.hands[0].landmarks, atol=1e-4)
            np.testing.assert_allclose(b.hands[0].world, a.hands[0].world, atol=5.1e-4)
            assert b.hands[0].handedness == "Left"


def test_unknown_patient(fresh_store: Store) -> None:
    with pytest.raises(UnknownPatient, match="unknown patient 'ghost'"):
        fresh_store.start_session("ghost", "reaching", {})
    assert not fresh_store.patient_exists("ghost")


def test_checkin_validation(fresh_store: Store) -> None:
    fresh_store.ensure_patient("p1")
    with pytest.raises(StoreError, match="pain must be 0-10, got 11"):
        fresh_store.checkin("p1", "pre", {"pain": 11})
    with pytest.raises(StoreError, match="unknown check-in item 'bpi_1'"):
        fresh_store.checkin("p1", "pre", {"bpi_1": 3})
    with pytest.raises(StoreError, match="unknown check-in phase"):
        fresh_store.checkin("p1", "during", {"pain": 3})
    assert fresh_store.checkins("p1") == []


def test_plans_settings_and_calibration(fresh_store: Store) -> None:
    s = fresh_store
    s.ensure_patient("p1")
    assert s.current_plan("p1") is None
    assert s.save_plan("p1", "[reaching]\nreach_fraction = 0.5\n", "dr x") == 1
    assert s.save_plan("p1", "[reaching]\nreach_fraction = 0.6\n", "dr x") == 2
    assert s.current_plan("p1") == (2, "[reaching]\nreach_fraction = 0.6\n")
    assert [p["version"] for p in s.plan_history("p1")] == [1, 2]
    assert s.get_setting("pin_hash") is None
    s.set_setting("pin_hash", "abc")
    s.set_setting("pin_hash", "def")
    assert s.get_setting("pin_hash") == "def"
    assert s.load_calibration("p1") is None
    s.save_calibration("p1", {"unit_px": 120.0, "envelope": {"right": {"up": 1.1}}})
    s.save_calibration("p1", {"unit_px": 125.0})
    assert s.load_calibration("p1") == {"unit_px": 125.0}


def test_psfs_limits_and_ratings(fresh_store: Store, clock) -> None:
    s = fresh_store
    s.ensure_patient("p1")
    ids = [s.add_psfs_activity("p1", n) for n in ("dress", "cook", "carry shopping",
                                                    "type", "garden")]
    with pytest.raises(StoreError, match="at most 5"):
        s.add_psfs_activity("p1", "drive")
    s.rate_psfs("p1", {ids[0]: 3, "cook": 5})
    clock.advance(days=7)
    s.rate_psfs("p1", {"Dress": 5})
    with pytest.raises(StoreError, match="PSFS rating of 'dress' must be 0-10"):
        s.rate_psfs("p1", {"dress": 12})
    rs = s.psfs_ratings("p1")
    assert [(r.name, r.value) for r in rs] == [("dress", 3), ("cook", 5), ("dress", 5)]
    s.retire_psfs_activity(ids[4])
    assert len(s.psfs_activities("p1")) == 4
    s.add_psfs_activity("p1", "drive")


def test_flags_deduplicate_open(fresh_store: Store) -> None:
    s = fresh_store
    s.ensure_patient("p1")
    a = s.raise_flag("p1", "flare", "pain", "Pain 2+ above baseline for 2 days", {"days": 2})
    b = s.raise_flag("p1", "flare", "pain", "Pain 2+ above baseline for 3 days", {"days": 3})
    assert a == b
    [f] = s.flags("p1", status="open")
    assert f.evidence == {"days": 3}
    s.close_flag(a)
    assert s.flags("p1", status="open") == []
    assert s.raise_flag("p1", "flare", "pain", "again", {"days": 2}) != a


def test_abandoned_session_recovered_on_open(store_target: str) -> None:
    store = Store.open(store_target)
    store.ensure_patient("p1")
    rec = store.start_session("p1", "reaching", {})
    rec.record([Event(0.5, "target_shown"), Event(1.5, "hold_complete")])
    rec.flush()
    # Simulate an abandoned session of this very process: forget the live recorder.
    rec._closed = True
    rec._thread.join()
    from telemetry import store as store_mod
    store_mod._ACTIVE.discard(rec.session_id)
    store.engine.dispose()
    reopened = Store.open(store_target)
    [h] = reopened.history("p1")
    assert h.completed is False and h.recovered is True
    assert h.summary["derived_from_events"] is True and h.summary["hits"] == 1
    assert len(reopened.trials(h.session_id)) == 1
    reopened.close()


def test_live_session_is_not_recovered_by_second_open(store_target: str) -> None:
    store = Store.open(store_target)
    store.ensure_patient("p1")
    rec = store.start_session("p1", "reaching", {})
    other = Store.open(store_target)  # e.g. the dashboard reading while the game plays
    assert other.history("p1")[0].ended_at is None
    rec.close({"quota_met": False})
    other.close()
    store.close()


def _arm_frame(i: int, flexion_deg: float, t_s: float) -> BodyFrame:
    """A frontal pose whose right elbow is flexed by `flexion_deg` in the image."""
    import math

    pose = np.zeros((33, 4), np.float32)
    pose[:, 3] = 0.9
    pose[:, 0], pose[:, 1] = 0.5, 0.5
    s, e = np.array([0.4, 0.3]), np.array([0.4, 0.5])
    phi = math.radians(flexion_deg)
    w = e + 0.2 * np.array([math.sin(phi), math.cos(phi)])
    pose[12, :2], pose[14, :2], pose[16, :2] = s, e, w
    pose[24, :2] = (0.4, 0.8)  # right hip below the shoulder: arm at the side
    pose[11, :2], pose[23, :2] = (0.6, 0.3), (0.6, 0.8)
    return BodyFrame(index=i, t_ns=int(t_s * 1e9), width=1000, height=1000, pose=pose)


def test_session_range_of_motion_from_landmarks(fresh_store: Store) -> None:
    fresh_store.ensure_patient("p1", affected_side="right")
    rec = fresh_store.start_session("p1", "reaching", {})
    n = 300  # 10 s at 30 fps, elbow flexion ramping 30 -> 120 degrees
    for i in range(n):
        rec.record_frame(_arm_frame(i, 30 + 90 * i / (n - 1), i / 30))
        if i % 15 == 14:
            rec.flush()
    rec.close({"quota_met": True})
    rom = fresh_store.history("p1")[0].summary["rom"]["right"]
    assert rom["elbow_flexion_rom_deg"] == pytest.approx(0.9 * 90, abs=2.0)  # 5th-95th pct
    assert rom["shoulder_elevation_rom_deg"] == pytest.approx(0.0, abs=0.5)
    assert rom["frames"] == pytest.approx(100, abs=2)  # sampled at 10 Hz
    assert rom["estimated"] is True  # one camera: always an estimate
    # in the image plane throughout (no world landmarks): every frame measured there
    assert rom["angle_method"]["elbow_flexion"]["method"] == {"image": 1.0}
    assert rom["angle_method"]["elbow_flexion"]["reliable_fraction"] == 1.0
    tq = fresh_store.history("p1")[0].summary["tracking_quality"]
    assert tq["pose_present_fraction"] == 1.0 and tq["arm_visibility_mean"] == pytest.approx(0.9)
    assert tq["frontal_median"] is None


def test_nan_in_event_data_is_stored_as_null(fresh_store: Store) -> None:
    fresh_store.ensure_patient("p1")
    rec = fresh_store.start_session("p1", "tapping", {})
    rec.record([Event(0.0, "repetition", {"sparc": float("nan"), "v": np.float32(1.5)})])
    rec.close({})
    [ev] = fresh_store.events(rec.session_id)
    assert ev.data == {"sparc": None, "v": 1.5}


def test_corrupted_pages_are_reported_as_damage(db_path: Path) -> None:
    import os

    from exercises.events import Event as Ev

    store = Store.open(db_path)
    store.ensure_patient("p1")
    for _ in range(20):
        rec = store.start_session("p1", "reaching", {"x": "y" * 500})
        rec.record([Ev(float(i), "tick", {"pad": "z" * 200}) for i in range(30)])
        rec.close({})
    store.close()
    con = sqlite3.connect(db_path)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    data = bytearray(db_path.read_bytes())
    rng = np.random.default_rng(0)
    for off in range(8192, len(data), 4096):  # wreck every page after the second
        data[off + 10:off + 400] = rng.integers(0, 256, 390, dtype=np.uint8).tobytes()
    db_path.write_bytes(bytes(data))
    with pytest.raises(DamagedDatabase, match="malformed"):
        s = Store.open(db_path)
        s.history("p1")
    assert os.path.getsize(db_path) == len(data)  # opening never "repairs" by rewriting


def test_write_failures_are_reported_and_retried(db_path: Path, monkeypatch) -> None:
    from telemetry.store import recorder as store_mod

    store = Store.open(db_path, flush_interval_s=0.02)
    store.ensure_patient("p1")
    rec = store.start_session("p1", "reaching", {})
    monkeypatch.setattr(store_mod, "MAX_BUFFERED_FRAMES", 5)
    real_tx = store._tx
    broken = {"on": True}

    def failing_tx():
        if broken["on"]:
            raise StoreError("disk I/O error")
        return real_tx()

    monkeypatch.setattr(store, "_tx", failing_tx)
    rec.record([Event(0.0, "tick")])
    for i in range(8):
        rec.record_frame(_arm_frame(i, 45.0, i / 30))
    deadline = time.monotonic() + 5
    while rec.error is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert rec.error == "disk I/O error"
    assert rec.dropped_frames == 3  # only the newest 5 frames are kept while failing
    broken["on"] = False
    rec.close({"quota_met": True})
    assert store.count_events(rec.session_id) == 1  # the event was kept and written
    assert len(store.landmark_frames(rec.session_id)) == 5
    assert store.history("p1")[0].summary["dropped_frames"] == 3
    store.close()


def test_quota_met_read_from_the_session_runner_summary(fresh_store: Store) -> None:
    # exercises.session.SessionRunner.summary() nests it: {"hits": .., "session": {...}}
    fresh_store.ensure_patient("p1")
    for met in (True, False):
        rec = fresh_store.start_session("p1", "reaching", {})
        rec.close({"hits": 12, "session": {"completed": True, "quota_met": met}})
    assert [h.quota_met for h in fresh_store.history("p1")] == [True, False]
