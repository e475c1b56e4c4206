"""SQL expressions more than one part of the store uses."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, CursorResult

from telemetry import schema as S
from telemetry.records import DEMO_SOURCE_PREFIX


def not_demo() -> ColumnElement[bool]:
    """SQL: the session was not played from a recording by `neuroplay demo`."""
    return ~S.sessions.c.source.startswith(DEMO_SOURCE_PREFIX, autoescape=True)


def new_id(result: CursorResult[Any]) -> int:
    """The id of the row an INSERT just made (SQLAlchemy types it as maybe None)."""
    key = result.inserted_primary_key
    if key is None:
        raise RuntimeError("the database returned no id for a new row")
    return int(key[0])
