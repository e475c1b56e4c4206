"""Migration 0007_body_maps (issue 17): the sensory body maps table. Frozen: declared
here as 0007 created it, never taken from telemetry.schema.
"""

from __future__ import annotations

from sqlalchemy import (
    CheckConstraint,
    Column,
    Connection,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()
# Stand-ins so the foreign keys resolve (0001 created these tables; create_all skips them).
Table("patients", metadata, Column("patient_id", String(64), primary_key=True))
Table("sessions", metadata, Column("session_id", String(32), primary_key=True))
body_maps = Table(
    "body_maps", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("patient_id", String(64), ForeignKey("patients.patient_id"), nullable=False),
    Column("session_id", String(32), ForeignKey("sessions.session_id")),
    Column("drawn_at", String(40), nullable=False),
    Column("layer", String(16), nullable=False),
    Column("drawn_by", String(16), nullable=False),
    Column("data", Text, nullable=False),
    CheckConstraint("layer IN ('patient', 'therapist')", name="ck_body_maps_layer"),
)
Index("ix_body_maps_patient_at", body_maps.c.patient_id, body_maps.c.drawn_at)


def apply(conn: Connection) -> None:
    body_maps.create(conn, checkfirst=True)
