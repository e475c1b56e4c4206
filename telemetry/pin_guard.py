"""The log of therapist PIN attempts, and the lockout it enforces (policy in telemetry.pin).

Role: every PIN entry (a plan change, a PIN change) is a row of
`pin_attempts`: when, what it was for, and `right`, `wrong` or `locked`
(refused unchecked while PIN entry is locked). `begin()` counts the recent
wrong PINs and records the new attempt as `wrong` in ONE exclusive
transaction (telemetry.locking), before the slow scrypt check; `right()`
then turns it into a success. So PINs typed in parallel processes cannot
all pass the count before any is counted: at most `MAX_WRONG` are ever
checked per window. The table lives in the telemetry database (migration
0006), so the limit holds for every command and process on the machine.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import Column, Engine, Index, Integer, MetaData, String, Table, select

from telemetry.locking import PIN_KEY, exclusive_transaction
from telemetry.pin import WINDOW, PinLock, pin_lock
from telemetry.store.sql import new_id

metadata = MetaData()

pin_attempts = Table(
    "pin_attempts", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", String(40), nullable=False),
    Column("outcome", String(16), nullable=False),  # right | wrong | locked
    Column("action", String(200), nullable=False),
    Index("ix_pin_attempts_at", "at"),
)


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


def _iso(dt: datetime) -> str:
    return dt.astimezone(timezone.utc).isoformat(timespec="milliseconds")


@dataclass(frozen=True, slots=True)
class PinAttempt:
    """An attempt in progress: recorded as wrong until `PinGuard.right` says otherwise."""

    id: int | None  # None: refused, PIN entry is locked
    lock: PinLock  # the state before this attempt


class PinGuard:
    def __init__(self, engine: Engine, *, clock: Callable[[], datetime] = _utc_now) -> None:
        self.engine = engine
        self.clock = clock

    def begin(self, action: str) -> PinAttempt:
        """Count and record this attempt atomically; `id` None when PIN entry is locked."""
        now = self.clock()
        with exclusive_transaction(self.engine, PIN_KEY) as conn:
            rows = conn.execute(select(pin_attempts.c.at, pin_attempts.c.outcome)
                                .where(pin_attempts.c.at >= _iso(now - WINDOW))
                                .order_by(pin_attempts.c.id)).all()
            wrong: list[datetime] = []
            for at, outcome in rows:
                if outcome == "right":
                    wrong = []  # only wrong PINs since the last right one count
                elif outcome == "wrong":
                    wrong.append(datetime.fromisoformat(at))
            lock = pin_lock(wrong, now)
            outcome = "locked" if lock.locked_until is not None else "wrong"
            res = conn.execute(pin_attempts.insert().values(at=_iso(now), outcome=outcome,
                                                            action=action[:200]))
            attempt_id = new_id(res)
        return PinAttempt(None if outcome == "locked" else attempt_id, lock)

    def right(self, attempt: PinAttempt) -> None:
        if attempt.id is None:
            return
        with exclusive_transaction(self.engine, PIN_KEY) as conn:
            conn.execute(pin_attempts.update().where(pin_attempts.c.id == attempt.id)
                         .values(outcome="right"))

    def log(self) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(pin_attempts).order_by(pin_attempts.c.id)).all()
        return [dict(r._mapping) for r in rows]
