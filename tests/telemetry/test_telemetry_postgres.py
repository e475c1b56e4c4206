"""The same store on PostgreSQL (the clinic store), when a server is given.

Set NEUROPLAY_TEST_PG to a SQLAlchemy URL of an EMPTY scratch database, e.g.
postgresql+psycopg://postgres@/np_test?host=/tmp/pgtest&port=55432
(its tables are dropped at the end).
"""

from __future__ import annotations

import os
from datetime import date, timezone

import pytest

from exercises.events import Event
from telemetry.errors import SchemaTooNew
from telemetry.flagging import refresh_flags
from telemetry.store import Store
from telemetry.synthetic import Course, generate

PG_URL = os.environ.get("NEUROPLAY_TEST_PG")
pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_store():
    if not PG_URL:
        pytest.skip("NEUROPLAY_TEST_PG is not set (a PostgreSQL URL of a scratch database)")
    store = Store.open(PG_URL, flush_interval_s=0.05)
    yield store
    from telemetry.schema import metadata

    store.engine.dispose()
    metadata.drop_all(store.engine)
    store.engine.dispose()


def test_store_roundtrip_and_trends_on_postgres(pg_store: Store) -> None:
    s = pg_store
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
    data, result = refresh_flags(s, "pg2", today=date(2026, 1, 15), tz=timezone.utc)
    assert any(f.kind == "flare" for f in data.flags)
    with s.engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO schema_migrations VALUES (50, 'x', 'y')")
    with pytest.raises(SchemaTooNew):
        Store.open(PG_URL)
