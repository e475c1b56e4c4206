"""What the data migrations (0003, 0005) share, frozen with them.

Table handles name only the columns these migrations read and write (the
tables themselves are 0001's); JSON is written as the store wrote it then.
Never import the live schema, the store or today's analysis code here: a
migration must do the same on every database, whatever later releases change.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import Connection, column, select, table

sessions = table("sessions", column("session_id"), column("ended_at"), column("summary"))
events = table("events", column("session_id"), column("seq"), column("t"), column("kind"),
               column("data"))
trials = table("trials", column("session_id"), column("trial_index"), column("t"),
               column("outcome"), column("data"))


def to_jsonable(value: Any) -> Any:
    """Dataclasses, tuples, numpy scalars and arrays -> JSON-ready values (NaN: null)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, (str, bool, int)) or value is None:
        return value
    if hasattr(value, "item") and callable(value.item) and getattr(value, "ndim", 1) == 0:
        return to_jsonable(value.item())  # numpy scalar
    if hasattr(value, "tolist") and callable(value.tolist):  # numpy array
        return value.tolist()
    if isinstance(value, datetime):
        dt = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
        return dt.astimezone(timezone.utc).isoformat(timespec="milliseconds")
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def dumps(value: Any) -> str:
    return json.dumps(to_jsonable(value), separators=(",", ":"), default=str, allow_nan=False)


def finished_summaries(conn: Connection) -> list[tuple[str, Any]]:
    """Each finished session's id and stored summary, parsed (None when it is not JSON)."""
    out: list[tuple[str, Any]] = []
    for session_id, text in conn.execute(select(sessions.c.session_id, sessions.c.summary)
                                         .where(sessions.c.ended_at.is_not(None))).all():
        try:
            out.append((session_id, json.loads(text) if text else {}))
        except ValueError:
            out.append((session_id, None))
    return out
