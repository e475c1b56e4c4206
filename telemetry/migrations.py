"""Ordered, named schema migrations, each applied in its own transaction.

The database records every migration it has had (`schema_migrations`), so
opening an old file upgrades it step by step and opening a file from a newer
NeuroPlay is refused rather than misread. A migration is a plain function of
a SQLAlchemy connection; use portable DDL so SQLite and PostgreSQL both run
it. Never edit a released migration: append a new one.

"In a transaction" must hold on both backends. PostgreSQL has transactional
DDL. Python's sqlite3 driver, left to itself, opens a transaction only before
INSERT/UPDATE/DELETE, so a migration's CREATE/ALTER statements would each
commit on their own and a failure half-way would leave a half-migrated file;
each migration therefore starts with an explicit `BEGIN IMMEDIATE`. Several
processes may open a new database at once (a clinic's stations and its
dashboard): each migration takes a lock first (SQLite's write lock; a
PostgreSQL transaction-level advisory lock) and re-reads what is applied, so
every migration runs exactly once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import Connection, Engine, inspect, select

from telemetry import schema
from telemetry.errors import SchemaTooNew


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    apply: Callable[[Connection], None]


def _initial(conn: Connection) -> None:
    # Version 1 is the whole of today's schema; later versions alter it with DDL.
    tables = [t for t in schema.metadata.sorted_tables if t.name != "schema_migrations"]
    schema.metadata.create_all(conn, tables=tables)


def _clinic(conn: Connection) -> None:
    # Clinic mode (dashboard accounts, stations): tables declared in telemetry.clinic.
    from telemetry import clinic

    clinic.create_tables(conn)


def _security_hardening(conn: Connection) -> None:
    # Issue 13: per-station permission to enrol new patients, an index for the
    # per-address login limit (telemetry.clinic), the therapist PIN attempt log
    # (telemetry.pin_guard).
    from telemetry import clinic, pin_guard

    clinic.harden_tables(conn)
    pin_guard.create_tables(conn)


def _finished_summaries(conn: Connection) -> list[tuple[str, Any]]:
    """Each finished session's id and stored summary, parsed (None when it is not JSON)."""
    import json

    S = schema
    out: list[tuple[str, Any]] = []
    for session_id, text in conn.execute(select(S.sessions.c.session_id, S.sessions.c.summary)
                                         .where(S.sessions.c.ended_at.is_not(None))).all():
        try:
            out.append((session_id, json.loads(text) if text else {}))
        except ValueError:
            out.append((session_id, None))
    return out


def _rederive_trials(conn: Connection) -> None:
    # Trials are derived from the event log, which stays the only record. Reach
    # onsets used to latch onto the previous target's return movement
    # (reaction time 0, movement time inflated; telemetry.metrics.segment_movement
    # now finds the reach toward the target), so finished sessions' trials are
    # derived again, with the code of this release.
    import json

    from telemetry.derive import derive_trials

    S = schema
    for session_id, summary in _finished_summaries(conn):
        tracking = summary.get("tracking_quality") if isinstance(summary, dict) else None
        rows = conn.execute(select(S.events.c.t, S.events.c.kind, S.events.c.data)
                            .where(S.events.c.session_id == session_id)
                            .order_by(S.events.c.seq)).all()
        events = [_StoredEvent(float(t), str(kind), json.loads(data)) for t, kind, data in rows]
        trials = derive_trials(events, tracking=tracking if isinstance(tracking, dict) else None)
        conn.execute(S.trials.delete().where(S.trials.c.session_id == session_id))
        if trials:
            from telemetry.store import dumps

            conn.execute(S.trials.insert(), [
                {"session_id": session_id, "trial_index": tr.trial_index, "t": tr.t,
                 "outcome": tr.outcome, "data": dumps(tr.data)} for tr in trials])


def _in_session_phase(conn: Connection) -> None:
    # The in-session pain check (asked at each rest break) is a check-in phase of its
    # own, "in_session"; the CHECK on checkins.phase must allow it. PostgreSQL
    # swaps the named constraint. SQLite cannot alter a CHECK, so checkins and
    # checkin_items are rebuilt (new tables, copy, drop, rename): renaming
    # checkins_new to checkins points checkin_items' foreign key at it again
    # (SQLite >= 3.26 rewrites references on RENAME), and inside this one
    # transaction no foreign key is ever left dangling.
    from sqlalchemy.schema import CreateTable

    S = schema
    if conn.dialect.name != "sqlite":
        conn.exec_driver_sql("ALTER TABLE checkins DROP CONSTRAINT IF EXISTS ck_checkins_phase")
        conn.exec_driver_sql("ALTER TABLE checkins ADD CONSTRAINT ck_checkins_phase "
                             f"CHECK ({S.CHECKIN_PHASE_CHECK})")
        return
    ddl = conn.exec_driver_sql("SELECT sql FROM sqlite_master WHERE type = 'table' "
                               "AND name = 'checkins'").scalar()
    if ddl is None or "in_session" in ddl:
        return  # created by 0001 with today's CHECK already
    dialect = conn.dialect
    checkins_ddl = str(CreateTable(S.checkins).compile(dialect=dialect))
    items_ddl = str(CreateTable(S.checkin_items).compile(dialect=dialect))
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
    for index in S.checkins.indexes:
        index.create(conn)


def _session_clock(conn: Connection) -> None:
    # Event and trial times are on the game clock, which starts before the session
    # (menus, check-in, calibration); a finished session's summary now says where
    # the session began on it (clock.t0_s), so SessionRecord.at(t) places its trials
    # in time. Sessions stored before have the runner's session_start event: its time
    # is that start (0 when a session has none: its t counted from its start).

    from sqlalchemy import func

    from telemetry.store import dumps

    S = schema
    starts = dict(conn.execute(select(S.events.c.session_id, func.min(S.events.c.t))
                               .where(S.events.c.kind == "session_start")
                               .group_by(S.events.c.session_id)).all())
    for session_id, summary in _finished_summaries(conn):
        if not isinstance(summary, dict) or "clock" in summary:
            continue
        t0 = starts.get(session_id)
        summary["clock"] = {"t0_s": float(t0) if t0 is not None else 0.0, "simulated": None}
        conn.execute(S.sessions.update().where(S.sessions.c.session_id == session_id)
                     .values(summary=dumps(summary)))


@dataclass(frozen=True, slots=True)
class _StoredEvent:
    t: float
    kind: str
    data: dict


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "0001_initial", _initial),
    Migration(2, "0002_clinic", _clinic),
    Migration(3, "0003_rederive_reach_trials", _rederive_trials),
    Migration(4, "0004_checkin_phase_in_session", _in_session_phase),
    Migration(5, "0005_session_clock", _session_clock),
    Migration(6, "0006_security_hardening", _security_hardening),
)

LATEST = MIGRATIONS[-1].version


def applied_versions(conn: Connection) -> list[int]:
    if not inspect(conn).has_table("schema_migrations"):
        return []
    return [row[0] for row in conn.execute(select(schema.schema_migrations.c.version))]


# Any constant: the key of the advisory lock that serializes migrations on PostgreSQL.
_PG_LOCK_KEY = 0x4E50_4D49  # "NPMI"


@contextmanager
def _locked_transaction(engine: Engine) -> Iterator[Connection]:
    """One transaction that includes DDL and excludes every other migrator."""
    with engine.connect() as conn:
        dialect = conn.dialect.name
        if dialect == "sqlite":
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        elif dialect == "postgresql":
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_PG_LOCK_KEY})")
        try:
            yield conn
        except BaseException:
            conn.rollback()
            raise
        conn.commit()


def migrate(engine: Engine, *, where: str = "the database") -> list[str]:
    """Apply every pending migration; return the names applied (by this call).

    Raises:
        SchemaTooNew: the database has a version this code does not know.
    """
    with _locked_transaction(engine) as conn:
        schema.schema_migrations.create(conn, checkfirst=True)
        done = set(applied_versions(conn))
    unknown = sorted(v for v in done if v > LATEST)
    if unknown:
        raise SchemaTooNew(
            f"{where} uses schema version {max(unknown)}, newer than this NeuroPlay "
            f"understands ({LATEST}); upgrade NeuroPlay to open it"
        )
    applied: list[str] = []
    for m in MIGRATIONS:
        if m.version in done:
            continue
        with _locked_transaction(engine) as conn:
            if m.version in applied_versions(conn):
                continue  # another process applied it while we waited for the lock
            m.apply(conn)
            conn.execute(schema.schema_migrations.insert().values(
                version=m.version, name=m.name,
                applied_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
            ))
        applied.append(m.name)
    return applied
