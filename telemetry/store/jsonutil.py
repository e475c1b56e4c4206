"""JSON and time helpers of the store: how values are encoded into its text columns.

Timestamps are ISO 8601 text in UTC with an explicit offset (they sort as text);
JSON is text we encode ourselves (dataclasses, numpy scalars and arrays, NaN as
null), so SQLite and PostgreSQL store the same bytes.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

from telemetry.errors import DamagedDatabase

JSONValue = Any  # what json.loads returns: dict, list, str, int, float, bool or None


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def iso(dt: datetime) -> str:
    """ISO 8601 in UTC with offset; naive datetimes are taken as UTC."""
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc).isoformat(timespec="milliseconds")


def parse_iso(text: str | None) -> datetime | None:
    """A stored time back; one that does not parse is damage to the file."""
    if text is None:
        return None
    try:
        return datetime.fromisoformat(text)
    except (ValueError, TypeError) as exc:
        raise DamagedDatabase(f"the database is damaged: stored time {str(text)[:40]!r} "
                              f"does not parse") from exc


def to_jsonable(value: Any) -> Any:
    """Dataclasses, tuples, numpy scalars -> JSON-ready values."""
    # Plain JSON types first (a session's close writes hundreds of trials of them).
    kind = type(value)
    if value is None or kind is str or kind is int or kind is bool:
        return value
    if kind is float:
        return value if math.isfinite(value) else None
    if kind is dict:
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if kind is list:
        return [to_jsonable(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if hasattr(value, "item") and callable(value.item) and getattr(value, "ndim", 1) == 0:
        return to_jsonable(value.item())  # numpy scalar
    if hasattr(value, "tolist") and callable(value.tolist):  # numpy array
        return value.tolist()
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None  # JSON has no NaN; a missing measurement is null
    return value


def dumps(value: Any) -> str:
    return json.dumps(to_jsonable(value), separators=(",", ":"), default=str, allow_nan=False)



def loads(text: str, *, where: str) -> JSONValue:
    """Stored JSON back; text that does not decode is damage to the file (one line)."""
    try:
        return json.loads(text)
    except (ValueError, TypeError, RecursionError) as exc:
        raise DamagedDatabase(f"{where} is damaged: a stored record does not decode "
                              f"({type(exc).__name__}: {str(exc).splitlines()[0]})") from None
