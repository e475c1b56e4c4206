"""Therapist PIN hashing: salted scrypt, constant-time check, never the PIN itself."""

from __future__ import annotations

import hashlib

import pytest

from telemetry.pin import PinError, check_new_pin, hash_pin, verify_pin


def test_hash_is_salted_scrypt_and_verifies() -> None:
    a, b = hash_pin("4821"), hash_pin("4821")
    assert a != b  # a fresh salt each time
    assert a.startswith("scrypt$16384$8$1$") and "4821" not in a
    assert verify_pin("4821", a) and verify_pin("4821", b)
    assert not verify_pin("4822", a) and not verify_pin("", a)


def test_known_salt_gives_the_stdlib_scrypt_digest() -> None:
    salt = bytes(range(16))
    stored = hash_pin("secret-pin", salt, n=2**10)
    want = hashlib.scrypt(b"secret-pin", salt=salt, n=2**10, r=8, p=1, dklen=32)
    assert stored == f"scrypt$1024$8$1${salt.hex()}${want.hex()}"
    assert verify_pin("secret-pin", stored)


@pytest.mark.parametrize("stored", ["", "plain4821", "md5$x$y", "scrypt$a$b$c$d$e",
                                    "scrypt$1024$8$1$zz$00"])
def test_malformed_stored_hash_never_verifies(stored: str) -> None:
    assert verify_pin("4821", stored) is False


@pytest.mark.parametrize("pin", ["123", " 1234", "1234 ", "x" * 65])
def test_unusable_new_pins(pin: str) -> None:
    with pytest.raises(PinError):
        check_new_pin(pin)
    with pytest.raises(PinError):
        hash_pin(pin)
