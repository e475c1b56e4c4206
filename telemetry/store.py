"""The telemetry store: one SQLite (WAL) or PostgreSQL database per install.

`Store` implements `telemetry.api.TelemetryStore`; `Store.start_session`
returns a `Recorder` implementing `SessionRecorder`. Crash safety: the game
thread appends to an in-memory buffer; a background flusher commits it every
`flush_interval_s` (0.5 s) of wall time, and sooner when the buffered events
or frames span 0.5 s of SESSION time or number FLUSH_EVENTS, whichever comes
first. On a simulated clock (headless, ~50x real time) that flush happens on
the game thread, so a SIGKILL loses at most 0.5 s of session on any clock. Each flush also stamps the session's heartbeat. Sessions
with no end whose writer is gone (dead pid on this host, or a heartbeat older
than `STALE_AFTER_S` elsewhere) are closed on the next open as incomplete,
with a summary and trials derived from their events.

All SQL is SQLAlchemy Core, so the same code runs on PostgreSQL
(`Store.open("postgresql+psycopg://...")`). Every method holds one lock
around its transaction: the in-memory database is one shared connection.
"""

from __future__ import annotations

import atexit
import contextlib
import dataclasses
import json
import math
import os
import socket
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import Connection, Engine, and_, create_engine, event, func, or_, select
from sqlalchemy.exc import DatabaseError, IntegrityError, OperationalError
from sqlalchemy.pool import StaticPool

from telemetry import paths, proms
from telemetry import schema as S
from telemetry.derive import (
    DerivedTrial,
    EventTally,
    TrialLog,
    derive_summary,
    derive_trials,
    measure,
    shoulder_series,
)
from telemetry.errors import (
    DamagedDatabase,
    ForeignDatabase,
    SchemaTooNew,
    StoreError,
    UnknownPatient,
)
from telemetry.ids import check_patient_id
from telemetry.joint_angles import session_rom
from telemetry.landmarks import CODEC, decode_frames, encode_frames
from telemetry.metrics import tracking_sample, tracking_summary
from telemetry.migrations import LATEST, migrate
from telemetry.records import (
    DEMO_SOURCE_PREFIX,
    CheckinRecord,
    FlagRecord,
    PatientRecord,
    PsfsActivity,
    PsfsRating,
    SessionRecord,
    StoredEvent,
    TrialRecord,
)
from vision.bodyframe import BodyFrame

Clock = Callable[[], datetime]
STALE_AFTER_S = 30.0
ROM_HZ = 10.0  # joint-angle samples per second kept for the session's range of motion
# While the disk refuses writes, keep at most this many unwritten frames (10 min at
# 30 fps); older ones are dropped and counted. Events are never dropped.
MAX_BUFFERED_FRAMES = 18_000
# A flush is due after the flush interval of WALL time (the flusher thread's timer),
# or of SESSION time spanned by the buffered events or frames, or this many buffered
# events, whichever comes first: a headless session on a simulated clock runs ~50x
# faster than the wall, so the wall timer alone let a SIGKILL lose a whole session.
FLUSH_EVENTS = 256
SIDES = ("left", "right", "both")


ENV_DB = "NEUROPLAY_DB"  # e.g. postgresql://user@host/db: every command then uses it


def database_url(text: str) -> str:
    """`postgresql://...` means psycopg 3 (the driver NeuroPlay installs), not psycopg2."""
    for plain in ("postgresql://", "postgres://"):
        if text.startswith(plain):
            return "postgresql+psycopg://" + text[len(plain):]
    return text


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def iso(dt: datetime) -> str:
    """ISO 8601 in UTC with offset; naive datetimes are taken as UTC."""
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc).isoformat(timespec="milliseconds")


def parse_iso(text: str | None) -> datetime | None:
    """A stored time back; one that does not parse is damage to the file."""
    if text is None:
        return None
    try:
        return datetime.fromisoformat(text)
    except (ValueError, TypeError) as exc:
        raise DamagedDatabase(f"the database is damaged: stored time {str(text)[:40]!r} "
                              f"does not parse") from exc


def to_jsonable(value: Any) -> Any:
    """Dataclasses, tuples, numpy scalars -> JSON-ready values."""
    # Plain JSON types first (a session's close writes hundreds of trials of them).
    kind = type(value)
    if value is None or kind is str or kind is int or kind is bool:
        return value
    if kind is float:
        return value if math.isfinite(value) else None
    if kind is dict:
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if kind is list:
        return [to_jsonable(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if hasattr(value, "item") and callable(value.item) and getattr(value, "ndim", 1) == 0:
        return to_jsonable(value.item())  # numpy scalar
    if hasattr(value, "tolist") and callable(value.tolist):  # numpy array
        return value.tolist()
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None  # JSON has no NaN; a missing measurement is null
    return value


def dumps(value: Any) -> str:
    return json.dumps(to_jsonable(value), separators=(",", ":"), default=str, allow_nan=False)


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


class _ActiveSessions:
    """Sessions with a live recorder in this process (so recovery skips them)."""

    def __init__(self) -> None:
        self._ids: set[str] = set()
        self._lock = threading.Lock()

    def add(self, session_id: str) -> None:
        with self._lock:
            self._ids.add(session_id)

    def discard(self, session_id: str) -> None:
        with self._lock:
            self._ids.discard(session_id)

    def contains(self, session_id: str) -> bool:
        with self._lock:
            return session_id in self._ids


_ACTIVE = _ActiveSessions()


class Store:
    """The NeuroPlay database. Open with `Store.open(...)` or `Store.memory()`."""

    def __init__(self, engine: Engine, *, where: str, clock: Clock = utc_now,
                 flush_interval_s: float = 0.5) -> None:
        self.engine = engine
        self.where = where
        self.clock = clock
        self.flush_interval_s = flush_interval_s
        self._lock = threading.RLock()
        self._recorders: dict[str, Recorder] = {}

    # ---------------------------------------------------------------- opening
    @classmethod
    def open(cls, target: str | os.PathLike[str] | None = None, *,
             data_dir: str | os.PathLike[str] | None = None, clock: Clock = utc_now,
             recover: bool = True, create: bool = True,
             flush_interval_s: float = 0.5) -> Store:
        """Open (creating and migrating if needed) a store.

        Args:
            target: a SQLite file path, ":memory:", or a SQLAlchemy URL
                ("postgresql+psycopg://..."). None: `$NEUROPLAY_DB` when set and
                no `data_dir` is given, else `neuroplay.db` in the data
                directory (`data_dir`, `$NEUROPLAY_HOME`, or platformdirs).
            create: False refuses to create a missing SQLite file.
            recover: close sessions whose writer died (see module docstring).
        Raises:
            StoreError: missing/damaged file, newer schema, unreachable server.
        """
        if target is None and data_dir is None and os.environ.get(ENV_DB):
            target = os.environ[ENV_DB]  # a clinic's shared database (clinic mode)
        if target is None:
            try:
                target = paths.database_path(data_dir, create=create)
            except OSError as exc:
                raise StoreError(f"cannot use data directory {data_dir or '(default)'}: "
                                 f"{exc.strerror or exc}") from exc
        text = os.fspath(target)
        if text == ":memory:":
            return cls.memory(clock=clock, flush_interval_s=flush_interval_s)
        if "://" in text:
            engine = create_engine(database_url(text), future=True, pool_pre_ping=True)
            where = engine.url.render_as_string(hide_password=True)
        else:
            path = Path(text).expanduser()
            where = str(path)
            if path.is_dir():
                raise StoreError(f"{path} is a directory, not a database file")
            if not path.exists():
                if not create:
                    raise StoreError(f"no NeuroPlay database at {path}")
                try:
                    paths.ensure_private_dir(path.parent)
                    paths.touch_private_file(path)
                except OSError as exc:
                    raise StoreError(f"cannot create database {path}: {exc.strerror or exc}") \
                        from exc
            _check_sqlite_file(path)  # read-only: a file that is not ours is never touched
            engine = create_engine(f"sqlite+pysqlite:///{path}", future=True,
                                   connect_args={"check_same_thread": False, "timeout": 10})
            _sqlite_pragmas(engine, wal=True)
        store = cls(engine, where=where, clock=clock, flush_interval_s=flush_interval_s)
        store._prepare(recover)
        return store

    @classmethod
    def memory(cls, *, clock: Clock = utc_now, flush_interval_s: float = 0.5) -> Store:
        """A private in-memory database (tests); gone when closed."""
        engine = create_engine("sqlite+pysqlite:///:memory:", future=True,
                               connect_args={"check_same_thread": False},
                               poolclass=StaticPool)
        _sqlite_pragmas(engine, wal=False)
        store = cls(engine, where=":memory:", clock=clock, flush_interval_s=flush_interval_s)
        store._prepare(recover=False)
        return store

    def _prepare(self, recover: bool) -> None:
        try:
            with self._lock:
                migrate(self.engine, where=self.where)
            if recover:
                self.recover_incomplete()
        except StoreError:
            self.engine.dispose()
            raise
        except OperationalError as exc:
            self.engine.dispose()
            if _is_damage(exc):
                raise DamagedDatabase(f"{self.where} is not a readable NeuroPlay database "
                                      f"({_short(exc)})") from exc
            raise StoreError(f"cannot open {self.where}: {_short(exc)}") from exc
        except (DatabaseError, sqlite3.DatabaseError, UnicodeDecodeError) as exc:
            # (SQLite reports a damaged schema's text as a UnicodeDecodeError.)
            self.engine.dispose()
            raise DamagedDatabase(
                f"{self.where} is not a readable NeuroPlay database ({_short(exc)})") from exc

    def close(self) -> None:
        for rec in list(self._recorders.values()):
            rec.close({}, completed=False)
        self.engine.dispose()

    def __enter__(self) -> Store:  # noqa: PYI034 (typing.Self needs Python 3.11)
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _tx(self) -> Iterator[Connection]:
        """One transaction under the store's lock; database failures become
        StoreError (DamagedDatabase for a corrupt file) with one clear line."""
        with self._lock:
            try:
                with self.engine.begin() as conn:
                    yield conn
            except IntegrityError as exc:
                raise StoreError(f"{self.where} rejected the change: {_short(exc)}") from exc
            except OperationalError as exc:
                if _is_damage(exc):
                    raise DamagedDatabase(f"{self.where} is damaged: {_short(exc)}") from exc
                raise StoreError(f"{self.where}: {_short(exc)}") from exc
            except (DatabaseError, UnicodeDecodeError) as exc:
                raise DamagedDatabase(f"{self.where} is damaged: {_short(exc)}") from exc

    def now(self) -> datetime:
        return self.clock()

    def _json(self, text: str) -> Any:
        """Stored JSON back; text that does not decode is damage to the file (one line)."""
        try:
            return json.loads(text)
        except (ValueError, TypeError, RecursionError) as exc:
            raise DamagedDatabase(f"{self.where} is damaged: a stored record does not decode "
                                  f"({type(exc).__name__}: {str(exc).splitlines()[0]})") from None

    # --------------------------------------------------------------- patients
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

    # ------------------------------------------------------------------ plans
    def save_plan(self, patient_id: str, toml_text: str, author: str) -> int:
        """Store a new plan version (1, 2, ...) and return it; old ones are kept."""
        self.require_patient(patient_id)
        with self._tx() as conn:
            last = conn.execute(select(func.max(S.plans.c.version))
                                .where(S.plans.c.patient_id == patient_id)).scalar()
            version = (last or 0) + 1
            conn.execute(S.plans.insert().values(
                patient_id=patient_id, version=version, toml_text=toml_text, author=author,
                created_at=iso(self.now())))
        return version

    def current_plan(self, patient_id: str) -> tuple[int, str] | None:
        with self._tx() as conn:
            row = conn.execute(select(S.plans.c.version, S.plans.c.toml_text)
                               .where(S.plans.c.patient_id == patient_id)
                               .order_by(S.plans.c.version.desc()).limit(1)).first()
        return None if row is None else (int(row[0]), str(row[1]))

    def plan_history(self, patient_id: str) -> list[dict[str, Any]]:
        with self._tx() as conn:
            rows = conn.execute(select(S.plans).where(S.plans.c.patient_id == patient_id)
                                .order_by(S.plans.c.version)).all()
        return [{"version": r.version, "author": r.author, "created_at": parse_iso(r.created_at),
                 "toml_text": r.toml_text} for r in rows]

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

    # --------------------------------------------------------------- sessions
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
                      include_demo: bool = True) -> list[Any]:
        cond = S.sessions.c.patient_id == patient_id
        if not include_demo:
            cond = and_(cond, _not_demo())
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
            cond = and_(cond, _not_demo())
        with self._tx() as conn:
            rows = conn.execute(
                select(S.trials).join(S.sessions, S.sessions.c.session_id == S.trials.c.session_id)
                .where(cond)
                .order_by(S.sessions.c.started_at, S.trials.c.trial_index)).all()
        return [TrialRecord(r.session_id, r.trial_index, r._mapping["t"], r.outcome,
                            self._json(r.data))
                for r in rows]

    def landmark_frames(self, session_id: str) -> list[BodyFrame]:
        """The stored landmark stream of a session, in order."""
        with self._tx() as conn:
            return self._stored_frames(conn, session_id)

    @staticmethod
    def _stored_frames(conn: Connection, session_id: str) -> list[BodyFrame]:
        rows = conn.execute(select(S.landmark_chunks.c.codec, S.landmark_chunks.c.data)
                            .where(S.landmark_chunks.c.session_id == session_id)
                            .order_by(S.landmark_chunks.c.seq)).all()
        frames: list[BodyFrame] = []
        for codec, blob in rows:
            if codec != CODEC:
                raise StoreError(f"landmark chunk in unknown format {codec!r}")
            frames.extend(decode_frames(bytes(blob)))
        return frames

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

    # --------------------------------------------------------------- check-ins
    def checkin(self, patient_id: str, phase: str, answers: Mapping[str, int], *,
                session_id: str | None = None, at: datetime | None = None) -> int:
        """Store one check-in (items 0-10); returns its id."""
        try:
            clean = proms.validate_answers(phase, answers)
        except ValueError as exc:
            raise StoreError(str(exc)) from exc
        self.require_patient(patient_id)
        with self._tx() as conn:
            cid = conn.execute(S.checkins.insert().values(
                patient_id=patient_id, session_id=session_id, phase=phase,
                answered_at=iso(at or self.now()))).inserted_primary_key[0]
            conn.execute(S.checkin_items.insert(), [
                {"checkin_id": cid, "item": k, "value": v} for k, v in clean.items()])
        return int(cid)

    def checkins(self, patient_id: str, *, include_demo: bool = False) -> list[CheckinRecord]:
        """The patient's check-ins; those of a demo session (a recording played by
        `neuroplay demo`: its answers are scripted) only with `include_demo`."""
        cond = S.checkins.c.patient_id == patient_id
        if not include_demo:
            demo_ids = select(S.sessions.c.session_id).where(
                and_(S.sessions.c.patient_id == patient_id, ~_not_demo()))
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
            return int(conn.execute(S.psfs_activities.insert().values(
                patient_id=patient_id, name=name,
                created_at=iso(at or self.now()))).inserted_primary_key[0])

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

    # ------------------------------------------------------------------- flags
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
            return int(conn.execute(S.flags.insert().values(
                patient_id=patient_id, kind=kind, measure=measure,
                raised_at=iso(at or self.now()), message=message, evidence=dumps(evidence),
                status="open")).inserted_primary_key[0])

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


def _not_demo() -> Any:
    """SQL: the session was not played from a recording by `neuroplay demo`."""
    return ~S.sessions.c.source.startswith(DEMO_SOURCE_PREFIX, autoescape=True)


@dataclasses.dataclass(frozen=True, slots=True)
class _Ev:
    t: float
    kind: str
    data: Mapping[str, Any]


class _Series:
    """A growing (t, shoulder-line angle) series; `view()` is the samples so far,
    without copying (later appends never write into a view's range)."""

    def __init__(self) -> None:
        self._t = np.empty(1024)
        self._deg = np.empty(1024)
        self.n = 0

    def extend(self, t: np.ndarray, deg: np.ndarray) -> None:
        need = self.n + len(t)
        if need > len(self._t):
            size = max(need, 2 * len(self._t))
            self._t = np.concatenate([self._t[:self.n], np.empty(size - self.n)])
            self._deg = np.concatenate([self._deg[:self.n], np.empty(size - self.n)])
        self._t[self.n:need] = t
        self._deg[self.n:need] = deg
        self.n = need

    def view(self) -> tuple[np.ndarray, np.ndarray]:
        return self._t[:self.n], self._deg[:self.n]


class Recorder:
    """One session being recorded (implements `telemetry.api.SessionRecorder`).

    `record` and `record_frame` only append to a buffer under a short lock;
    the flusher thread writes the buffer in one transaction per interval.
    It also derives the session's trials as it goes: each written batch of
    events is fed to a `TrialLog`, and each reach whose end (and shoulder
    samples) are written is measured in the flusher thread, so that `close()`
    measures only the last reach or two instead of the whole session. Nothing
    derived is needed for recovery: a killed session is derived from its
    stored events as before.
    """

    def __init__(self, store: Store, session_id: str, patient_id: str,
                 flush_interval_s: float, rom_sides: Sequence[str] = (), *,
                 started_at: datetime | None = None, t0: float | None = None,
                 simulated_clock: bool = False) -> None:
        self.store = store
        self.started_at = started_at or store.now()
        self.t0 = t0  # the game clock at the start (None: derived from the log at close)
        self.simulated_clock = simulated_clock
        self._last_t: float | None = None  # newest event time recorded
        # Joint angles of the affected arm(s), sampled at <= ROM_HZ by the flusher
        # thread from the frames it writes; their range goes into the summary.
        self._rom: list[tuple[float, np.ndarray, np.ndarray | None, int, int]] = []
        self._rom_last_t = -math.inf
        self._rom_sides = tuple(rom_sides)
        self._track: list[tuple[bool, float | None, float | None]] = []
        # (t, shoulder-line angle) of every written frame: each reach's trunk rotation
        # at close without decoding the stored stream (a recovered session decodes
        # it; its 1 mm quantization moves a rotation by at most about 0.2 deg).
        self._shoulders = _Series()
        # The written events, grouped into trials and tallied as they are written;
        # the lock guards both between a flush and the flusher's measuring.
        self._trial_log = TrialLog()
        self._tally = EventTally()
        self._derive_lock = threading.Lock()
        self._frames_until = -math.inf  # the newest written frame's time
        self.measured_at_close: int | None = None  # trials close() had to measure itself
        self._track_last_t = -math.inf
        self.session_id = session_id
        self.patient_id = patient_id
        self._interval = flush_interval_s
        self._buf_lock = threading.Lock()
        self._flush_lock = threading.Lock()  # one flush at a time (chunk numbering)
        self._events: list[dict[str, Any]] = []
        self._frames: list[BodyFrame] = []
        self._seq = 0
        self._chunk_seq = 0
        self.dropped_frames = 0
        self._closed = False
        self._error: BaseException | None = None
        self._wake = threading.Event()
        # Session time of the oldest buffered event / frame (each on its own clock: a
        # replay's frames keep their capture times), and whether a flush is due now.
        self._ev_first_t: float | None = None
        self._fr_first_t: float | None = None
        self._flush_now = False
        self._sync_retry_at = -math.inf  # after a failed flush on the game thread
        self.flushes_by_session_time = 0  # flushes the session clock or count asked for
        self._thread = threading.Thread(target=self._run, name=f"telemetry-{session_id[:8]}",
                                        daemon=True)
        self._thread.start()
        # A normal interpreter exit without close() (an unhandled exception in the
        # game) still writes what is buffered; the session is recovered as incomplete.
        atexit.register(self._flush_at_exit)

    # ----------------------------------------------------------- game thread
    def record(self, events: Sequence[Any]) -> None:
        if self._closed:
            raise StoreError(f"session {self.session_id} is closed")
        now = iso(self.store.now())
        rows = [{"session_id": self.session_id, "t": float(e.t), "kind": str(e.kind),
                 "data": dumps(e.data), "recorded_at": now} for e in events]
        if not rows:
            return
        newest = max(r["t"] for r in rows)
        self._last_t = newest if self._last_t is None else max(self._last_t, newest)
        with self._buf_lock:
            for row in rows:
                row["seq"] = self._seq
                self._seq += 1
            self._events.extend(rows)
            if self._ev_first_t is None:
                self._ev_first_t = min(r["t"] for r in rows)
            due = (newest - self._ev_first_t >= self._interval
                   or len(self._events) >= FLUSH_EVENTS)
        if due:
            self._flush_due()

    def record_frame(self, frame: BodyFrame) -> None:
        if self._closed:
            raise StoreError(f"session {self.session_id} is closed")
        t = frame.t
        with self._buf_lock:
            self._frames.append(frame)
            self._trim_frames_locked()
            if self._fr_first_t is None:
                self._fr_first_t = t
            due = t - self._fr_first_t >= self._interval
        if due:
            self._flush_due()

    def _flush_due(self) -> None:
        """The buffer spans a flush interval of session time (or holds FLUSH_EVENTS).

        On a simulated clock the game thread writes it now: a headless session
        never runs more than one interval of session time ahead of the disk (a
        commit takes milliseconds; nobody watches that clock). On a real clock
        the game thread never waits on the disk: the flusher thread is woken.
        """
        self.flushes_by_session_time += 1
        if not self.simulated_clock:
            self._flush_now = True
            self._wake.set()
            return
        if time.monotonic() < self._sync_retry_at:
            return  # the last write failed: retried after an interval, not every frame
        try:
            self.flush()
            self._error = None
        except Exception as exc:  # noqa: BLE001  (kept buffered; retried)
            self._error = exc
            self._sync_retry_at = time.monotonic() + self._interval

    def _trim_frames_locked(self) -> None:
        excess = len(self._frames) - MAX_BUFFERED_FRAMES
        if excess > 0:
            del self._frames[:excess]
            self.dropped_frames += excess

    @property
    def error(self) -> str | None:
        """Why the last background write failed (None when writing is fine), so
        the game can warn that telemetry is not reaching the disk."""
        return None if self._error is None else str(self._error)

    def at(self, t: float | None = None) -> datetime:
        """The moment of game time `t` in this session's timestamps.

        On a simulated clock the wall clock says nothing about the session (a
        headless minute passes in seconds): `started_at + (t - t0)`, with the
        newest recorded event's time when no `t` is given. On a real clock:
        the wall clock, now.
        """
        if not self.simulated_clock:
            return self.store.now()
        game_t = t if t is not None else self._last_t
        if game_t is None:
            return self.started_at
        return self.started_at + timedelta(seconds=max(0.0, game_t - (self.t0 or 0.0)))

    def _end_at(self, t: float | None) -> datetime:
        """The end: never before the newest event (ended_at >= every event's time)."""
        newest = max((x for x in (t, self._last_t) if x is not None), default=None)
        return self.at(newest)

    def checkin(self, phase: str, answers: Mapping[str, int], *, t: float | None = None) -> None:
        """Store a check-in of this session; `t`: the game time it was answered."""
        self.store.checkin(self.patient_id, phase, answers, session_id=self.session_id,
                           at=self.at(t) if self.simulated_clock else None)

    def close(self, summary: Mapping[str, Any], completed: bool = True, *,
              ended_at: datetime | None = None, t: float | None = None) -> None:
        """Flush, derive the trials, store the summary; `t`: the game time at the end."""
        if self._closed:
            return
        self._closed = True
        atexit.unregister(self._flush_at_exit)
        self._wake.set()
        self._thread.join()
        self.flush()
        rom = self.range_of_motion()
        if rom and "rom" not in summary:
            summary = {**summary, "rom": rom}
        if self.dropped_frames and "dropped_frames" not in summary:
            summary = {**summary, "dropped_frames": self.dropped_frames}
        tracking = tracking_summary(self._track) if self._track else None
        if tracking is not None and "tracking_quality" not in summary:
            summary = {**summary, "tracking_quality": tracking}
        if "clock" not in summary and self.t0 is not None:  # else derived from the log
            summary = {**summary, "clock": {"t0_s": self.t0, "simulated": self.simulated_clock}}
        with self._derive_lock:  # the same as deriving the stored log now (TrialLog)
            trials = self._trial_log.finish(tracking=tracking, shoulders=self._shoulders.view())
            derived = self._tally.summary(trials)
            self.measured_at_close = len(trials) - self._trial_log.reused
        with self.store._tx() as conn:
            self.store._finish_session(conn, self.session_id, summary=summary,
                                       completed=completed,
                                       ended_at=iso(ended_at or self._end_at(t)),
                                       recovered=False, tracking=tracking,
                                       derived=(trials, derived))
        self.store._recorders.pop(self.session_id, None)
        _ACTIVE.discard(self.session_id)

    # ------------------------------------------------------------ writing
    def flush(self) -> None:
        """Write everything buffered now (the flusher calls this periodically)."""
        with self._flush_lock:  # taken before the buffers, so chunks stay in order
            with self._buf_lock:
                events, self._events = self._events, []
                frames, self._frames = self._frames, []
                first = (self._ev_first_t, self._fr_first_t)
                self._ev_first_t = self._fr_first_t = None
            try:
                self._flush_locked(events, frames)
            except BaseException:
                with self._buf_lock:  # still buffered (see _flush_locked): still this old
                    self._ev_first_t = _older(first[0], self._ev_first_t)
                    self._fr_first_t = _older(first[1], self._fr_first_t)
                raise
        if events and threading.current_thread() is not self._thread and self._thread.is_alive():
            self._wake.set()  # flushed by hand: the flusher measures what it can now

    def _flush_locked(self, events: list[dict[str, Any]], frames: list[BodyFrame]) -> None:
        try:
            blob = encode_frames(frames) if frames else None
            with self.store._tx() as conn:
                if events:
                    conn.execute(S.events.insert(), events)
                if blob is not None:
                    conn.execute(S.landmark_chunks.insert().values(
                        session_id=self.session_id, seq=self._chunk_seq, n_frames=len(frames),
                        t0=frames[0].t, codec=CODEC, data=blob))
                    self._chunk_seq += 1
                conn.execute(S.sessions.update()
                             .where(S.sessions.c.session_id == self.session_id)
                             .values(heartbeat_at=iso(self.store.now())))
        except BaseException:
            with self._buf_lock:  # keep them for the next attempt
                self._events[:0] = events
                self._frames[:0] = frames
                self._trim_frames_locked()
            raise
        t, deg = shoulder_series(frames)
        # The events as stored (JSON round trip, in seq order): what a derivation
        # of the stored log reads.
        written = [_Ev(r["t"], r["kind"], json.loads(r["data"])) for r in events]
        with self._derive_lock:
            self._shoulders.extend(t, deg)
            if frames:
                self._frames_until = max(self._frames_until, max(f.t for f in frames))
            self._trial_log.add(written)
            self._tally.add(written)
        self._sample_angles(frames)

    def derive_ready(self, deadline: float = math.inf) -> None:
        """Measure, one at a time, the trials whose events and frames are written.
        The flusher thread calls this after each flush (and when woken by a flush
        made by hand) with the next flush's time as `deadline` (`time.monotonic()`),
        so a backlog never holds events off the disk for longer than one trial
        (about 5 ms); it stops as soon as the session closes, which measures the rest."""
        while not self._closed and time.monotonic() < deadline:
            with self._derive_lock:
                until = math.inf if self._frames_until == -math.inf else self._frames_until
                job = self._trial_log.take_ready(until)
                shoulders = self._shoulders.view()
            if job is None:
                return
            reach = measure(job, shoulders)
            with self._derive_lock:
                self._trial_log.keep(reach)

    def _sample_angles(self, frames: Sequence[BodyFrame]) -> None:
        for f in frames:
            if f.t >= self._track_last_t + 1.0 / ROM_HZ - 1e-3:
                self._track.append(tracking_sample(f.pose, f.pose_world, self._rom_sides))
                self._track_last_t = f.t
        if not self._rom_sides:
            return
        for f in frames:  # the poses (never images), for the honest angles at close
            if f.pose is None or f.t < self._rom_last_t + 1.0 / ROM_HZ - 1e-3:
                continue
            self._rom.append((f.t, f.pose, f.pose_world, f.width, f.height))
            self._rom_last_t = f.t

    @property
    def trials_measured(self) -> int:
        """Trials measured ahead of `close()` (their measurement may still be redone
        at close, if later events or shoulder samples changed its inputs)."""
        with self._derive_lock:
            return self._trial_log.measured

    def shoulder_series(self) -> tuple[np.ndarray, np.ndarray]:
        """(t, shoulder-line angle) of the frames written so far, as `close()`
        hands them to the derivation (a copy)."""
        with self._derive_lock:
            t, deg = self._shoulders.view()
            return t.copy(), deg.copy()

    def range_of_motion(self) -> dict[str, dict[str, Any]]:
        """Per arm, telemetry.joint_angles.session_rom of the sampled frames."""
        return session_rom(self._rom, self._rom_sides)

    def _flush_at_exit(self) -> None:
        if not self._closed:
            # Exiting anyway: whatever is not flushed, recovery closes the session next open.
            with contextlib.suppress(Exception):
                self.flush()

    def _run(self) -> None:
        due = time.monotonic() + self._interval
        while not self._closed:
            self._wake.wait(max(0.0, due - time.monotonic()))
            self._wake.clear()
            if self._closed:
                return
            if time.monotonic() >= due or self._flush_now:
                self._flush_now = False
                due = time.monotonic() + self._interval
                try:
                    self.flush()
                    self._error = None
                except Exception as exc:  # noqa: BLE001  (retried next interval)
                    self._error = exc
            try:
                self.derive_ready(deadline=due)
            except Exception:  # noqa: BLE001, S110  (close() derives whatever is left)
                pass


def _sqlite_pragmas(engine: Engine, *, wal: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        try:
            if wal:
                cur.execute("PRAGMA journal_mode=WAL")
                # NORMAL in WAL mode survives a killed process (not a power cut).
                cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=10000")
        finally:
            cur.close()


SQLITE_MAGIC = b"SQLite format 3\x00"


def _check_sqlite_file(path: Path) -> None:
    """Refuse, before anything is written, a file that is not a NeuroPlay database.

    Opening for writing switches a file to WAL mode (its header changes) and
    migrating creates NeuroPlay's tables in it, so another program's database
    (or any other file given by mistake) is looked at read-only first: not
    SQLite at all, unreadable, or a SQLite database with tables but without
    NeuroPlay's `schema_migrations` is one line, and the file stays as it was.
    An empty file is a new database.
    """
    try:
        with path.open("rb") as fh:
            head = fh.read(len(SQLITE_MAGIC))
    except OSError as exc:
        raise StoreError(f"cannot read {path}: {exc.strerror or exc}") from exc
    if not head:
        return
    if head != SQLITE_MAGIC:
        raise DamagedDatabase(f"{path} is not a readable NeuroPlay database (not a SQLite file)")
    from urllib.parse import quote

    try:
        con = sqlite3.connect(f"file:{quote(str(path.resolve()))}?mode=ro", uri=True, timeout=10)
        try:
            names = sorted(r[0] for r in con.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'"))
            version = con.execute("SELECT max(version) FROM schema_migrations").fetchone()[0] \
                if "schema_migrations" in names else None
        finally:
            con.close()
    except (sqlite3.DatabaseError, UnicodeDecodeError) as exc:
        raise DamagedDatabase(f"{path} is not a readable NeuroPlay database "
                              f"({str(exc).splitlines()[0] if str(exc) else type(exc).__name__})"
                              ) from exc
    if names and "schema_migrations" not in names:
        shown = ", ".join(names[:4]) + (", ..." if len(names) > 4 else "")
        raise ForeignDatabase(f"{path} is another program's database (tables {shown}); "
                              f"NeuroPlay leaves it alone")
    if isinstance(version, int) and version > LATEST:
        raise SchemaTooNew(f"{path} uses schema version {version}, newer than this NeuroPlay "
                           f"understands ({LATEST}); upgrade NeuroPlay to open it")


def _older(a: float | None, b: float | None) -> float | None:
    return b if a is None else a if b is None else min(a, b)


def _count(value: Any) -> int:
    return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0


def _patient(row: Any) -> PatientRecord:
    return PatientRecord(row.patient_id, row.display_name, row.affected_side, bool(row.seated),
                         parse_iso(row.created_at))  # type: ignore[arg-type]


def _is_damage(exc: BaseException) -> bool:
    text = str(getattr(exc, "orig", exc)).lower()
    return "malformed" in text or "not a database" in text or "corrupt" in text


def _short(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None)
    return str(orig if orig is not None else exc).splitlines()[0]


__all__ = [
    "STALE_AFTER_S",
    "Recorder",
    "Store",
    "dumps",
    "iso",
    "parse_iso",
    "to_jsonable",
    "utc_now",
]
