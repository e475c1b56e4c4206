"""Patients and their calibrations."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from telemetry import schema as S
from telemetry.errors import StoreError, UnknownPatient
from telemetry.ids import check_patient_id
from telemetry.records import PatientRecord
from telemetry.store.core import StoreCore
from telemetry.store.jsonutil import dumps, iso, parse_iso

SIDES = ("left", "right", "both")


class PatientsMixin(StoreCore):
    def ensure_patient(self, patient_id: str, *, display_name: str | None = None,
                       affected_side: str = "right", seated: bool = True) -> None:
        """Create the patient if new; an existing patient's details are updated
        only for the arguments given explicitly as non-defaults (display name)."""
        check_patient_id(patient_id)  # telemetry/ids.py: the one rule for ids
        if affected_side not in SIDES:
            raise StoreError(f"affected side must be one of {', '.join(SIDES)}, "
                             f"got {affected_side!r}")
        with self._tx() as conn:
            row = conn.execute(select(S.patients.c.patient_id)
                               .where(S.patients.c.patient_id == patient_id)).first()
            if row is None:
                conn.execute(S.patients.insert().values(
                    patient_id=patient_id, display_name=display_name,
                    affected_side=affected_side, seated=bool(seated), created_at=iso(self.now())))
            elif display_name is not None:
                conn.execute(S.patients.update().where(S.patients.c.patient_id == patient_id)
                             .values(display_name=display_name))

    def update_patient(self, patient_id: str, *, affected_side: str | None = None,
                       seated: bool | None = None, display_name: str | None = None) -> None:
        self.require_patient(patient_id)
        values: dict[str, Any] = {}
        if affected_side is not None:
            if affected_side not in SIDES:
                raise StoreError(f"affected side must be one of {', '.join(SIDES)}")
            values["affected_side"] = affected_side
        if seated is not None:
            values["seated"] = bool(seated)
        if display_name is not None:
            values["display_name"] = display_name
        if values:
            with self._tx() as conn:
                conn.execute(S.patients.update().where(S.patients.c.patient_id == patient_id)
                             .values(**values))

    def patient_exists(self, patient_id: str) -> bool:
        with self._tx() as conn:
            return conn.execute(select(S.patients.c.patient_id)
                                .where(S.patients.c.patient_id == patient_id)).first() is not None

    def require_patient(self, patient_id: str) -> PatientRecord:
        p = self.get_patient(patient_id)
        if p is None:
            raise UnknownPatient(f"unknown patient {patient_id!r} in {self.where}")
        return p

    def get_patient(self, patient_id: str) -> PatientRecord | None:
        with self._tx() as conn:
            row = conn.execute(select(S.patients)
                               .where(S.patients.c.patient_id == patient_id)).first()
        return None if row is None else _patient(row)

    def patients(self) -> list[PatientRecord]:
        with self._tx() as conn:
            rows = conn.execute(select(S.patients).order_by(S.patients.c.patient_id)).all()
        return [_patient(r) for r in rows]

    # ------------------------------------------------------------ calibration
    def save_calibration(self, patient_id: str, calibration: Mapping[str, Any]) -> None:
        self.require_patient(patient_id)
        with self._tx() as conn:
            conn.execute(S.calibrations.insert().values(
                patient_id=patient_id, created_at=iso(self.now()), data=dumps(calibration)))

    def load_calibration(self, patient_id: str) -> Mapping[str, Any] | None:
        with self._tx() as conn:
            row = conn.execute(select(S.calibrations.c.data)
                               .where(S.calibrations.c.patient_id == patient_id)
                               .order_by(S.calibrations.c.id.desc()).limit(1)).first()
        return None if row is None else self._json(row[0])


def _patient(row: Any) -> PatientRecord:
    return PatientRecord(row.patient_id, row.display_name, row.affected_side, bool(row.seated),
                         parse_iso(row.created_at))  # type: ignore[arg-type]

