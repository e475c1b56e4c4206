"""Sessions: starting one (its `Recorder`), reading them back with their events and
trials, closing them (trials and summary derived from the event log), and
recovering those whose writer died.
"""

from __future__ import annotations

import os
import socket
import time
import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import Connection, Row, and_, func, select

from telemetry import schema as S
from telemetry.derive import DerivedTrial, derive_summary, derive_trials, shoulder_series
from telemetry.records import SessionRecord, StoredEvent, TrialRecord
from telemetry.store.checkins import CheckinsMixin
from telemetry.store.jsonutil import dumps, iso, parse_iso, to_jsonable
from telemetry.store.landmarks import LandmarksMixin
from telemetry.store.recorder import _ACTIVE, Recorder, _Ev
from telemetry.store.sql import not_demo

STALE_AFTER_S = 30.0


def new_session_id() -> str:
    """32 hex digits: creation time (ns) then randomness, so ids sort in the
    order sessions were started even when two share a timestamp."""
    return f"{time.time_ns():016x}"[-16:] + uuid.uuid4().hex[:16]


def quota_met_of(summary: Mapping[str, Any]) -> bool:
    """`quota_met` at the top of a summary, or where exercises.session's runner
    puts it (summary["session"]["quota_met"]); False when absent."""
    if "quota_met" in summary:
        return bool(summary["quota_met"])
    session = summary.get("session")
    return bool(session.get("quota_met", False)) if isinstance(session, Mapping) else False


def _writer_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _writer_alive(writer: str | None, heartbeat: datetime | None, now: datetime) -> bool:
    """Is the process that started a session still able to finish it?

    This process: only if a recorder is live (checked by the caller). Another
    process on this host: its pid exists. Another host: a fresh heartbeat.
    """
    if not writer:
        return False
    host, _, pid_text = writer.rpartition(":")
    if host == socket.gethostname() and pid_text.isdigit():
        pid = int(pid_text)
        if pid == os.getpid():
            return False
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    return heartbeat is not None and (now - heartbeat).total_seconds() < STALE_AFTER_S



class SessionsMixin(CheckinsMixin, LandmarksMixin):
    def start_session(self, patient_id: str, exercise: str, dose: Mapping[str, Any], *,
                      source: str = "camera", mirror: str | None = None,
                      decisions: Sequence[str] = (),
                      started_at: datetime | None = None, t0: float | None = None,
                      simulated_clock: bool = False) -> Recorder:
        """Start recording a session.

        `t0` is the game clock (the time base of the events' `t`) at this
        moment; trial times are then `started_at + (t - t0)`. With
        `simulated_clock` (a headless run going faster than real time) the
        session's own times (check-ins answered with a game time, its end)
        are on that clock too, so they agree with its events.
        """
        self.require_patient(patient_id)
        session_id = new_session_id()
        start = started_at or self.now()
        now = iso(start)
        with self._tx() as conn:
            conn.execute(S.sessions.insert().values(
                session_id=session_id, patient_id=patient_id, exercise=exercise,
                dose=dumps(dose), source=source, mirror=mirror, started_at=now,
                recovered=False, writer=_writer_id(), heartbeat_at=now))
            if decisions:
                conn.execute(S.decisions.insert(), [
                    {"session_id": session_id, "seq": i, "reason": str(r)}
                    for i, r in enumerate(decisions)])
        side = self.require_patient(patient_id).affected_side
        sides = ("left", "right") if side == "both" else (side,)
        rec = Recorder(self, session_id, patient_id, self.flush_interval_s, rom_sides=sides,
                       started_at=start, t0=t0, simulated_clock=simulated_clock)
        self._recorders[session_id] = rec
        _ACTIVE.add(session_id)
        return rec

    def _session_rows(self, conn: Connection, patient_id: str, *,
                      include_demo: bool = True) -> Sequence[Row[Any]]:
        cond = S.sessions.c.patient_id == patient_id
        if not include_demo:
            cond = and_(cond, not_demo())
        return conn.execute(select(S.sessions).where(cond)
                            .order_by(S.sessions.c.started_at, S.sessions.c.session_id)).all()

    def history(self, patient_id: str, *, include_demo: bool = False) -> list[SessionRecord]:
        """Every session of the patient, oldest first, with its pre/post pain; sessions
        played from a recording by `neuroplay demo` only with `include_demo`."""
        with self._tx() as conn:
            rows = self._session_rows(conn, patient_id, include_demo=include_demo)
            pain = conn.execute(
                select(S.checkins.c.session_id, S.checkins.c.phase, S.checkin_items.c.value)
                .join(S.checkin_items, S.checkin_items.c.checkin_id == S.checkins.c.id)
                .where(and_(S.checkins.c.patient_id == patient_id,
                            S.checkin_items.c.item == "pain",
                            S.checkins.c.session_id.is_not(None)))
                .order_by(S.checkins.c.answered_at, S.checkins.c.id)).all()
            decs = conn.execute(
                select(S.decisions.c.session_id, S.decisions.c.reason)
                .join(S.sessions, S.sessions.c.session_id == S.decisions.c.session_id)
                .where(S.sessions.c.patient_id == patient_id)
                .order_by(S.decisions.c.session_id, S.decisions.c.seq)).all()
        pre: dict[str, int] = {}
        post: dict[str, int] = {}
        during: dict[str, int] = {}
        for sid, phase, value in pain:
            if phase == "pre":
                pre.setdefault(sid, int(value))  # the first pre answer of the session
            elif phase == "post":
                post[sid] = int(value)  # the last post answer
            elif phase == "in_session":
                during[sid] = max(during.get(sid, 0), int(value))  # the worst at a rest break
        reasons: dict[str, list[str]] = {}
        for sid, reason in decs:
            reasons.setdefault(sid, []).append(reason)
        out = []
        for r in rows:
            summary = self._json(r.summary) if r.summary else {}
            out.append(SessionRecord(
                session_id=r.session_id, exercise=r.exercise,
                started_at=parse_iso(r.started_at),  # type: ignore[arg-type]
                dose=self._json(r.dose), completed=bool(r.completed),
                quota_met=quota_met_of(summary),
                pain_pre=pre.get(r.session_id), pain_post=post.get(r.session_id),
                pain_in_session_max=during.get(r.session_id),
                pain_pauses=_count(summary.get("pain_pauses")),
                summary=summary, ended_at=parse_iso(r.ended_at), source=r.source,
                mirror=r.mirror, recovered=bool(r.recovered),
                decisions=tuple(reasons.get(r.session_id, ())),
            ))
        return out

    def session_patient(self, session_id: str) -> str | None:
        with self._tx() as conn:
            return conn.execute(select(S.sessions.c.patient_id)
                                .where(S.sessions.c.session_id == session_id)).scalar()

    def events(self, session_id: str) -> list[StoredEvent]:
        with self._tx() as conn:
            rows = conn.execute(select(S.events).where(S.events.c.session_id == session_id)
                                .order_by(S.events.c.seq)).all()
        # Row.t is SQLAlchemy's tuple accessor, so read the "t" column by key.
        return [StoredEvent(r.session_id, r.seq, r._mapping["t"], r.kind, self._json(r.data),
                            parse_iso(r.recorded_at)) for r in rows]  # type: ignore[arg-type]

    def count_events(self, session_id: str) -> int:
        with self._tx() as conn:
            return int(conn.execute(select(func.count()).select_from(S.events)
                                    .where(S.events.c.session_id == session_id)).scalar() or 0)

    def trials(self, session_id: str) -> list[TrialRecord]:
        with self._tx() as conn:
            rows = conn.execute(select(S.trials).where(S.trials.c.session_id == session_id)
                                .order_by(S.trials.c.trial_index)).all()
        return [TrialRecord(r.session_id, r.trial_index, r._mapping["t"], r.outcome,
                            self._json(r.data))
                for r in rows]

    def patient_trials(self, patient_id: str, *, include_demo: bool = False) -> list[TrialRecord]:
        cond = S.sessions.c.patient_id == patient_id
        if not include_demo:
            cond = and_(cond, not_demo())
        with self._tx() as conn:
            rows = conn.execute(
                select(S.trials).join(S.sessions, S.sessions.c.session_id == S.trials.c.session_id)
                .where(cond)
                .order_by(S.sessions.c.started_at, S.trials.c.trial_index)).all()
        return [TrialRecord(r.session_id, r.trial_index, r._mapping["t"], r.outcome,
                            self._json(r.data))
                for r in rows]

    def _finish_session(self, conn: Connection, session_id: str, *, summary: Mapping[str, Any],
                        completed: bool, ended_at: str, recovered: bool,
                        tracking: Mapping[str, Any] | None = None,
                        shoulders: tuple[np.ndarray, np.ndarray] | None = None,
                        derived: tuple[list[DerivedTrial], dict[str, Any]] | None = None
                        ) -> None:
        """Derive trials and summary from the stored events and mark the session
        ended. `shoulders`: the recorder's shoulder-line series; without it (a
        recovered session) it is read back from the stored landmark stream.
        `derived`: the trials and derived summary of the stored events, when the
        recorder has them already (it derives as it writes)."""
        if derived is not None:
            trials, derived_summary = derived
        else:
            if shoulders is None:
                shoulders = shoulder_series(self._stored_frames(conn, session_id))
            evs = conn.execute(select(S.events.c.t, S.events.c.kind, S.events.c.data)
                               .where(S.events.c.session_id == session_id)
                               .order_by(S.events.c.seq)).all()
            stored = [_Ev(t, kind, self._json(data)) for t, kind, data in evs]
            trials = derive_trials(stored, tracking=tracking, shoulders=shoulders)
            derived_summary = derive_summary(stored, trials=trials)
        merged = dict(to_jsonable(summary))
        if recovered:
            merged = {**derived_summary, **merged}
        else:
            for key in ("trials", "duration_s", "pain_checks", "pain_in_session_max",
                        "pain_pauses", "clock"):
                merged.setdefault(key, derived_summary[key])
        conn.execute(S.trials.delete().where(S.trials.c.session_id == session_id))
        trial_rows = [{"session_id": session_id, "trial_index": tr.trial_index, "t": tr.t,
                       "outcome": tr.outcome, "data": dumps(tr.data)}
                      for tr in trials]
        if trial_rows:
            conn.execute(S.trials.insert(), trial_rows)
        conn.execute(S.sessions.update().where(S.sessions.c.session_id == session_id).values(
            ended_at=ended_at, completed=bool(completed), recovered=recovered,
            summary=dumps(merged)))

    def recover_incomplete(self) -> list[str]:
        """Close sessions whose writer is gone; return their ids."""
        now = self.now()
        recovered: list[str] = []
        with self._tx() as conn:
            rows = conn.execute(select(S.sessions.c.session_id, S.sessions.c.writer,
                                       S.sessions.c.heartbeat_at, S.sessions.c.started_at)
                                .where(S.sessions.c.ended_at.is_(None))).all()
            for sid, writer, hb, started in rows:
                if _ACTIVE.contains(sid):
                    continue
                heartbeat = parse_iso(hb)
                if _writer_alive(writer, heartbeat, now):
                    continue
                last = conn.execute(select(func.max(S.events.c.recorded_at))
                                    .where(S.events.c.session_id == sid)).scalar()
                ended = max(x for x in (last, hb, started) if x is not None)
                self._finish_session(conn, sid, summary={}, completed=False, ended_at=ended,
                                     recovered=True)
                recovered.append(sid)
        return recovered


def _count(value: Any) -> int:
    return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0

