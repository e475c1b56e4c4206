"""Migration 0002_clinic: clinic mode's tables (dashboard accounts, stations).

Frozen history: the tables as telemetry/clinic.py declared them when 0002
shipped (commit b19784b); 0006 adds what the hardening of issue 13 needed.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Connection, Index, Integer, MetaData, String, Table, Text

metadata = MetaData()

Table(
    "clinics", metadata,
    Column("clinic_id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("created_at", String(40), nullable=False),
)

Table(
    "therapists", metadata,
    Column("username", String(64), primary_key=True),
    Column("clinic_id", Integer, nullable=False),
    Column("password_hash", String(300), nullable=False),
    Column("created_at", String(40), nullable=False),
)

Table(
    "clinic_patients", metadata,
    Column("clinic_id", Integer, primary_key=True, autoincrement=False),
    Column("patient_id", String(64), primary_key=True),
)

Table(
    "login_attempts", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(200), nullable=False),
    Column("ip", String(64), nullable=False),
    Column("at", String(40), nullable=False),
    Column("ok", Boolean, nullable=False),
    Index("ix_login_attempts_user_ip", "username", "ip", "at"),
)

Table(
    "auth_sessions", metadata,
    Column("token_sha", String(64), primary_key=True),
    Column("username", String(64), nullable=False),
    Column("csrf", String(64), nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("expires_at", String(40), nullable=False),
)

Table(
    "station_tokens", metadata,
    Column("station", String(64), primary_key=True),
    Column("clinic_id", Integer, nullable=False),
    Column("token_sha", String(64), nullable=False),
    Column("created_by", String(64), nullable=False),
    Column("created_at", String(40), nullable=False),
)

Table(
    "station_events", metadata,
    Column("station", String(64), primary_key=True),
    Column("run_id", String(64), primary_key=True),
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("kind", String(64), nullable=False),
    Column("t", String(40), nullable=False),
    Column("data", Text, nullable=False),
    Column("received_at", String(40), nullable=False),
)


def apply(conn: Connection) -> None:
    metadata.create_all(conn)
