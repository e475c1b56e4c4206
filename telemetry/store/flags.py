"""Flags raised for the therapist (at most one open per patient, kind and measure)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import and_, select

from telemetry import schema as S
from telemetry.errors import StoreError
from telemetry.records import FlagRecord
from telemetry.store.core import StoreCore
from telemetry.store.jsonutil import dumps, iso, parse_iso
from telemetry.store.sql import new_id


class FlagsMixin(StoreCore):
    def raise_flag(self, patient_id: str, kind: str, measure: str, message: str,
                   evidence: Mapping[str, Any], *, at: datetime | None = None) -> int:
        """Store a flag unless an open one of the same kind and measure exists."""
        with self._tx() as conn:
            existing = conn.execute(select(S.flags.c.id).where(and_(
                S.flags.c.patient_id == patient_id, S.flags.c.kind == kind,
                S.flags.c.measure == measure, S.flags.c.status == "open"))).scalar()
            if existing is not None:
                conn.execute(S.flags.update().where(S.flags.c.id == existing)
                             .values(evidence=dumps(evidence), message=message))
                return int(existing)
            return new_id(conn.execute(S.flags.insert().values(
                patient_id=patient_id, kind=kind, measure=measure,
                raised_at=iso(at or self.now()), message=message, evidence=dumps(evidence),
                status="open")))

    def close_flag(self, flag_id: int, *, at: datetime | None = None) -> None:
        with self._tx() as conn:
            n = conn.execute(S.flags.update().where(S.flags.c.id == flag_id)
                             .values(status="closed", closed_at=iso(at or self.now()))).rowcount
        if not n:
            raise StoreError(f"no flag with id {flag_id}")

    def flags(self, patient_id: str, *, status: str | None = None) -> list[FlagRecord]:
        q = select(S.flags).where(S.flags.c.patient_id == patient_id)
        if status is not None:
            q = q.where(S.flags.c.status == status)
        with self._tx() as conn:
            rows = conn.execute(q.order_by(S.flags.c.raised_at, S.flags.c.id)).all()
        return [FlagRecord(r.id, r.patient_id, r.kind, r.measure,
                           parse_iso(r.raised_at), r.message, self._json(r.evidence),  # type: ignore
                           r.status, parse_iso(r.closed_at)) for r in rows]

