"""The clinic's store on PostgreSQL: trends and flags, plans and settings, the
schema guard. (The core store tests in test_telemetry_store.py and
test_telemetry_crash.py run on both backends through `fresh_store` and
`store_target`.) The server is the throwaway one of tests/pg_server.py, or
the scratch database named by NEUROPLAY_TEST_PG.
"""

from __future__ import annotations

from datetime import date, timezone

import pytest

from exercises.events import Event
from telemetry.errors import SchemaTooNew
from telemetry.flagging import refresh_flags
from telemetry.store import Store
from telemetry.synthetic import Course, generate

pytestmark = pytest.mark.postgres


def test_store_roundtrip_and_trends_on_postgres(pg_server) -> None:
    url = pg_server.create_database()
    s = Store.open(url, flush_interval_s=0.05)
    s.ensure_patient("pg1", affected_side="left")
    rec = s.start_session("pg1", "reaching", {"reach_fraction": 0.6}, decisions=["first"])
    rec.checkin("pre", {"pain": 5})
    rec.record([Event(0.0, "target_shown", {"index": 0}), Event(1.0, "hold_complete",
                                                                 {"index": 0})])
    rec.close({"quota_met": True})
    [h] = s.history("pg1")
    assert (h.completed, h.quota_met, h.pain_pre, h.decisions) == (True, True, 5, ("first",))
    assert s.save_plan("pg1", "sessions_per_week = 3\n", "dr") == 1
    s.set_setting("k", "v")
    s.set_setting("k", "w")
    assert s.get_setting("k") == "w"
    generate(s, "pg2", Course(days=10, reps=2, flare_days=frozenset({8, 9})))
    data, _ = refresh_flags(s, "pg2", today=date(2026, 1, 15), tz=timezone.utc)
    flare = [f for f in data.flags if f.kind == "flare"]
    assert flare
    [stored] = [f for f in s.flags("pg2", status="open") if f.kind == "flare"]
    assert stored.evidence  # the data that raised it, stored with it
    with s.engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO schema_migrations VALUES (50, 'x', 'y')")
    s.close()
    with pytest.raises(SchemaTooNew):
        Store.open(url)
