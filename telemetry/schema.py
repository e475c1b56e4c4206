"""The tables of the store, as portable SQLAlchemy Core (SQLite and PostgreSQL).

Conventions that keep one schema valid on both engines: timestamps are ISO
8601 text in UTC with an explicit offset (they sort as text); JSON is text we
encode ourselves; binary landmark chunks are LargeBinary; booleans are
Boolean. The tables are created by `telemetry.migrations`, never here, so the
version recorded in the database always matches what exists.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

CHECKIN_PHASE_CHECK = "phase IN ('pre', 'post', 'pain_stop', 'daily', 'in_session')"

schema_migrations = Table(
    "schema_migrations", metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("name", String(100), nullable=False),
    Column("applied_at", String(40), nullable=False),
)

patients = Table(
    "patients", metadata,
    Column("patient_id", String(64), primary_key=True),
    Column("display_name", String(200)),
    Column("affected_side", String(8), nullable=False),
    Column("seated", Boolean, nullable=False),
    Column("created_at", String(40), nullable=False),
    CheckConstraint("affected_side IN ('left', 'right', 'both')", name="ck_patients_side"),
)

calibrations = Table(
    "calibrations", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("patient_id", String(64), ForeignKey("patients.patient_id"), nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("data", Text, nullable=False),
)

plans = Table(
    "plans", metadata,
    Column("patient_id", String(64), ForeignKey("patients.patient_id"), primary_key=True),
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("toml_text", Text, nullable=False),
    Column("author", String(200), nullable=False),
    Column("created_at", String(40), nullable=False),
)

settings = Table(
    "settings", metadata,
    Column("key", String(200), primary_key=True),
    Column("value", Text, nullable=False),
)

sessions = Table(
    "sessions", metadata,
    Column("session_id", String(32), primary_key=True),
    Column("patient_id", String(64), ForeignKey("patients.patient_id"), nullable=False),
    Column("exercise", String(40), nullable=False),
    Column("dose", Text, nullable=False),
    Column("source", String(40), nullable=False),
    Column("mirror", String(40)),
    Column("started_at", String(40), nullable=False),
    Column("ended_at", String(40)),
    Column("completed", Boolean),
    Column("recovered", Boolean, nullable=False, default=False),
    Column("summary", Text),
    Column("writer", String(200)),  # host:pid of the recording process
    Column("heartbeat_at", String(40)),  # last flush by the writer
)
Index("ix_sessions_patient_started", sessions.c.patient_id, sessions.c.started_at)

decisions = Table(
    "decisions", metadata,
    Column("session_id", String(32), ForeignKey("sessions.session_id"), primary_key=True),
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("reason", Text, nullable=False),
)

events = Table(
    "events", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("session_id", String(32), ForeignKey("sessions.session_id"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("t", Float, nullable=False),
    Column("kind", String(60), nullable=False),
    Column("data", Text, nullable=False),
    Column("recorded_at", String(40), nullable=False),
)
Index("ix_events_session_seq", events.c.session_id, events.c.seq, unique=True)

trials = Table(
    "trials", metadata,
    Column("session_id", String(32), ForeignKey("sessions.session_id"), primary_key=True),
    Column("trial_index", Integer, primary_key=True, autoincrement=False),
    Column("t", Float, nullable=False),
    Column("outcome", String(40), nullable=False),
    Column("data", Text, nullable=False),
)

checkins = Table(
    "checkins", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("patient_id", String(64), ForeignKey("patients.patient_id"), nullable=False),
    Column("session_id", String(32), ForeignKey("sessions.session_id")),
    Column("phase", String(16), nullable=False),
    Column("answered_at", String(40), nullable=False),
    # The phases of telemetry.proms.PHASES; widened by migration 0004 (in_session).
    CheckConstraint(CHECKIN_PHASE_CHECK, name="ck_checkins_phase"),
)
Index("ix_checkins_patient_at", checkins.c.patient_id, checkins.c.answered_at)

checkin_items = Table(
    "checkin_items", metadata,
    Column("checkin_id", Integer, ForeignKey("checkins.id"), primary_key=True),
    Column("item", String(40), primary_key=True),
    Column("value", Integer, nullable=False),
    CheckConstraint("value >= 0 AND value <= 10", name="ck_checkin_items_range"),
)

psfs_activities = Table(
    "psfs_activities", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("patient_id", String(64), ForeignKey("patients.patient_id"), nullable=False),
    Column("name", String(200), nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("retired_at", String(40)),
)

psfs_ratings = Table(
    "psfs_ratings", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("activity_id", Integer, ForeignKey("psfs_activities.id"), nullable=False),
    Column("rated_at", String(40), nullable=False),
    Column("value", Integer, nullable=False),
    CheckConstraint("value >= 0 AND value <= 10", name="ck_psfs_range"),
)

flags = Table(
    "flags", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("patient_id", String(64), ForeignKey("patients.patient_id"), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("measure", String(60), nullable=False),
    Column("raised_at", String(40), nullable=False),
    Column("message", Text, nullable=False),
    Column("evidence", Text, nullable=False),
    Column("status", String(8), nullable=False),
    Column("closed_at", String(40)),
    CheckConstraint("status IN ('open', 'closed')", name="ck_flags_status"),
)

# Sensory body maps (migration 0007): one drawing per row, in telemetry.bodymap's
# compact form (grid id, layer, per sensation intensity + cell bitset).
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

landmark_chunks = Table(
    "landmark_chunks", metadata,
    Column("session_id", String(32), ForeignKey("sessions.session_id"), primary_key=True),
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("n_frames", Integer, nullable=False),
    Column("t0", Float, nullable=False),
    Column("codec", String(40), nullable=False),
    Column("data", LargeBinary, nullable=False),
)
