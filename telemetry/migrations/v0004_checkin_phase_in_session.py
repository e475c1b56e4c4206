"""Migration 0004_checkin_phase_in_session: the CHECK on checkins.phase allows
"in_session" (the pain check asked at each rest break).

PostgreSQL swaps the named constraint. SQLite cannot alter a CHECK, so
checkins and checkin_items are rebuilt (new tables, copy, drop, rename):
renaming checkins_new to checkins points checkin_items' foreign key at it
again (SQLite >= 3.26 rewrites references on RENAME), and inside this one
transaction no foreign key is ever left dangling. The tables are declared
here as 0004 leaves them (frozen), never taken from today's schema.
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
)
from sqlalchemy.schema import CreateTable

PHASE_CHECK = "phase IN ('pre', 'post', 'pain_stop', 'daily', 'in_session')"

metadata = MetaData()
Table("patients", metadata, Column("patient_id", String(64), primary_key=True))
Table("sessions", metadata, Column("session_id", String(32), primary_key=True))
checkins = Table(
    "checkins", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("patient_id", String(64), ForeignKey("patients.patient_id"), nullable=False),
    Column("session_id", String(32), ForeignKey("sessions.session_id")),
    Column("phase", String(16), nullable=False),
    Column("answered_at", String(40), nullable=False),
    CheckConstraint(PHASE_CHECK, name="ck_checkins_phase"),
)
Index("ix_checkins_patient_at", checkins.c.patient_id, checkins.c.answered_at)
checkin_items = Table(
    "checkin_items", metadata,
    Column("checkin_id", Integer, ForeignKey("checkins.id"), primary_key=True),
    Column("item", String(40), primary_key=True),
    Column("value", Integer, nullable=False),
    CheckConstraint("value >= 0 AND value <= 10", name="ck_checkin_items_range"),
)


def apply(conn: Connection) -> None:
    if conn.dialect.name != "sqlite":
        conn.exec_driver_sql("ALTER TABLE checkins DROP CONSTRAINT IF EXISTS ck_checkins_phase")
        conn.exec_driver_sql("ALTER TABLE checkins ADD CONSTRAINT ck_checkins_phase "
                             f"CHECK ({PHASE_CHECK})")
        return
    ddl = conn.exec_driver_sql("SELECT sql FROM sqlite_master WHERE type = 'table' "
                               "AND name = 'checkins'").scalar()
    if ddl is None or "in_session" in ddl:
        return  # already widened (a database some development build created)
    dialect = conn.dialect
    checkins_ddl = str(CreateTable(checkins).compile(dialect=dialect))
    items_ddl = str(CreateTable(checkin_items).compile(dialect=dialect))
    new_checkins = checkins_ddl.replace("CREATE TABLE checkins ", "CREATE TABLE checkins_new ", 1)
    new_items = (items_ddl.replace("CREATE TABLE checkin_items ", "CREATE TABLE checkin_items_new ", 1)
                 .replace("REFERENCES checkins (id)", "REFERENCES checkins_new (id)"))
    if "checkins_new" not in new_checkins or "checkin_items_new" not in new_items \
            or "checkins_new (id)" not in new_items:
        raise RuntimeError("0004: unexpected CREATE TABLE text for checkins/checkin_items")
    conn.exec_driver_sql(new_checkins)
    conn.exec_driver_sql("INSERT INTO checkins_new (id, patient_id, session_id, phase, "
                         "answered_at) SELECT id, patient_id, session_id, phase, answered_at "
                         "FROM checkins")
    conn.exec_driver_sql(new_items)
    conn.exec_driver_sql("INSERT INTO checkin_items_new (checkin_id, item, value) "
                         "SELECT checkin_id, item, value FROM checkin_items")
    conn.exec_driver_sql("DROP TABLE checkin_items")
    conn.exec_driver_sql("DROP TABLE checkins")  # its index goes with it
    conn.exec_driver_sql("ALTER TABLE checkins_new RENAME TO checkins")
    conn.exec_driver_sql("ALTER TABLE checkin_items_new RENAME TO checkin_items")
    for index in checkins.indexes:
        index.create(conn)
