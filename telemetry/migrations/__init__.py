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

Each migration is frozen history in a module of its own (`v0001_initial`,
...): its table definitions and any derivation it runs are copies made when
it shipped, so it does the same on every database whatever later releases
change. None imports the live schema, the store or today's analysis code
(tests/telemetry/test_telemetry_migration_history.py checks that every
chain of them ends at the live schema).
"""


from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import Connection, Engine, inspect, select

from telemetry import schema
from telemetry.errors import SchemaTooNew
from telemetry.locking import MIGRATE_KEY, exclusive_transaction
from telemetry.migrations import (
    v0001_initial,
    v0002_clinic,
    v0003_rederive_reach_trials,
    v0004_checkin_phase_in_session,
    v0005_session_clock,
    v0006_security_hardening,
    v0007_body_maps,
)


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    apply: Callable[[Connection], None]


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "0001_initial", v0001_initial.apply),
    Migration(2, "0002_clinic", v0002_clinic.apply),
    Migration(3, "0003_rederive_reach_trials", v0003_rederive_reach_trials.apply),
    Migration(4, "0004_checkin_phase_in_session", v0004_checkin_phase_in_session.apply),
    Migration(5, "0005_session_clock", v0005_session_clock.apply),
    Migration(6, "0006_security_hardening", v0006_security_hardening.apply),
    Migration(7, "0007_body_maps", v0007_body_maps.apply),
)

LATEST = MIGRATIONS[-1].version


def applied_versions(conn: Connection) -> list[int]:
    if not inspect(conn).has_table("schema_migrations"):
        return []
    return [row[0] for row in conn.execute(select(schema.schema_migrations.c.version))]


def _locked_transaction(engine: Engine) -> AbstractContextManager[Connection]:
    """One transaction that includes DDL and excludes every other migrator."""
    return exclusive_transaction(engine, MIGRATE_KEY)


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
