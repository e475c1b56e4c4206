"""Clinic mode data: clinics, therapists, who sees which patient, logins, stations.

Role: the accounts and live-station bookkeeping of the therapist dashboard,
as portable SQLAlchemy Core tables in the SAME database as the telemetry
(SQLite for a home, PostgreSQL for a clinic). The tables are created by
migration `0002_clinic` (appended to `telemetry.migrations.MIGRATIONS`);
this module only declares them on its own `MetaData` so the telemetry
engineer's `0001_initial` never creates them.

Contract:
  * Passwords and tokens are never stored: passwords as salted scrypt
    (`hash_password` / `verify_password`), login-session and station tokens
    as SHA-256 (they are long random secrets, so a fast hash is enough).
  * A therapist belongs to exactly one clinic and sees only patients that
    are members of that clinic (`clinic_patients`).
  * `station_events` is the dashboard's copy of what stations streamed; the
    primary key (station, run_id, seq) makes a re-sent event a no-op, which
    is what lets a reconnecting station replay its outbox safely.
  * Failed logins are limited per account (from any address) and per address
    (to any account), and the count-and-check is atomic: `attempt_login`
    records the attempt as a failure inside one exclusive transaction
    (telemetry.locking) before the slow password check runs, so N concurrent
    wrong passwords still get only `MAX_FAILURES` checks.
  * A station's token says whether the station may bring a patient who belongs
    to no clinic into its clinic (`allow_new_patients`); without it only
    `therapist assign` does.
  * Times are ISO 8601 UTC text like the rest of the store; the clock is an
    argument so the rate limit is testable without sleeping.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import secrets
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Engine,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    and_,
    false,
    func,
    select,
)
from sqlalchemy.exc import IntegrityError

from telemetry.errors import StoreError
from telemetry.locking import LOGIN_KEY, exclusive_transaction
from telemetry.store.sql import new_id

metadata = MetaData()

clinics = Table(
    "clinics", metadata,
    Column("clinic_id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("created_at", String(40), nullable=False),
)

therapists = Table(
    "therapists", metadata,
    Column("username", String(64), primary_key=True),
    Column("clinic_id", Integer, nullable=False),
    Column("password_hash", String(300), nullable=False),
    Column("created_at", String(40), nullable=False),
)

clinic_patients = Table(
    "clinic_patients", metadata,
    Column("clinic_id", Integer, primary_key=True, autoincrement=False),
    Column("patient_id", String(64), primary_key=True),
)

login_attempts = Table(
    "login_attempts", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(200), nullable=False),
    Column("ip", String(64), nullable=False),
    Column("at", String(40), nullable=False),
    Column("ok", Boolean, nullable=False),
    Index("ix_login_attempts_user_ip", "username", "ip", "at"),
    Index("ix_login_attempts_ip_at", "ip", "at"),
)

auth_sessions = Table(
    "auth_sessions", metadata,
    Column("token_sha", String(64), primary_key=True),
    Column("username", String(64), nullable=False),
    Column("csrf", String(64), nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("expires_at", String(40), nullable=False),
)

station_tokens = Table(
    "station_tokens", metadata,
    Column("station", String(64), primary_key=True),
    Column("clinic_id", Integer, nullable=False),
    Column("token_sha", String(64), nullable=False),
    Column("created_by", String(64), nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("allow_new_patients", Boolean, nullable=False, server_default=false()),
)

station_events = Table(
    "station_events", metadata,
    Column("station", String(64), primary_key=True),
    Column("run_id", String(64), primary_key=True),
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("kind", String(64), nullable=False),
    Column("t", String(40), nullable=False),
    Column("data", Text, nullable=False),
    Column("received_at", String(40), nullable=False),
)

Clock = Callable[[], datetime]
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2 ** 14, 8, 1
MAX_FAILURES = 5  # wrong passwords per account (from any address) in FAILURE_WINDOW
MAX_ADDRESS_FAILURES = 20  # wrong passwords per address (to any account) in FAILURE_WINDOW
FAILURE_WINDOW = timedelta(minutes=15)
SESSION_LIFETIME = timedelta(hours=10)
NAME_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")


def _iso(dt: datetime) -> str:
    return dt.astimezone(timezone.utc).isoformat(timespec="milliseconds")


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


def sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    """scrypt with a random 16-byte salt; the parameters travel with the hash."""
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=SCRYPT_N, r=SCRYPT_R,
                            p=SCRYPT_P, maxmem=64 * 1024 * 1024, dklen=32)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${salt.hex()}${digest.hex()}"


@functools.cache
def _dummy_hash() -> str:
    return hash_password("x", salt=b"0" * 16)


def verify_password(password: str, stored: str) -> bool:
    try:
        algo, n, r, p, salt_hex, digest_hex = stored.split("$")
        if algo != "scrypt":
            return False
        digest = hashlib.scrypt(password.encode("utf-8"), salt=bytes.fromhex(salt_hex),
                                n=int(n), r=int(r), p=int(p), maxmem=64 * 1024 * 1024,
                                dklen=len(digest_hex) // 2)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(digest.hex(), digest_hex)


def check_name(kind: str, name: str) -> str:
    if not name or len(name) > 64 or not set(name) <= NAME_CHARS:
        raise StoreError(f"{kind} name {name!r} must be 1-64 letters, digits, '.', '_' or '-'")
    return name


@dataclass(frozen=True, slots=True)
class Therapist:
    username: str
    clinic_id: int
    clinic: str


@dataclass(frozen=True, slots=True)
class LoginSession:
    username: str
    csrf: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class Station:
    station: str
    clinic_id: int
    allow_new_patients: bool = False


@dataclass(frozen=True, slots=True)
class LoginOutcome:
    """The answer to one login attempt: the therapist, or why not."""

    therapist: Therapist | None
    limited: bool = False  # refused without checking the password (too many failures)


class ClinicStore:
    """Clinic tables over the telemetry store's engine (same database)."""

    def __init__(self, engine: Engine, *, clock: Clock = _utc_now) -> None:
        self.engine = engine
        self.clock = clock
        self._lock = threading.RLock()  # an in-memory SQLite is one shared connection

    def _tx(self) -> Any:
        return _Tx(self)

    # ----------------------------------------------------------- clinics
    def ensure_clinic(self, name: str) -> int:
        name = name.strip()
        if not name or len(name) > 200:
            raise StoreError("clinic name must be 1-200 characters")
        with self._tx() as conn:
            row = conn.execute(select(clinics.c.clinic_id).where(clinics.c.name == name)).first()
            if row is not None:
                return int(row[0])
            res = conn.execute(clinics.insert().values(name=name,
                                                       created_at=_iso(self.clock())))
            return new_id(res)

    def clinic_id(self, name: str) -> int | None:
        with self._tx() as conn:
            row = conn.execute(select(clinics.c.clinic_id)
                               .where(clinics.c.name == name.strip())).first()
        return None if row is None else int(row[0])

    def add_patient(self, clinic_id: int, patient_id: str) -> None:
        with self._tx() as conn:
            exists = conn.execute(select(clinic_patients.c.patient_id).where(and_(
                clinic_patients.c.clinic_id == clinic_id,
                clinic_patients.c.patient_id == patient_id))).first()
            if exists is None:
                conn.execute(clinic_patients.insert().values(clinic_id=clinic_id,
                                                             patient_id=patient_id))

    def patient_clinics(self, patient_id: str) -> list[int]:
        with self._tx() as conn:
            rows = conn.execute(select(clinic_patients.c.clinic_id)
                                .where(clinic_patients.c.patient_id == patient_id)).all()
        return sorted(int(r[0]) for r in rows)

    def clinic_patient_ids(self, clinic_id: int) -> list[str]:
        with self._tx() as conn:
            rows = conn.execute(select(clinic_patients.c.patient_id)
                                .where(clinic_patients.c.clinic_id == clinic_id)
                                .order_by(clinic_patients.c.patient_id)).all()
        return [str(r[0]) for r in rows]

    def in_clinic(self, clinic_id: int, patient_id: str) -> bool:
        with self._tx() as conn:
            return conn.execute(select(clinic_patients.c.patient_id).where(and_(
                clinic_patients.c.clinic_id == clinic_id,
                clinic_patients.c.patient_id == patient_id))).first() is not None

    # -------------------------------------------------------- therapists
    def add_therapist(self, username: str, clinic: str, password: str) -> Therapist:
        check_name("therapist", username)
        if len(password) < 8:
            raise StoreError("password must be at least 8 characters")
        clinic_id = self.ensure_clinic(clinic)
        pw = hash_password(password)
        with self._tx() as conn:
            if conn.execute(select(therapists.c.username)
                            .where(therapists.c.username == username)).first() is not None:
                raise StoreError(f"therapist {username!r} already exists")
            conn.execute(therapists.insert().values(
                username=username, clinic_id=clinic_id, password_hash=pw,
                created_at=_iso(self.clock())))
        return Therapist(username, clinic_id, clinic.strip())

    def therapist(self, username: str) -> Therapist | None:
        with self._tx() as conn:
            row = conn.execute(select(therapists.c.username, therapists.c.clinic_id, clinics.c.name)
                               .join_from(therapists, clinics,
                                          therapists.c.clinic_id == clinics.c.clinic_id)
                               .where(therapists.c.username == username)).first()
        return None if row is None else Therapist(str(row[0]), int(row[1]), str(row[2]))

    def recent_failures(self, username: str, ip: str) -> int:
        """Failed attempts on `username` from `ip` in the window (for the log and tests)."""
        since = _iso(self.clock() - FAILURE_WINDOW)
        with self._tx() as conn:
            return int(conn.execute(select(func.count()).select_from(login_attempts).where(and_(
                login_attempts.c.username == username[:200], login_attempts.c.ip == ip[:64],
                login_attempts.c.ok.is_(False), login_attempts.c.at >= since))).scalar() or 0)

    def authenticate(self, username: str, password: str, ip: str) -> Therapist | None:
        """The therapist when the login is right and allowed; else None."""
        return self.attempt_login(username, password, ip).therapist

    def attempt_login(self, username: str, password: str, ip: str) -> LoginOutcome:
        """Check a login; every attempt is logged.

        The attempt is first recorded as a failure, in the same exclusive
        transaction that counts the earlier failures, and only then is the
        password checked (scrypt, tens of milliseconds): concurrent attempts
        cannot all pass the count before any of them is counted. A right
        password turns its own row into a success. Refused without a check
        (`limited`) once the account has MAX_FAILURES failures, or the address
        MAX_ADDRESS_FAILURES, in FAILURE_WINDOW - even when the password is right.
        """
        username, ip = username[:200], ip[:64]
        since = _iso(self.clock() - FAILURE_WINDOW)
        failed = and_(login_attempts.c.ok.is_(False), login_attempts.c.at >= since)
        with self._lock, exclusive_transaction(self.engine, LOGIN_KEY) as conn:
            by_account = int(conn.execute(select(func.count()).select_from(login_attempts).where(
                and_(failed, login_attempts.c.username == username))).scalar() or 0)
            by_address = int(conn.execute(select(func.count()).select_from(login_attempts).where(
                and_(failed, login_attempts.c.ip == ip))).scalar() or 0)
            res = conn.execute(login_attempts.insert().values(
                username=username, ip=ip, at=_iso(self.clock()), ok=False))
            attempt_id = new_id(res)
        if by_account >= MAX_FAILURES or by_address >= MAX_ADDRESS_FAILURES:
            return LoginOutcome(None, limited=True)
        with self._tx() as conn:
            row = conn.execute(select(therapists.c.password_hash)
                               .where(therapists.c.username == username)).first()
        # A missing user still pays for one scrypt, so timing does not reveal who exists.
        stored = str(row[0]) if row is not None else _dummy_hash()
        if not (verify_password(password, stored) and row is not None):
            return LoginOutcome(None)
        with self._tx() as conn:
            conn.execute(login_attempts.update().where(login_attempts.c.id == attempt_id)
                         .values(ok=True))
        return LoginOutcome(self.therapist(username))

    def login_attempts(self, username: str) -> list[dict[str, Any]]:
        with self._tx() as conn:
            rows = conn.execute(select(login_attempts).where(login_attempts.c.username == username)
                                .order_by(login_attempts.c.id)).all()
        return [dict(r._mapping) for r in rows]

    # ---------------------------------------------------- login sessions
    def open_session(self, username: str) -> tuple[str, LoginSession]:
        token = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(24)
        now = self.clock()
        expires = now + SESSION_LIFETIME
        with self._tx() as conn:
            conn.execute(auth_sessions.insert().values(
                token_sha=sha(token), username=username, csrf=csrf, created_at=_iso(now),
                expires_at=_iso(expires)))
        return token, LoginSession(username, csrf, expires)

    def session(self, token: str) -> LoginSession | None:
        with self._tx() as conn:
            row = conn.execute(select(auth_sessions)
                               .where(auth_sessions.c.token_sha == sha(token))).first()
        if row is None:
            return None
        expires = datetime.fromisoformat(row.expires_at)
        if expires <= self.clock():
            self.close_session(token)
            return None
        return LoginSession(str(row.username), str(row.csrf), expires)

    def close_session(self, token: str) -> None:
        with self._tx() as conn:
            conn.execute(auth_sessions.delete().where(auth_sessions.c.token_sha == sha(token)))

    # ----------------------------------------------------------- stations
    def new_station_token(self, station: str, clinic_id: int, created_by: str, *,
                          allow_new_patients: bool = False) -> str:
        """A fresh token for the station (replacing any older one).

        `allow_new_patients`: a patient who belongs to no clinic and plays at
        this station joins the station's clinic (else only `therapist assign`).
        """
        check_name("station", station)
        token = secrets.token_urlsafe(32)
        with self._tx() as conn:
            conn.execute(station_tokens.delete().where(station_tokens.c.station == station))
            conn.execute(station_tokens.insert().values(
                station=station, clinic_id=clinic_id, token_sha=sha(token),
                created_by=created_by, created_at=_iso(self.clock()),
                allow_new_patients=allow_new_patients))
        return token

    def station_for_token(self, station: str, token: str) -> Station | None:
        with self._tx() as conn:
            row = conn.execute(select(station_tokens)
                               .where(station_tokens.c.station == station)).first()
        if row is None or not hmac.compare_digest(str(row.token_sha), sha(token)):
            return None
        return Station(str(row.station), int(row.clinic_id), bool(row.allow_new_patients))

    def record_station_events(self, station: str, run_id: str,
                              events: Iterable[Mapping[str, Any]]) -> list[int]:
        """Insert streamed events; return the sequence numbers that were NEW.

        Idempotent: an event already stored (same station, run, seq) is skipped.
        One query finds the stored ones and one batched insert adds the rest, so a
        full frame costs two statements, not two per event. Events are validated
        by the caller (clinic.station_protocol): `seq` fits the column.
        """
        batch: dict[int, Mapping[str, Any]] = {}
        for ev in events:
            batch.setdefault(int(ev["seq"]), ev)  # a repeat inside one frame counts once
        if not batch:
            return []
        now = _iso(self.clock())
        with self._tx() as conn:
            known = {int(r[0]) for r in conn.execute(select(station_events.c.seq).where(and_(
                station_events.c.station == station, station_events.c.run_id == run_id,
                station_events.c.seq.in_(list(batch))))).all()}
            rows: list[dict[str, Any]] = [{"station": station, "run_id": run_id, "seq": seq,
                     "kind": str(ev.get("kind", "?"))[:64], "t": str(ev.get("t", ""))[:40],
                     "data": json.dumps(ev.get("data", {}), default=str), "received_at": now}
                    for seq, ev in batch.items() if seq not in known]
            if rows:
                conn.execute(station_events.insert(), rows)
        return [r["seq"] for r in rows]

    def station_events(self, station: str, run_id: str | None = None) -> list[dict[str, Any]]:
        q = select(station_events).where(station_events.c.station == station)
        if run_id is not None:
            q = q.where(station_events.c.run_id == run_id)
        with self._tx() as conn:
            rows = conn.execute(q.order_by(station_events.c.run_id, station_events.c.seq)).all()
        return [{**dict(r._mapping), "data": json.loads(r.data)} for r in rows]

    def count_station_events(self, stations: Sequence[str] | None = None) -> int:
        q = select(func.count()).select_from(station_events)
        if stations is not None:
            q = q.where(station_events.c.station.in_(list(stations)))
        with self._tx() as conn:
            return int(conn.execute(q).scalar() or 0)


class _Tx:
    """One transaction under the clinic store's lock; integrity errors -> StoreError."""

    def __init__(self, owner: ClinicStore) -> None:
        self.owner = owner
        self._cm: Any = None

    def __enter__(self) -> Connection:
        self.owner._lock.acquire()
        try:
            self._cm = self.owner.engine.begin()
            return self._cm.__enter__()
        except BaseException:
            self.owner._lock.release()
            raise

    def __exit__(self, *exc: object) -> None:
        try:
            self._cm.__exit__(*exc)
        except IntegrityError as err:
            raise StoreError(f"the database rejected the change: {err.orig}") from err
        finally:
            self.owner._lock.release()
