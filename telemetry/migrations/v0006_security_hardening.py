"""Migration 0006_security_hardening (issue 13): per-station permission to enrol new
patients, an index for the per-address login limit, and the therapist PIN
attempt log. Frozen: the column, index and table are declared here as 0006
created them, never taken from telemetry.clinic or telemetry.pin_guard.
"""

from __future__ import annotations

from sqlalchemy import Column, Connection, Index, Integer, MetaData, String, Table, inspect, text

metadata = MetaData()
pin_attempts = Table(
    "pin_attempts", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", String(40), nullable=False),
    Column("outcome", String(16), nullable=False),  # right | wrong | locked
    Column("action", String(200), nullable=False),
    Index("ix_pin_attempts_at", "at"),
)


def apply(conn: Connection) -> None:
    insp = inspect(conn)
    columns = {c["name"] for c in insp.get_columns("station_tokens")}
    if "allow_new_patients" not in columns:
        conn.execute(text("ALTER TABLE station_tokens ADD COLUMN allow_new_patients "
                          "BOOLEAN NOT NULL DEFAULT FALSE"))
    if "ix_login_attempts_ip_at" not in {i["name"] for i in insp.get_indexes("login_attempts")}:
        conn.execute(text("CREATE INDEX ix_login_attempts_ip_at ON login_attempts (ip, at)"))
    metadata.create_all(conn)
