"""Migration 0005_session_clock: older finished sessions get their game-clock start.

Event and trial times are on the game clock, which starts before the session
(menus, check-in, calibration); a finished session's summary says where the
session began on it (clock.t0_s). Sessions stored before have the runner's
session_start event: its time is that start (0 when a session has none: its
t counted from its start).
"""

from __future__ import annotations

from sqlalchemy import Connection, func, select

from telemetry.migrations.common import dumps, events, finished_summaries, sessions


def apply(conn: Connection) -> None:
    starts = dict(conn.execute(select(events.c.session_id, func.min(events.c.t))
                               .where(events.c.kind == "session_start")
                               .group_by(events.c.session_id)).all())
    for session_id, summary in finished_summaries(conn):
        if not isinstance(summary, dict) or "clock" in summary:
            continue
        t0 = starts.get(session_id)
        summary["clock"] = {"t0_s": float(t0) if t0 is not None else 0.0, "simulated": None}
        conn.execute(sessions.update().where(sessions.c.session_id == session_id)
                     .values(summary=dumps(summary)))
