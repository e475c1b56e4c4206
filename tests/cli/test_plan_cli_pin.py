"""Therapist PIN hashing: salted scrypt, constant-time check, never the PIN itself."""

from __future__ import annotations

import hashlib

import pytest

from telemetry.pin import PinError, check_new_pin, hash_pin, verify_pin, weaker_than_today


def test_hash_is_salted_scrypt_and_verifies() -> None:
    a = hash_pin("482193")  # today's cost: n=2**17, r=8, p=2 (about 0.7 s)
    assert a.startswith("scrypt$131072$8$2$") and "482193" not in a
    assert verify_pin("482193", a) and not verify_pin("482194", a)
    b, c = hash_pin("482193", n=2**10), hash_pin("482193", n=2**10)
    assert b != c  # a fresh salt each time
    assert verify_pin("482193", b) and not verify_pin("", b)
    assert not weaker_than_today(a) and weaker_than_today(b)
    # a PIN hashed at the former cost still verifies (the cost travels with the hash)
    old = "scrypt$16384$8$1$" + "00" * 16 + "$" + hashlib.scrypt(
        b"4821", salt=bytes(16), n=2**14, r=8, p=1, dklen=32).hex()
    assert verify_pin("4821", old) and weaker_than_today(old)


def test_known_salt_gives_the_stdlib_scrypt_digest() -> None:
    salt = bytes(range(16))
    stored = hash_pin("secret-pin", salt, n=2**10)
    want = hashlib.scrypt(b"secret-pin", salt=salt, n=2**10, r=8, p=2, dklen=32)
    assert stored == f"scrypt$1024$8$2${salt.hex()}${want.hex()}"
    assert verify_pin("secret-pin", stored)


@pytest.mark.parametrize("stored", ["", "plain4821", "md5$x$y", "scrypt$a$b$c$d$e",
                                    "scrypt$1024$8$1$zz$00"])
def test_malformed_stored_hash_never_verifies(stored: str) -> None:
    assert verify_pin("4821", stored) is False


@pytest.mark.parametrize("pin", ["123", "4821", "12345", " 123456", "123456 ", "x" * 65])
def test_unusable_new_pins(pin: str) -> None:
    with pytest.raises(PinError):
        check_new_pin(pin)
    with pytest.raises(PinError):
        hash_pin(pin)
