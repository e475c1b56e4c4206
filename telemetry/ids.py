"""Patient ids: the one rule every command and the store apply.

A patient id is a pseudonym a therapist types and reads back (`p-014`), and
it ends up in file names (reports, exports), URLs (the dashboard) and log
lines. So it is plain ASCII: 1-64 letters, digits, '-', '_' or '.', starting
with a letter or digit (no `..`, no hidden names). Anything else is refused
with one line that says what is wrong, never silently changed:

- Look-alikes (a Cyrillic `р` in `р-014`, a Greek `ο`) would create a second
  patient that reads exactly like the first; they are refused.
- Compatibility forms (full-width `ＡＢＣ`, ligatures, superscripts) are found
  with Unicode NFKC: the message names the plain form to type instead, so
  `ＡＢＣ` and `ABC` can never become two patients, and nobody gets an id they
  did not type.
- Separators and controls (`/`, `\\`, `;`, `$()`, a newline, U+202E
  right-to-left override) are named by their code point, since some of them
  do not print.
"""

from __future__ import annotations

import re
import unicodedata

from telemetry.errors import StoreError

MAX_LEN = 64
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_ALLOWED = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
RULE = "1-64 ASCII letters, digits, '-', '_' or '.', starting with a letter or digit"


class BadPatientId(StoreError, ValueError):
    """A patient id outside the safe set; the message is one line for the user."""


def _show(text: str) -> str:
    """The id as it can be shown on one line (controls and invisible marks escaped)."""
    return ascii(text) if any(not c.isprintable() or unicodedata.category(c).startswith("C")
                              for c in text) else repr(text)


def _describe(c: str) -> str:
    name = unicodedata.name(c, "")
    return f"U+{ord(c):04X}" + (f" {name}" if name else "")


def check_patient_id(text: str) -> str:
    """`text` if it is a valid patient id; else `BadPatientId` saying why, in one line."""
    if not isinstance(text, str):
        raise BadPatientId(f"patient id must be text, got {type(text).__name__}")
    if _ID.fullmatch(text):
        return text
    shown = _show(text)
    if not text.strip():
        raise BadPatientId(f"patient id is empty; use {RULE}")
    if len(text) > MAX_LEN:
        raise BadPatientId(f"patient id {shown[:40]}... is {len(text)} characters; use {RULE}")
    plain = unicodedata.normalize("NFKC", text)
    if plain != text and _ID.fullmatch(plain):
        raise BadPatientId(f"patient id {shown} has full-width or other compatibility characters; "
                           f"type it as {plain!r}")
    bad = next((c for c in text if c not in _ALLOWED), None)
    if bad is not None:
        what = "not an ASCII letter or digit" if bad.isalnum() else "not allowed"
        raise BadPatientId(f"patient id {shown}: {_describe(bad)} is {what}; use {RULE}")
    raise BadPatientId(f"patient id {shown} must start with a letter or digit; use {RULE}")


def is_patient_id(text: str) -> bool:
    try:
        check_patient_id(text)
    except BadPatientId:
        return False
    return True


__all__ = ["RULE", "BadPatientId", "check_patient_id", "is_patient_id"]
