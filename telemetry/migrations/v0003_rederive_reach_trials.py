"""Migration 0003_rederive_reach_trials: finished sessions' trials derived again.

Trials are derived from the event log, which stays the only record. Reach
onsets used to latch onto the previous target's return movement (reaction
time 0, movement time inflated), so finished sessions' trials are derived
again, with the frozen derivation of `v0003_derive` (never today's code).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select

from telemetry.migrations.common import dumps, events, finished_summaries, trials
from telemetry.migrations.v0003_derive import derive_trials


@dataclass(frozen=True, slots=True)
class _StoredEvent:
    t: float
    kind: str
    data: dict[str, Any]


def apply(conn: Connection) -> None:
    for session_id, summary in finished_summaries(conn):
        tracking = summary.get("tracking_quality") if isinstance(summary, dict) else None
        rows = conn.execute(select(events.c.t, events.c.kind, events.c.data)
                            .where(events.c.session_id == session_id)
                            .order_by(events.c.seq)).all()
        log = [_StoredEvent(float(t), str(kind), json.loads(data)) for t, kind, data in rows]
        derived = derive_trials(log, tracking=tracking if isinstance(tracking, dict) else None)
        conn.execute(trials.delete().where(trials.c.session_id == session_id))
        if derived:
            conn.execute(trials.insert(), [
                {"session_id": session_id, "trial_index": tr.trial_index, "t": tr.t,
                 "outcome": tr.outcome, "data": dumps(tr.data)} for tr in derived])
