"""Ordered, named schema migrations, each applied in its own transaction.

The database records every migration it has had (`schema_migrations`), so
opening an old file upgrades it step by step and opening a file from a newer
NeuroPlay is refused rather than misread. A migration is a plain function of
a SQLAlchemy connection; use portable DDL so SQLite and PostgreSQL both run
it. Never edit a released migration: append a new one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone

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


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "0001_initial", _initial),
    Migration(2, "0002_clinic", _clinic),
)

LATEST = MIGRATIONS[-1].version


def applied_versions(conn: Connection) -> list[int]:
    if not inspect(conn).has_table("schema_migrations"):
        return []
    return [row[0] for row in conn.execute(select(schema.schema_migrations.c.version))]


def migrate(engine: Engine, *, where: str = "the database") -> list[str]:
    """Apply every pending migration; return the names applied.

    Raises:
        SchemaTooNew: the database has a version this code does not know.
    """
    with engine.begin() as conn:
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
        with engine.begin() as conn:
            m.apply(conn)
            conn.execute(schema.schema_migrations.insert().values(
                version=m.version, name=m.name,
                applied_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
            ))
        applied.append(m.name)
    return applied
