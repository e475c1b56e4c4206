"""The patient overview both `neuroplay patients` and the dashboard show (telemetry.overview)."""

from __future__ import annotations

from datetime import timezone

from telemetry.overview import patient_overviews
from telemetry.store import Store


def test_overview_counts_sessions_and_names_the_last(clock) -> None:
    store = Store.memory(clock=clock, flush_interval_s=0.05)
    try:
        store.ensure_patient("b", affected_side="left")
        store.ensure_patient("a")
        for exercise in ("reaching", "tapping"):
            rec = store.start_session("b", exercise, {})
            rec.close({"quota_met": True})
            clock.advance(days=1)
        rows = patient_overviews(store, tz=timezone.utc)
        assert [o.patient_id for o in rows] == ["a", "b"]
        a, b = rows
        assert (a.sessions, a.last_started_at, a.last_exercise) == (0, None, None)
        assert (b.sessions, b.affected_side, b.last_exercise) == (2, "left", "tapping")
        assert b.last_started_at == store.history("b")[-1].started_at
        assert b.this_week is not None and b.this_week.done == 2  # Mon and Tue of one week
        assert (a.triage.severity, b.triage.severity) == ("on_track", "on_track")
        assert b.pain == "-"  # no pain answers yet
        # A clinic's own list, most in need first whatever order the ids came in (a patient
        # who never played before one who did); ids the store does not know are left out.
        picked = patient_overviews(store, ["b", "nobody", "a"], tz=timezone.utc)
        assert [o.patient_id for o in picked] == ["a", "b"]
    finally:
        store.close()
