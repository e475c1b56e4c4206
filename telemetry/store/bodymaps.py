"""Sensory body maps: one row a drawing, checked against the grid before it is stored."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select

from telemetry import schema as S
from telemetry.bodymap import BodyMapError, from_compact, to_compact
from telemetry.errors import StoreError
from telemetry.records import BodyMapRecord
from telemetry.store.jsonutil import dumps, iso, parse_iso
from telemetry.store.patients import PatientsMixin
from telemetry.store.sql import new_id

DRAWN_BY = ("patient", "therapist", "virtual_patient")


class BodyMapsMixin(PatientsMixin):
    def save_body_map(self, patient_id: str, compact: Mapping[str, Any], *,
                      drawn_by: str = "patient", session_id: str | None = None,
                      at: datetime | None = None) -> int:
        """Store one map (telemetry.bodymap.to_compact form); returns its id. A map that
        does not fit the grid is refused (StoreError naming the problem), nothing written."""
        if drawn_by not in DRAWN_BY:
            raise StoreError(f"drawn_by {drawn_by!r} is not one of {', '.join(DRAWN_BY)}")
        try:
            m = from_compact(compact)
        except BodyMapError as exc:
            raise StoreError(f"body map not saved: {exc}") from None
        self.require_patient(patient_id)
        with self._tx() as conn:
            return new_id(conn.execute(S.body_maps.insert().values(
                patient_id=patient_id, session_id=session_id, drawn_at=iso(at or self.now()),
                layer=m.layer, drawn_by=drawn_by, data=dumps(to_compact(m)))))

    def body_maps(self, patient_id: str, *, layer: str | None = None) -> list[BodyMapRecord]:
        """The patient's maps, oldest first."""
        q = select(S.body_maps).where(S.body_maps.c.patient_id == patient_id)
        if layer is not None:
            q = q.where(S.body_maps.c.layer == layer)
        with self._tx() as conn:
            rows = conn.execute(q.order_by(S.body_maps.c.drawn_at, S.body_maps.c.id)).all()
        return [BodyMapRecord(r.id, r.patient_id, r.session_id, parse_iso(r.drawn_at),  # type: ignore[arg-type]
                              r.layer, r.drawn_by, self._json(r.data))  # type: ignore[arg-type]
                for r in rows]
