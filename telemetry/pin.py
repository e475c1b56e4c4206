"""The therapist PIN: salted scrypt hashes, never the PIN itself; how wrong PINs are limited.

Role: `hash_pin(pin)` returns one self-describing string
("scrypt$n$r$p$salt_hex$hash_hex") that the store keeps in its settings
(key `PIN_SETTING`); `verify_pin(pin, stored)` checks a PIN against it in
constant time. `pin_lock` and `wrong_delay_s` are the policy for wrong PINs
(the attempt log itself is telemetry.pin_guard). Pure functions (the salt
comes from `secrets` unless given), no storage here.

Why these costs: a PIN space is small, so the hash is what stands between a
copied database and the PIN. scrypt n=2**17, r=8, p=2 takes 128 MiB and about
0.7 s of one core per check (benchmarks/pin.py): searching every 6-digit PIN
costs about 8 core-days (4 days on a 2-core machine), where the former
n=2**14, p=1 searched every 4-digit PIN in 6 core-minutes. New PINs have at
least 6 characters. The parameters travel with each hash, so PINs set
before still verify, and a right one is re-hashed at today's cost.

Online guessing is limited too: each wrong PIN is answered after a growing
delay (1, 2, 4, 8, 16 s), and `MAX_WRONG` wrong PINs in `WINDOW` lock PIN
entry until the first of them is `WINDOW` old - at most 5 guesses per 15
minutes, whatever the delays.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

PIN_SETTING = "therapist_pin"
N, R, P = 2**17, 8, 2
SALT_BYTES = 16
MIN_LEN, MAX_LEN = 6, 64
MAXMEM = 512 * 1024 * 1024
MAX_WRONG = 5
WINDOW = timedelta(minutes=15)
MAX_DELAY_S = 16.0


class PinError(ValueError):
    """A PIN that cannot be used (too short, not text)."""


def check_new_pin(pin: str) -> str:
    """A new PIN must be 6-64 characters with no surrounding whitespace."""
    if not isinstance(pin, str):
        raise PinError("the PIN must be text")
    if pin != pin.strip():
        raise PinError("the PIN must not start or end with spaces")
    if not MIN_LEN <= len(pin) <= MAX_LEN:
        raise PinError(f"the PIN must be {MIN_LEN}-{MAX_LEN} characters long")
    return pin


def hash_pin(pin: str, salt: bytes | None = None, *, n: int = N, r: int = R, p: int = P) -> str:
    """A salted scrypt hash of a PIN as one string (salt random unless given)."""
    check_new_pin(pin)
    salt = secrets.token_bytes(SALT_BYTES) if salt is None else salt
    digest = hashlib.scrypt(pin.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=32,
                            maxmem=MAXMEM)
    return f"scrypt${n}${r}${p}${salt.hex()}${digest.hex()}"


def verify_pin(pin: str, stored: str) -> bool:
    """True when `pin` matches the stored hash; False for a wrong PIN or a malformed hash."""
    try:
        scheme, n, r, p, salt_hex, digest_hex = stored.split("$")
        if scheme != "scrypt":
            return False
        salt, want = bytes.fromhex(salt_hex), bytes.fromhex(digest_hex)
        got = hashlib.scrypt(pin.encode("utf-8"), salt=salt, n=int(n), r=int(r), p=int(p),
                             dklen=len(want), maxmem=MAXMEM)
    except (ValueError, TypeError, AttributeError):
        return False
    return hmac.compare_digest(got, want)


def weaker_than_today(stored: str) -> bool:
    """True when a stored hash used a lower cost than `hash_pin` does now."""
    try:
        scheme, n, r, p, *_ = stored.split("$")
        return scheme != "scrypt" or int(n) * int(r) * int(p) < N * R * P
    except ValueError:
        return True


@dataclass(frozen=True, slots=True)
class PinLock:
    wrong: int  # wrong PINs in the window since the last right one
    locked_until: datetime | None

    @property
    def left(self) -> int:
        return max(0, MAX_WRONG - self.wrong)


def pin_lock(wrong_at: Sequence[datetime], now: datetime) -> PinLock:
    """The lock state from the times of wrong PINs since the last right one.

    Locked while `MAX_WRONG` of them fall in the last `WINDOW`; it opens when the
    oldest of the last `MAX_WRONG` is `WINDOW` old.
    """
    recent = sorted(t for t in wrong_at if now - t < WINDOW)
    if len(recent) < MAX_WRONG:
        return PinLock(len(recent), None)
    return PinLock(len(recent), recent[len(recent) - MAX_WRONG] + WINDOW)


def wrong_delay_s(wrong: int) -> float:
    """How long to wait before answering the `wrong`-th wrong PIN in the window."""
    return 0.0 if wrong <= 0 else min(MAX_DELAY_S, 2.0 ** (wrong - 1))
