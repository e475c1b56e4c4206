"""Therapy plans (versioned TOML texts, never overwritten) and install settings."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from telemetry import schema as S
from telemetry.errors import PlanConflict, StoreError
from telemetry.records import PlanVersion
from telemetry.store.jsonutil import iso, parse_iso
from telemetry.store.patients import PatientsMixin


class PlansMixin(PatientsMixin):
    def save_plan(self, patient_id: str, toml_text: str, author: str, *,
                  expected_version: int | None = None) -> int:
        """Store a new plan version (1, 2, ...) and return it; old ones are kept.

        `expected_version`: the version the edit was reviewed against (0: no plan yet).
        If another version was saved since, `PlanConflict` and nothing is written; the
        check and the insert are one transaction, and two saves racing for the same new
        version cannot both land (the version is part of the primary key)."""
        self.require_patient(patient_id)
        try:
            with self._tx() as conn:
                last = conn.execute(select(func.max(S.plans.c.version))
                                    .where(S.plans.c.patient_id == patient_id)).scalar()
                if expected_version is not None and (last or 0) != expected_version:
                    raise PlanConflict(f"plan of {patient_id!r} is at version {last or 0}, "
                                       f"not {expected_version}")
                version = (last or 0) + 1
                conn.execute(S.plans.insert().values(
                    patient_id=patient_id, version=version, toml_text=toml_text, author=author,
                    created_at=iso(self.now())))
        except StoreError as exc:
            if not isinstance(exc.__cause__, IntegrityError):
                raise
            raise PlanConflict(f"plan of {patient_id!r}: version {version} was saved at the "
                               f"same moment by someone else") from exc
        return version

    def current_plan(self, patient_id: str) -> tuple[int, str] | None:
        with self._tx() as conn:
            row = conn.execute(select(S.plans.c.version, S.plans.c.toml_text)
                               .where(S.plans.c.patient_id == patient_id)
                               .order_by(S.plans.c.version.desc()).limit(1)).first()
        return None if row is None else (int(row[0]), str(row[1]))

    def plan_history(self, patient_id: str) -> list[PlanVersion]:
        with self._tx() as conn:
            rows = conn.execute(select(S.plans).where(S.plans.c.patient_id == patient_id)
                                .order_by(S.plans.c.version)).all()
        return [PlanVersion(version=int(r.version), author=str(r.author),
                            created_at=parse_iso(r.created_at), toml_text=str(r.toml_text))
                for r in rows]

    # --------------------------------------------------------------- settings
    def get_setting(self, key: str, default: str | None = None) -> str | None:
        with self._tx() as conn:
            row = conn.execute(select(S.settings.c.value).where(S.settings.c.key == key)).first()
        return default if row is None else str(row[0])

    def set_setting(self, key: str, value: str) -> None:
        with self._tx() as conn:
            n = conn.execute(S.settings.update().where(S.settings.c.key == key)
                             .values(value=value)).rowcount
            if not n:
                conn.execute(S.settings.insert().values(key=key, value=value))

