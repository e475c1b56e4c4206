"""PROM check-ins (pain and other 0-10 items) and the PSFS activities and ratings."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import and_, or_, select

from telemetry import proms
from telemetry import schema as S
from telemetry.errors import StoreError
from telemetry.records import CheckinRecord, PsfsActivity, PsfsRating
from telemetry.store.jsonutil import iso, parse_iso
from telemetry.store.patients import PatientsMixin
from telemetry.store.sql import new_id, not_demo

ENTERED_BY_KEY = "checkin.entered_by.{}"  # settings key: who entered a check-in


class CheckinsMixin(PatientsMixin):
    def checkin(self, patient_id: str, phase: str, answers: Mapping[str, int], *,
                session_id: str | None = None, at: datetime | None = None,
                entered_by: str | None = None) -> int:
        """Store one check-in (items 0-10); returns its id. `entered_by`: the therapist
        who entered it for the patient (the dashboard's diary form); the check-in tables
        have no author column, so it is kept in the settings table under
        ENTERED_BY_KEY, in the same transaction (no entry without its author)."""
        try:
            clean = proms.validate_answers(phase, answers)
        except ValueError as exc:
            raise StoreError(str(exc)) from exc
        self.require_patient(patient_id)
        with self._tx() as conn:
            cid = new_id(conn.execute(S.checkins.insert().values(
                patient_id=patient_id, session_id=session_id, phase=phase,
                answered_at=iso(at or self.now()))))
            conn.execute(S.checkin_items.insert(), [
                {"checkin_id": cid, "item": k, "value": v} for k, v in clean.items()])
            if entered_by:
                conn.execute(S.settings.insert().values(
                    key=ENTERED_BY_KEY.format(cid),
                    value=json.dumps({"therapist": entered_by, "via": "dashboard"})))
        return cid

    def checkin_entered_by(self, checkin_id: int) -> str | None:
        """Who entered a check-in for the patient (None: the patient did)."""
        with self._tx() as conn:
            row = conn.execute(select(S.settings.c.value).where(
                S.settings.c.key == ENTERED_BY_KEY.format(checkin_id))).first()
        if row is None:
            return None
        try:
            who = json.loads(str(row[0])).get("therapist")
        except (ValueError, AttributeError):
            return None
        return str(who) if who else None

    def checkins(self, patient_id: str, *, include_demo: bool = False) -> list[CheckinRecord]:
        """The patient's check-ins; those of a demo session (a recording played by
        `neuroplay demo`: its answers are scripted) only with `include_demo`."""
        cond = S.checkins.c.patient_id == patient_id
        if not include_demo:
            demo_ids = select(S.sessions.c.session_id).where(
                and_(S.sessions.c.patient_id == patient_id, ~not_demo()))
            cond = and_(cond, or_(S.checkins.c.session_id.is_(None),
                                  S.checkins.c.session_id.not_in(demo_ids)))
        with self._tx() as conn:
            rows = conn.execute(
                select(S.checkins, S.checkin_items.c.item, S.checkin_items.c.value)
                .join(S.checkin_items, S.checkin_items.c.checkin_id == S.checkins.c.id)
                .where(cond)
                .order_by(S.checkins.c.answered_at, S.checkins.c.id)).all()
        out: dict[int, CheckinRecord] = {}
        for r in rows:
            rec = out.get(r.id)
            if rec is None:
                rec = CheckinRecord(r.id, r.patient_id, r.session_id, r.phase,
                                    parse_iso(r.answered_at), {})  # type: ignore[arg-type]
                out[r.id] = rec
            rec.answers[r.item] = int(r.value)  # type: ignore[index]
        return list(out.values())

    # -------------------------------------------------------------------- PSFS
    def add_psfs_activity(self, patient_id: str, name: str, *, at: datetime | None = None) -> int:
        name = name.strip()
        if not name:
            raise StoreError("a PSFS activity needs a name")
        self.require_patient(patient_id)
        active = self.psfs_activities(patient_id)
        if any(a.name.lower() == name.lower() for a in active):
            raise StoreError(f"PSFS activity {name!r} already exists")
        if len(active) >= proms.PSFS_MAX_ACTIVITIES:
            raise StoreError(f"the PSFS holds at most {proms.PSFS_MAX_ACTIVITIES} activities; "
                             "retire one first")
        with self._tx() as conn:
            return new_id(conn.execute(S.psfs_activities.insert().values(
                patient_id=patient_id, name=name, created_at=iso(at or self.now()))))

    def retire_psfs_activity(self, activity_id: int, *, at: datetime | None = None) -> None:
        with self._tx() as conn:
            conn.execute(S.psfs_activities.update().where(S.psfs_activities.c.id == activity_id)
                         .values(retired_at=iso(at or self.now())))

    def psfs_activities(self, patient_id: str, *, include_retired: bool = False
                        ) -> list[PsfsActivity]:
        q = select(S.psfs_activities).where(S.psfs_activities.c.patient_id == patient_id)
        if not include_retired:
            q = q.where(S.psfs_activities.c.retired_at.is_(None))
        with self._tx() as conn:
            rows = conn.execute(q.order_by(S.psfs_activities.c.id)).all()
        return [PsfsActivity(r.id, r.patient_id, r.name, parse_iso(r.created_at),  # type: ignore
                             parse_iso(r.retired_at)) for r in rows]

    def rate_psfs(self, patient_id: str, ratings: Mapping[int | str, int], *,
                  at: datetime | None = None) -> None:
        """Rate activities (by id or name) 0-10 at one moment."""
        acts = self.psfs_activities(patient_id)
        by_id = {a.activity_id: a for a in acts}
        by_name = {a.name.lower(): a for a in acts}
        rows = []
        when = iso(at or self.now())
        for key, value in ratings.items():
            act = by_id.get(key) if isinstance(key, int) else by_name.get(str(key).lower())
            if act is None:
                raise StoreError(f"patient {patient_id!r} has no PSFS activity {key!r}")
            try:
                v = proms.validate_score(value, what=f"PSFS rating of {act.name!r}")
            except ValueError as exc:
                raise StoreError(str(exc)) from exc
            rows.append({"activity_id": act.activity_id, "rated_at": when, "value": v})
        if rows:
            with self._tx() as conn:
                conn.execute(S.psfs_ratings.insert(), rows)

    def psfs_ratings(self, patient_id: str) -> list[PsfsRating]:
        with self._tx() as conn:
            rows = conn.execute(
                select(S.psfs_ratings.c.activity_id, S.psfs_activities.c.name,
                       S.psfs_ratings.c.rated_at, S.psfs_ratings.c.value)
                .join(S.psfs_activities, S.psfs_activities.c.id == S.psfs_ratings.c.activity_id)
                .where(S.psfs_activities.c.patient_id == patient_id)
                .order_by(S.psfs_ratings.c.rated_at, S.psfs_ratings.c.id)).all()
        return [PsfsRating(r.activity_id, r.name, parse_iso(r.rated_at), int(r.value))  # type: ignore
                for r in rows]

