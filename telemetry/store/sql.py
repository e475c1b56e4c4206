"""SQL expressions more than one part of the store uses."""

from __future__ import annotations

from sqlalchemy import ColumnElement

from telemetry import schema as S
from telemetry.records import DEMO_SOURCE_PREFIX


def not_demo() -> ColumnElement[bool]:
    """SQL: the session was not played from a recording by `neuroplay demo`."""
    return ~S.sessions.c.source.startswith(DEMO_SOURCE_PREFIX, autoescape=True)
