"""The therapist PIN: salted scrypt hashes, never the PIN itself.

Role: `hash_pin(pin)` returns one self-describing string
("scrypt$n$r$p$salt_hex$hash_hex") that the store keeps in its settings
(key `PIN_SETTING`); `verify_pin(pin, stored)` checks a PIN against it in
constant time. Pure functions (the salt comes from `secrets` unless given),
no storage here: the CLI reads and writes the setting.

Why scrypt: it is memory-hard and in the standard library (hashlib.scrypt).
Parameters n=2**14, r=8, p=1 take about 16 MB and tens of milliseconds: cheap
for one check, costly for guessing every 4-8 digit PIN.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

PIN_SETTING = "therapist_pin"
N, R, P = 2**14, 8, 1
SALT_BYTES = 16
MIN_LEN, MAX_LEN = 4, 64


class PinError(ValueError):
    """A PIN that cannot be used (too short, not text)."""


def check_new_pin(pin: str) -> str:
    """A new PIN must be 4-64 characters with no surrounding whitespace."""
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
                            maxmem=256 * 1024 * 1024)
    return f"scrypt${n}${r}${p}${salt.hex()}${digest.hex()}"


def verify_pin(pin: str, stored: str) -> bool:
    """True when `pin` matches the stored hash; False for a wrong PIN or a malformed hash."""
    try:
        scheme, n, r, p, salt_hex, digest_hex = stored.split("$")
        if scheme != "scrypt":
            return False
        salt, want = bytes.fromhex(salt_hex), bytes.fromhex(digest_hex)
        got = hashlib.scrypt(pin.encode("utf-8"), salt=salt, n=int(n), r=int(r), p=int(p),
                             dklen=len(want), maxmem=256 * 1024 * 1024)
    except (ValueError, TypeError, AttributeError):
        return False
    return hmac.compare_digest(got, want)
